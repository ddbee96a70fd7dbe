// real_resolver_test.cpp — issue 13 §3 H4 (docs/hook.md, "Proof on real
// libraries"): 100 fibers of one hub each call getaddrinfo("localhost"),
// and each lookup takes 100 ms. The slowness comes from a seam, not a DNS
// server: libgrove_test_slow_resolver.so (slow_resolver.cpp) is linked
// right after libgrove_hook.so, so the getaddrinfo the hook's resolver
// pool calls is one that sleeps 100 ms before libc's real lookup
// (/etc/hosts). The hook's pool has 10 threads: the 100 lookups run 10 at
// a time, ~1.0 s in all (goal ≤ 1.2 s; serially 10 s), while the hub keeps
// running other fibers. The bound is 3× the goal; the figure is printed.

#include "hook_test_support.hpp"
#include "real_clients.hpp"

#include <grove/hook.hpp>

#include <hub_fixture.hpp>

#include <gtest/gtest.h>

#include <cstdio>

extern "C" {
void grove_test_slow_resolver_set(long ms);
int grove_test_slow_resolver_most_inside();
long grove_test_slow_resolver_calls();
}

namespace {

class HookRealResolver : public grove::test::HubTest {
 protected:
  void TearDown() override {
    grove_test_slow_resolver_set(0);
    grove::test::HubTest::TearDown();
  }
};

constexpr int lookups = 100;

TEST_F(HookRealResolver, HundredSlowLookupsRunTenAtATimeOffTheHub) {
  ASSERT_TRUE(grove::hook::enabled());
  grove::hook::set_resolver_threads(10);  // the default, made explicit
  grove_test_slow_resolver_set(100);
  grove::test::Ticker ticker;
  const auto out = grove::test::real::resolve_all("localhost", lookups);
  ticker.stop();
  const int most = grove_test_slow_resolver_most_inside();
  std::printf(
      "H4: %d x getaddrinfo taking 100 ms on one hub: %.1f ms (%d at once at most; hub ticks %d; "
      "serially %d x 100 ms = %.0f s)\n",
      lookups, out.ms, most, ticker.ticks(), lookups, lookups * 0.1);
  EXPECT_EQ(out.ok, lookups) << "each lookup must return 127.0.0.1: " << out.first_error;
  EXPECT_EQ(grove_test_slow_resolver_calls(), lookups) << "every lookup must have gone through the slow resolver";
  EXPECT_EQ(most, 10) << "the pool's 10 threads must each run one lookup at a time";
  EXPECT_GE(out.ms, 1000.0) << "100 lookups of 100 ms on 10 threads cannot take less than 1 s";
  EXPECT_LE(out.ms, 3600.0) << "goal 1.2 s (3x allowed on a shared machine)";
  EXPECT_GE(ticker.ticks(), 100) << "the hub must keep running other fibers while the pool resolves";
}

}  // namespace
