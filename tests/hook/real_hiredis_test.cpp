// real_hiredis_test.cpp — issue 13 §3 H1 (docs/hook.md, "Proof on real
// libraries"): 1,000 fibers of one hub each call hiredis's blocking
// `BLPOP key 0.1` (redisConnect + redisCommand, unmodified) on a connection
// of its own to a throw-away redis-server; with the hook linked first they
// wait together: the goal is 0.3 s (serially 1,000 × 0.1 s = 100 s). The
// bound here is 3× the goal (a shared, noisy machine); the figure is
// printed, and bench/hook_real.cpp records it in docs/benchmarks.md.

#include "real_clients.hpp"

#include <redis_server.hpp>

#include <hub_fixture.hpp>

#include <gtest/gtest.h>

#include <cstdio>

namespace {

class HookRealHiredis : public grove::test::HubTest {};

constexpr int clients = 1000;

TEST_F(HookRealHiredis, ThousandBlpopsWaitTogether) {
  // 1,000 client sockets here, and redis-server (which inherits the limit)
  // needs as many plus its own.
  if (!grove::test::real::raise_nofile(2 * clients + 256))
    GTEST_SKIP() << "RLIMIT_NOFILE's hard limit is below " << 2 * clients + 256
                 << ": raise it (ulimit -Hn) to run 1,000 redis connections";
  grove::test::RedisServer redis({{"--maxclients", "2000", "--tcp-backlog", "1024"}});
  const auto out = grove::test::real::redis_blpop(redis.host(), redis.port(), clients, 0.1);
  std::printf("H1: %d x BLPOP 0.1 s on one hub: %.1f ms (connect %.1f ms; serially %d x 100 ms = %.0f s)\n", clients,
              out.ms, out.connect_ms, clients, clients * 0.1);
  EXPECT_EQ(out.failed_connects, 0) << out.first_error;
  EXPECT_EQ(out.ok, clients) << "each BLPOP must return nil after its 0.1 s timeout: " << out.first_error;
  EXPECT_GE(out.ms, 100.0) << "the BLPOPs returned before their timeout: the server did not wait";
  EXPECT_LE(out.ms, 900.0) << "goal 300 ms (3x allowed on a shared machine)";
}

}  // namespace
