// tessera login --email E [--password-stdin]; tessera logout; tessera whoami
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "key_file.hpp"
#include "output.hpp"
#include "password_input.hpp"
#include "user_client.hpp"

namespace tessera::cli {

namespace {

struct login_options {
  std::string email;
  bool password_stdin = false;
};

// The password only ever lives in `password`, the request body and its text;
// each is wiped as soon as the next exists.
http_response post_login(signed_client& client, const std::string& email, std::string password) {
  nlohmann::json body = {{"email", email}, {"password", password}};
  wipe(password);
  auto text = body.dump();
  wipe(body["password"].get_ref<std::string&>());
  try {
    auto response = client.send_plain("POST", "/api/v1/auth/login", text);
    wipe(text);
    return response;
  } catch (...) {
    wipe(text);
    throw;
  }
}

int run_login(const login_options& opts, const global_options& global) {
  auto path = session_file_path();  // before asking for a password we couldn't keep a session of
  auto client = client_for(global);
  auto answer = expect_success(post_login(client, opts.email, read_password(opts.password_stdin)));
  auto s = session_from(answer, client.origin());
  {
    session_lock lock(path);
    save_session(path, s);
  }
  if (global.json) {
    print_json({{"server", s.server},
                {"user", s.user},
                {"access_expires_at", format_utc(s.access_expires_at)},
                {"session_file", path}});
  } else {
    print_fields({{"server", s.server},
                  {"user", text_of(json_at(s.user, {"id"}))},
                  {"email", text_of(json_at(s.user, {"email"}))},
                  {"role", text_of(json_at(s.user, {"role"}))},
                  {"session_file", path}});
  }
  return exit_ok;
}

void print_logout(const std::string& server, bool revoked, const global_options& global) {
  if (global.json)
    print_json({{"server", server}, {"logged_out", true}, {"revoked", revoked}});
  else
    print_fields(
        {{"server", server}, {"logged_out", revoked ? "yes" : "yes (there was no saved session)"}});
}

int run_logout(const global_options& global) {
  auto path = session_file_path();
  auto server = client_for(global).origin();
  if (!find_session(path, server)) {
    print_logout(server, false, global);
    return exit_ok;
  }
  std::optional<cli_error> failure;
  try {
    // Only the session: $TESSERA_API_KEY has nothing to log out of.
    user_client client(global, user_client::credential::session_only);
    // Built per attempt: a refresh on the way replaces the token to revoke.
    expect_success(client.send_built("POST", "/api/v1/auth/logout", [&client] {
      return nlohmann::json{{"refresh_token", client.current()->refresh_token}};
    }));
  } catch (const cli_error& e) {
    failure = e;
  }
  {
    session_lock lock(path);
    remove_session(path, server);
  }
  // invalid_credentials: the refresh token no longer works, so the sign-in
  // has ended on the server already (expired, revoked, or reused).
  if (failure && failure->code != "invalid_credentials" && failure->code != "not_logged_in") {
    std::cerr << "warning: the local session was deleted, but the server did not revoke it; its "
                 "refresh token stays valid until it expires\n";
    throw *failure;
  }
  print_logout(server, true, global);
  return exit_ok;
}

int run_whoami(const global_options& global) {
  user_client client(global);
  auto user = expect_success(client.send("GET", "/api/v1/auth/me"));
  if (global.json) {
    print_json(user);
    return exit_ok;
  }
  auto credential = client.current() ? "session (" + client.session_path() + ")"
                                     : std::string("API key from TESSERA_API_KEY");
  print_fields({{"id", text_of(json_at(user, {"id"}))},
                {"email", text_of(json_at(user, {"email"}))},
                {"display_name", text_of(json_at(user, {"display_name"}))},
                {"role", text_of(json_at(user, {"role"}))},
                {"server", client.server()},
                {"credential", credential}});
  return exit_ok;
}

}  // namespace

void add_auth_commands(CLI::App& app, const global_options& global, action& run) {
  auto opts = std::make_shared<login_options>();
  auto* login = app.add_subcommand("login", "Sign in and save the session for --server");
  login->add_option("--email,-e", opts->email, "Account email")->required();
  login->add_flag("--password-stdin", opts->password_stdin,
                  "Read the password from stdin's first line (else: a prompt)");
  login->callback(
      [opts, &global, &run] { run = [opts, &global] { return run_login(*opts, global); }; });

  app.add_subcommand("logout", "Revoke the saved session on the server and delete it here")
      ->callback([&global, &run] { run = [&global] { return run_logout(global); }; });
  app.add_subcommand("whoami", "Show the signed-in user (session or $TESSERA_API_KEY)")
      ->callback([&global, &run] { run = [&global] { return run_whoami(global); }; });
}

}  // namespace tessera::cli
