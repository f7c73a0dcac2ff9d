// tesserad's start-up: configuration errors stop it with every problem named,
// ${VAR} substitution, and --print-config with secrets redacted.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "support.hpp"

using namespace tessera::test;

BOOST_AUTO_TEST_SUITE(tesserad_config)

BOOST_AUTO_TEST_CASE(every_problem_is_reported_and_start_up_stops) {
  temp_dir dir;
  auto path = dir.path / "bad.yaml";
  std::ofstream(path) << "server:\n  http_adr: \":8080\"\n  http_threads: zero\n"
                         "database:\n  driver: mysql\n  dsn: \"${TESSERA_TEST_UNSET_VAR}\"\n";
  std::string out;
  int rc = run_command({binary("tesserad"), "--config", path.string()}, out);
  BOOST_TEST(rc == 2);
  for (auto key : {"server.http_adr", "server.http_threads", "database.driver", "database.dsn",
                   "TESSERA_TEST_UNSET_VAR"})
    BOOST_TEST(out.find(key) != std::string::npos, "output should name " << key << ":\n" << out);
  BOOST_TEST(out.find("did you mean server.http_addr") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(print_config_substitutes_and_redacts) {
  temp_dir dir;
  auto path = dir.path / "pg.yaml";
  std::ofstream(path) << "database:\n  driver: postgres\n"
                         "  dsn: \"host=db user=tessera password=${TESSERA_TEST_PW}\"\n"
                         "server:\n  http_threads: ${TESSERA_TEST_THREADS:-12}\n";
  std::string out;
  int rc = run_command({binary("tesserad"), "--config", path.string(), "--print-config"}, out,
                       {{"TESSERA_TEST_PW", "s3cret-value"}});
  BOOST_TEST(rc == 0, out);
  BOOST_TEST(out.find("s3cret-value") == std::string::npos);
  BOOST_TEST(out.find("password=***") != std::string::npos, out);
  BOOST_TEST(out.find("http_threads: 12") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(an_unreachable_database_stops_start_up_with_a_message) {
  temp_dir dir;
  auto path = dir.path / "down.yaml";
  std::ofstream(path) << "server:\n  http_addr: \"127.0.0.1:" << free_port() << "\"\n"
                      << "database:\n  driver: postgres\n  dsn: \"host=127.0.0.1 port="
                      << free_port() << " connect_timeout=2\"\n";
  std::string out;
  int rc = run_command({binary("tesserad"), "--config", path.string()}, out);
  BOOST_TEST(rc == 1);
  BOOST_TEST(out.find("startup failed: database (postgres)") != std::string::npos, out);
}

BOOST_AUTO_TEST_SUITE_END()
