// Being built: see contact_repository.hpp.
#include "storage/contact_repository.hpp"

namespace tessera::storage::contacts {

std::vector<contact> list(soci::session&, const std::string&) { return {}; }
std::optional<contact_request> find_request(soci::session&, const std::string&) { return {}; }
contact_request_page list_requests(soci::session&, const contact_request_query&) { return {}; }

}  // namespace tessera::storage::contacts
