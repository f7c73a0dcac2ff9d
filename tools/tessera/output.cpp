#include "output.hpp"

#include <algorithm>
#include <iostream>

namespace tessera::cli {

namespace {

// Display width in code points (good enough for names; no East Asian widths).
size_t width_of(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string pad(const std::string& text, size_t width) {
  auto w = width_of(text);
  return w >= width ? text : text + std::string(width - w, ' ');
}

std::string dump(const nlohmann::json& doc, int indent) {
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

nlohmann::json json_at(const nlohmann::json& doc, std::initializer_list<const char*> path) {
  const nlohmann::json* cur = &doc;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return *cur;
}

namespace {

// Skill ids from the card's "skills" array (objects with "id", or plain strings).
nlohmann::json skill_ids(const nlohmann::json& agent) {
  auto skills = json_at(agent, {"card", "skills"});
  if (!skills.is_array()) return nullptr;
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& skill : skills) {
    if (skill.is_object() && skill.contains("id"))
      ids.push_back(skill["id"]);
    else if (skill.is_string())
      ids.push_back(skill);
  }
  return ids;
}

}  // namespace

void print_json(const nlohmann::json& doc) {
  std::cout << dump(doc, 2) << std::endl;
}

void print_json_line(const nlohmann::json& doc) {
  std::cout << dump(doc, -1) << std::endl;
}

std::string sanitize(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = '?';
  }
  return out;
}

std::string text_of(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return sanitize(value.get<std::string>());
  if (value.is_array()) {
    std::string out;
    for (const auto& item : value) {
      if (!out.empty()) out += ", ";
      out += text_of(item);
    }
    return out.empty() ? "-" : out;
  }
  return sanitize(dump(value, -1));
}

void print_fields(const std::vector<field>& fields) {
  size_t width = 0;
  for (const auto& [key, value] : fields) width = std::max(width, key.size() + 1);
  for (const auto& [key, value] : fields)
    std::cout << pad(key + ":", width) << " " << value << "\n";
  std::cout.flush();
}

void print_line(const std::vector<std::string>& cells) {
  std::string line;
  for (const auto& c : cells)
    line += (line.empty() ? "" : "  ") + c;
  std::cout << line << std::endl;
}

void print_table(const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& h : headers) widths.push_back(width_of(h));
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], width_of(row[i]));
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i)
      line += i + 1 < row.size() ? pad(row[i], widths[i]) + "  " : row[i];
    std::cout << line << "\n";
  };
  print_row(headers);
  for (const auto& row : rows) print_row(row);
  std::cout.flush();
}

void print_agent(const nlohmann::json& agent) {
  std::vector<field> fields{
      {"id", text_of(json_at(agent, {"id"}))},
      {"did", text_of(json_at(agent, {"did"}))},
      {"name", text_of(json_at(agent, {"name"}))},
      {"status", text_of(json_at(agent, {"status"}))},
      {"url", text_of(json_at(agent, {"card", "url"}))},
      {"protocols", text_of(json_at(agent, {"card", "protocols"}))},
      {"skills", text_of(skill_ids(agent))},
      {"registered_at", text_of(json_at(agent, {"registered_at"}))},
      {"updated_at", text_of(json_at(agent, {"updated_at"}))},
      {"last_seen", text_of(json_at(agent, {"last_seen"}))},
  };
  // Only the owner's and admins' views carry it.
  if (agent.contains("owner_id")) fields.emplace_back("owner_id", text_of(agent["owner_id"]));
  print_fields(fields);
}

void print_agent_table(const nlohmann::json& agents) {
  if (agents.empty()) {
    std::cout << "no agents" << std::endl;
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& agent : agents) {
    rows.push_back({text_of(json_at(agent, {"id"})), text_of(json_at(agent, {"name"})),
                    text_of(json_at(agent, {"status"})),
                    text_of(json_at(agent, {"card", "protocols"})),
                    text_of(json_at(agent, {"last_seen"}))});
  }
  print_table({"ID", "NAME", "STATUS", "PROTOCOLS", "LAST SEEN"}, rows);
}

void report_error(const cli_error& error, bool json) {
  if (error.exit == exit_unreachable || error.code.empty())
    std::cerr << "error: " << sanitize(error.what()) << std::endl;
  else
    std::cerr << "error: " << sanitize(error.code) << ": " << sanitize(error.what()) << std::endl;
  if (json) print_json(error_document(error));
}

nlohmann::json error_document(const cli_error& error) {
  if (!error.body.is_null()) return error.body;
  return {{"error", {{"code", error.code}, {"message", error.what()}}}};
}

}  // namespace tessera::cli
