// real_libpq_test.cpp — issue 13 §3 H2 (docs/hook.md, "Proof on real
// libraries"): 100 fibers of one hub each run libpq's blocking
// `SELECT pg_sleep(0.1)` (PQconnectdb + PQexec, unmodified) on a connection
// of its own to a throw-away PostgreSQL cluster; with the hook linked first
// they wait together: the goal is 0.4 s (serially 100 × 0.1 s = 10 s). The
// bound here is 3× the goal (a shared, noisy machine); the figure is
// printed, and bench/hook_real.cpp records it in docs/benchmarks.md.

#include "real_clients.hpp"

#include <postgres_cluster.hpp>

#include <hub_fixture.hpp>

#include <gtest/gtest.h>

#include <cstdio>

namespace {

class HookRealLibpq : public grove::test::HubTest {};

constexpr int clients = 100;

TEST_F(HookRealLibpq, HundredPgSleepsWaitTogether) {
  grove::test::PostgresCluster pg;  // max_connections 200
  const auto out = grove::test::real::pg_sleep_all(pg.conninfo(), clients, 0.1);
  std::printf("H2: %d x SELECT pg_sleep(0.1) on one hub: %.1f ms (connect %.1f ms; serially %d x 100 ms = %.0f s)\n",
              clients, out.ms, out.connect_ms, clients, clients * 0.1);
  EXPECT_EQ(out.failed_connects, 0) << out.first_error;
  EXPECT_EQ(out.ok, clients) << "each query must return one row: " << out.first_error;
  EXPECT_GE(out.ms, 100.0) << "the queries returned before pg_sleep(0.1) could end";
  EXPECT_LE(out.ms, 1200.0) << "goal 400 ms (3x allowed on a shared machine)";
}

}  // namespace
