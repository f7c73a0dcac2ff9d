#pragma once
// Everything the CLI prints. Human output: "key: value" lines aligned on the
// colon, or a table for lists. --json output: the server's documents as they
// came (pretty-printed), one document per command.
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli_error.hpp"

namespace tessera::cli {

using field = std::pair<std::string, std::string>;

/// Pretty JSON (2-space indent) and a newline on stdout.
void print_json(const nlohmann::json& doc);
/// One compact JSON line on stdout, flushed (for loops that other programs tail).
void print_json_line(const nlohmann::json& doc);

void print_fields(const std::vector<field>& fields);
/// Cells joined by two spaces, one line on stdout, flushed (a stream of events).
void print_line(const std::vector<std::string>& cells);
void print_table(const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows);

/// An agent object as fields: id, did, name, status, url, protocols, skills,
/// registered_at, updated_at, last_seen, and owner_id when the agent has one.
void print_agent(const nlohmann::json& agent);
/// Agents as a table: ID, NAME, STATUS, PROTOCOLS, LAST SEEN ("no agents" when empty).
void print_agent_table(const nlohmann::json& agents);

/// The value at doc[path[0]][path[1]]..., or null when a step is missing.
nlohmann::json json_at(const nlohmann::json& doc, std::initializer_list<const char*> path);

/// A JSON value for humans: strings as is, arrays joined with ", ", null as "-",
/// control characters replaced so server data cannot drive the terminal.
std::string text_of(const nlohmann::json& value);
std::string sanitize(std::string_view text);

/// The error as JSON: the server's document when it sent one, else
/// {"error":{"code":..,"message":..}} in the same shape.
nlohmann::json error_document(const cli_error& error);

/// "error: <code>: <message>" (or "error: <message>" when unreachable) on
/// stderr; with `json` also the error document on stdout.
void report_error(const cli_error& error, bool json);

}  // namespace tessera::cli
