#include "actors/messages.hpp"

#include "actors/errors.hpp"
#include "actors/interfaces.hpp"

namespace tessera {

void register_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<agent_record>("tessera::agent_record");
  cfg.add_message_type<std::vector<agent_record>>("std::vector<tessera::agent_record>");
  cfg.add_message_type<agent_query>("tessera::agent_query");
  cfg.add_message_type<agent_page>("tessera::agent_page");
  cfg.add_message_type<agent_event>("tessera::agent_event");
  cfg.add_message_type<heartbeat_ack>("tessera::heartbeat_ack");
  cfg.add_message_type<watch::filter>("tessera::watch::filter");
  cfg.add_message_type<write_op>("tessera::write_op");
  cfg.add_message_type<std::vector<write_op>>("std::vector<tessera::write_op>");
  cfg.add_message_type<event_listener_actor>("tessera::event_listener_actor");
  cfg.add_message_type<user_record>("tessera::user_record");
  cfg.add_message_type<user_query>("tessera::user_query");
  cfg.add_message_type<user_page>("tessera::user_page");
  cfg.add_message_type<credential>("tessera::credential");
  cfg.add_message_type<std::vector<credential>>("std::vector<tessera::credential>");
  cfg.add_message_type<audit_entry>("tessera::audit_entry");
  cfg.add_message_type<std::vector<audit_entry>>("std::vector<tessera::audit_entry>");
  cfg.add_message_type<audit_query>("tessera::audit_query");
  cfg.add_message_type<reputation::score_state>("tessera::reputation::score_state");
  cfg.add_message_type<reputation_change>("tessera::reputation_change");
  cfg.add_message_type<reputation_entry>("tessera::reputation_entry");
  cfg.add_message_type<std::vector<reputation_entry>>("std::vector<tessera::reputation_entry>");
  cfg.add_message_type<reputation_view>("tessera::reputation_view");
  cfg.add_message_type<reputation::rank_key>("tessera::reputation::rank_key");
  cfg.add_message_type<category>("tessera::category");
  cfg.add_message_type<std::vector<category>>("std::vector<tessera::category>");
  cfg.add_message_type<directory_query>("tessera::directory_query");
  cfg.add_message_type<directory_entry>("tessera::directory_entry");
  cfg.add_message_type<directory_page>("tessera::directory_page");
  cfg.add_message_type<agent_profile>("tessera::agent_profile");
  cfg.add_message_type<review>("tessera::review");
  cfg.add_message_type<review_query>("tessera::review_query");
  cfg.add_message_type<review_page>("tessera::review_page");
  cfg.add_message_type<review_summary>("tessera::review_summary");
  cfg.add_message_type<report>("tessera::report");
  cfg.add_message_type<report_query>("tessera::report_query");
  cfg.add_message_type<report_page>("tessera::report_page");
  cfg.add_message_type<verify_result>("tessera::verify_result");
  cfg.add_message_type<contact>("tessera::contact");
  cfg.add_message_type<std::vector<contact>>("std::vector<tessera::contact>");
  cfg.add_message_type<contact_request>("tessera::contact_request");
  cfg.add_message_type<contact_request_query>("tessera::contact_request_query");
  cfg.add_message_type<contact_request_page>("tessera::contact_request_page");
  cfg.add_message_type<signal_envelope>("tessera::signal_envelope");
  cfg.add_message_type<signaling_peer_actor>("tessera::signaling_peer_actor");
  cfg.add_message_type<signaling_hub_actor>("tessera::signaling_hub_actor");
  cfg.add_message_type<bridge::mcp_session>("tessera::bridge::mcp_session");
  cfg.add_message_type<bridge::answer_head>("tessera::bridge::answer_head");
  cfg.add_error_category(error_category,
                         [](uint8_t code, caf::atom_value, const caf::message& ctx) {
                           return std::string{"tessera: "} + to_string(static_cast<ec>(code)) +
                                  (ctx.empty() ? "" : " " + to_string(ctx));
                         });
}

}  // namespace tessera
