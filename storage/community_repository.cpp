// Placeholder until built.
#include "storage/community_repository.hpp"

#include <stdexcept>

namespace tessera::storage {

namespace {
[[noreturn]] void todo() {
  throw std::logic_error("community repository: not built yet");
}
}  // namespace

namespace categories {
bool insert(soci::session&, const category&) { todo(); }
bool update(soci::session&, const category&) { todo(); }
bool remove(soci::session&, const std::string&) { todo(); }
std::optional<category> find(soci::session&, const std::string&) { todo(); }
std::vector<category> list(soci::session&) { todo(); }
bool assign(soci::session&, const std::string&, const std::vector<std::string>&) { todo(); }
std::vector<std::string> of_agent(soci::session&, const std::string&) { todo(); }
void unassign_agent(soci::session&, const std::string&) {}
}  // namespace categories

namespace reviews {
bool put(soci::session&, const review&) { todo(); }
bool remove(soci::session&, const std::string&, const std::string&) { todo(); }
std::optional<review> find(soci::session&, const std::string&) { todo(); }
std::optional<review> find_of(soci::session&, const std::string&, const std::string&) { todo(); }
review_page list(soci::session&, const review_query&) { todo(); }
review_summary summary(soci::session&, const std::string&) { todo(); }
void remove_for_agent(soci::session&, const std::string&) {}
void remove_for_user(soci::session&, const std::string&) {}
}  // namespace reviews

namespace reports {
void insert(soci::session&, const report&) { todo(); }
bool update(soci::session&, const report&) { todo(); }
bool remove(soci::session&, const std::string&) { todo(); }
std::optional<report> find(soci::session&, const std::string&) { todo(); }
report_page list(soci::session&, const report_query&) { todo(); }
}  // namespace reports

}  // namespace tessera::storage
