// timeout_weak_test.cpp — Timeout(d, grove::weak) (gevent's Timeout(d, ref=False)): it fires as any Timeout
// while something else keeps the hub busy, and does not keep the hub busy by itself.

#include "timeout_test_includes.hpp"

#include "simulated_hub.hpp"

namespace {

using WeakTimeoutTest = grove::test::HubTest;

TEST_F(WeakTimeoutTest, FiresOnTimeWhileAnotherTimerKeepsTheHubBusy) {
  grove::test::SimulatedHub sim;
  auto busy = grove::spawn([] { grove::this_fiber::sleep(100ms); });
  grove::Event never;
  try {
    grove::Timeout t(20ms, grove::weak);
    EXPECT_TRUE(t.weak());
    EXPECT_TRUE(t.pending());
    (void)never.wait();
    FAIL() << "the weak Timeout did not fire";
  } catch (const grove::Timeout&) {
    EXPECT_EQ(sim.elapsed(), 20ms);
  }
  busy.join();
}

TEST_F(WeakTimeoutTest, DoesNotKeepHubRunBusy) {
  grove::test::SimulatedHub sim;
  grove::Event never;
  bool timed_out = false;
  auto f = grove::spawn([&] {
    try {
      grove::Timeout t(1h, grove::weak);
      (void)never.wait();
    } catch (const grove::Timeout&) {
      timed_out = true;
    }
  });
  grove::hub().run();  // only a weak timer is armed: idle at once
  EXPECT_EQ(sim.elapsed(), 0ms);
  EXPECT_FALSE(timed_out);
  EXPECT_EQ(grove::hub().timer_count(), 1u);
  f.kill();
  EXPECT_EQ(grove::hub().timer_count(), 0u);
}

TEST_F(WeakTimeoutTest, MainBlockedForGoodGetsLoopExitNotTheWeakTimeout) {
  grove::Event never;
  grove::Timeout t(1h, grove::weak);
  EXPECT_THROW((void)never.wait(), grove::LoopExit);
  EXPECT_FALSE(t.expired());
}

TEST_F(WeakTimeoutTest, AStrongTimeoutStillKeepsTheHubBusy) {
  grove::test::SimulatedHub sim;
  grove::Event never;
  grove::Timeout t(30ms);
  EXPECT_FALSE(t.weak());
  EXPECT_THROW((void)never.wait(), grove::Timeout);
  EXPECT_EQ(sim.elapsed(), 30ms);
}

}  // namespace
