#include "actors/verifier.hpp"

#include "actors/errors.hpp"

namespace tessera {

verifier_actor::behavior_type verifier(verifier_actor::stateful_pointer<verifier_state>,
                                       verifier_config, reader_actor, persistence_actor,
                                       reputation_actor, audit_log_actor) {
  return {
      [=](atom::verify, const std::string&, const std::string&,
          const std::string&) -> caf::result<verify_result> {
        return make_error(ec::internal, "not built yet");
      },
      [=](atom::status) -> std::string { return "{}"; },
  };
}

}  // namespace tessera
