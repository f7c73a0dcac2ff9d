// PostgreSQL only (registered as postgres.pg_outage): when the database goes
// away, health says so and requests fail with 503, not hang or crash.
#include <boost/test/unit_test.hpp>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <thread>

#include "support.hpp"

using namespace tessera::test;

BOOST_AUTO_TEST_SUITE(pg_outage)

BOOST_AUTO_TEST_CASE(health_turns_degraded_when_the_database_is_gone) {
  temp_dir dir;
  test_database db{dir};
  if (db.driver != "postgres") {
    // ctest runs this suite only as postgres.pg_outage; a plain run skips it.
    BOOST_TEST_MESSAGE("pg_outage needs TESSERA_TEST_DRIVER=postgres; skipped");
    return;
  }
  server_process server{dir, db, {{"server.request_timeout", "3s"}}};
  server.start();
  BOOST_REQUIRE_EQUAL(server.get("/api/v1/health").status, 200);
  {
    soci::session admin(*soci::factory_postgresql(), std::getenv("TESSERA_TEST_PG_DSN"));
    admin << "DROP DATABASE " + db.pg_name + " WITH (FORCE)";
  }
  http_result health;
  for (int i = 0; i < 50; ++i) {
    health = server.get("/api/v1/health");
    if (health.status == 503)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(health.status == 503);
  BOOST_TEST(health.json()["status"] == "degraded");
  BOOST_TEST(health.json()["components"]["database"] == "down");

  agent a;
  auto res = a.register_at(server, a.sign(a.card()));
  BOOST_TEST(res.status == 503, res.body);
  BOOST_TEST(res.error_code() == "unavailable");
  BOOST_TEST(server.get("/api/v1/agents").status == 503);
  BOOST_TEST(server.stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
