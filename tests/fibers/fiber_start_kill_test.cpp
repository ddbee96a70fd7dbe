// fiber_start_kill_test.cpp — when a fiber starts (spawn_later, Launch::dispatch) and how it ends early (kill()).

#include "fiber_test_support.hpp"
#include "simulated_hub.hpp"

// -------------------------------------------------------------- spawn_later

TEST_F(FiberTest, SpawnLaterStartsAfterTheDelayNotBefore) {
  grove::test::SimulatedHub sim;
  const auto start = grove::hub().now();
  bool ran = false;
  grove::TimePoint ran_at{};
  auto f = grove::spawn_later(
      50ms,
      [&](int x) {
        ran = true;
        ran_at = grove::hub().now();
        return x + 1;
      },
      1);
  grove::this_fiber::sleep(25ms);
  EXPECT_FALSE(ran);
  EXPECT_FALSE(f.ready());
  EXPECT_EQ(grove::hub().fiber_count(), 1u);
  EXPECT_EQ(f.get(), 2);
  EXPECT_TRUE(ran);
  EXPECT_EQ(ran_at - start, 50ms);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, SpawnLaterRunsAfterFibersSpawnedNow) {
  std::vector<int> order;
  auto late = grove::spawn_later(10ms, [&] { order.push_back(2); });
  auto now = grove::spawn([&] { order.push_back(1); });
  grove::joinall(std::vector<grove::Fiber<>>{late, now});
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST_F(FiberTest, KillingASpawnLaterFiberBeforeItStartsCancelsIt) {
  bool ran = false;
  auto f = grove::spawn_later(200ms, [&] { ran = true; });
  f.kill();
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  EXPECT_EQ(grove::hub().timer_count(), 0u) << "its start timer is gone: nothing left to wait for";
  grove::hub().run();
  EXPECT_FALSE(ran);
}

namespace {
using FiberDeathTest = FiberTest;
}

// A delay too large to represent means "never" (duration.hpp). A fiber that
// never starts can never be joined, so joining it from main must raise
// LoopExit (as sleep(hours::max()) does) rather than block forever; and
// Hub::run() must return. Each check runs in a child process that an
// alarm kills if it hangs.
TEST_F(FiberDeathTest, SpawnLaterNeverThenJoinRaisesLoopExitInsteadOfHanging) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::alarm(1);
        auto f = grove::spawn_later(std::chrono::hours::max(), [] {});
        try {
          f.join();
        } catch (const grove::LoopExit&) {
          std::_Exit(0);
        }
        std::_Exit(3);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(FiberDeathTest, SpawnLaterNeverDoesNotKeepHubRunBusyForever) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::alarm(1);
        auto f = grove::spawn_later(std::chrono::hours::max(), [] {});
        grove::hub().run();
        std::_Exit(f.started() && !f.dead() ? 0 : 3);
      },
      ::testing::ExitedWithCode(0), "");
}

// ------------------------------------------------------- Launch::dispatch

TEST_F(FiberTest, DispatchRunsTheNewFiberAtOnce) {
  std::vector<std::string> order;
  order.push_back("before");
  auto f = grove::spawn(
      grove::Launch::dispatch,
      [&](int x) {
        order.push_back("child start");
        grove::this_fiber::yield();
        order.push_back("child end");
        return x;
      },
      4);
  order.push_back("after spawn");
  EXPECT_FALSE(f.dead());
  EXPECT_EQ(f.get(), 4);
  EXPECT_EQ(order, (std::vector<std::string>{"before", "child start", "after spawn", "child end"}));
}

TEST_F(FiberTest, DispatchedFiberThatDoesNotBlockIsDoneWhenSpawnReturns) {
  auto f = grove::spawn(grove::Launch::dispatch, [] { return 11; });
  EXPECT_TRUE(f.dead());
  EXPECT_EQ(f.value(), 11);
  auto bad = grove::spawn(grove::Launch::dispatch, []() -> int { throw Custom("early"); });
  EXPECT_TRUE(bad.dead());
  EXPECT_THROW((void)bad.get(), Custom);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, DispatchWalksAFanOutDepthFirst) {
  std::vector<std::string> order;
  std::function<void(std::string, int)> node = [&](std::string label, int depth) {
    order.push_back(label);
    if (depth == 0) return;
    auto l = grove::spawn(grove::Launch::dispatch, node, label + "L", depth - 1);
    auto r = grove::spawn(grove::Launch::dispatch, node, label + "R", depth - 1);
    l.join();
    r.join();
  };
  grove::spawn(grove::Launch::dispatch, node, std::string("n"), 2).join();
  EXPECT_EQ(order, (std::vector<std::string>{"n", "nL", "nLL", "nLR", "nR", "nRL", "nRR"}));
  auto posted = grove::spawn(grove::Launch::post, [] { return 1; });
  EXPECT_FALSE(posted.dead());  // Launch::post is plain spawn
  EXPECT_EQ(posted.get(), 1);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// ----------------------------------------------------------------- kill()

TEST_F(FiberTest, KillRaisesFiberExitAtTheSuspensionPointAndUnwinds) {
  grove::test::SimulatedHub sim;
  bool destroyed = false;
  bool saw_fiber_exit = false;
  bool after_sleep = false;
  auto f = grove::spawn([&] {
    SetOnDestroy guard{&destroyed};
    try {
      grove::this_fiber::sleep(10s);
    } catch (const grove::FiberExit& e) {
      saw_fiber_exit = e.reason().kind() == grove::ExitReason::Kind::killed;
      throw;
    }
    after_sleep = true;
    return 1;
  });
  grove::this_fiber::yield();  // it is now asleep
  EXPECT_FALSE(destroyed);
  f.kill();
  EXPECT_TRUE(f.dead());  // kill() blocks by default, and does not wait for the 10 s sleep
  EXPECT_EQ(sim.elapsed(), 0ms);
  EXPECT_TRUE(destroyed);
  EXPECT_TRUE(saw_fiber_exit);
  EXPECT_FALSE(after_sleep);
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::killed);
  EXPECT_EQ(f.exit_reason().to_string(), "killed");
  ASSERT_NE(f.exception(), nullptr);  // FiberExit is what ended it
  EXPECT_THROW(std::rethrow_exception(f.exception()), grove::FiberExit);
  // A killed fiber has no value: get() throws FiberKilled, an ordinary
  // error in the caller (the FiberExit would end the caller too).
  EXPECT_THROW((void)f.get(), grove::FiberKilled);
  EXPECT_THROW((void)f.value(), grove::UsageError);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, KilledVoidFiberGetReturnsNormally) {
  auto f = grove::spawn([] { grove::this_fiber::sleep(10s); });
  grove::this_fiber::yield();
  f.kill();
  EXPECT_NO_THROW(f.get());
  EXPECT_TRUE(f.successful());
}

TEST_F(FiberTest, KillWithACustomExceptionMakesGetRethrowIt) {
  bool destroyed = false;
  auto f = grove::spawn([&] {
    SetOnDestroy guard{&destroyed};
    grove::this_fiber::sleep(10s);
    return 1;
  });
  grove::this_fiber::yield();
  f.kill(Custom("custom-kill"));
  EXPECT_TRUE(destroyed);
  EXPECT_TRUE(f.dead());
  EXPECT_FALSE(f.successful());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::exception);
  EXPECT_EQ(f.exit_reason().to_string(), "exception: custom-kill");
  try {
    (void)f.get();
    FAIL() << "get() did not rethrow the kill exception";
  } catch (const Custom& e) {
    EXPECT_STREQ(e.what(), "custom-kill");
  }
}

TEST_F(FiberTest, KillWithExceptionPtrAndExitReason) {
  auto a = grove::spawn([] { grove::this_fiber::sleep(10s); });
  auto b = grove::spawn([] { grove::this_fiber::sleep(10s); });
  grove::this_fiber::yield();
  a.kill_with(std::make_exception_ptr(Custom("via-ptr")));
  b.kill(grove::FiberExit(grove::ExitReason::shutdown()));
  EXPECT_THROW(a.get(), Custom);
  EXPECT_EQ(b.exit_reason().kind(), grove::ExitReason::Kind::shutdown);
  EXPECT_TRUE(b.successful());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, KillWithoutBlockingReturnsBeforeTheFiberDies) {
  bool destroyed = false;
  auto f = grove::spawn([&] {
    SetOnDestroy guard{&destroyed};
    grove::this_fiber::sleep(10s);
  });
  grove::this_fiber::yield();
  f.kill(false);
  EXPECT_FALSE(f.dead());  // it has not had a chance to unwind yet
  EXPECT_FALSE(destroyed);
  f.join();
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(destroyed);
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::killed);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, KillingANeverStartedFiberMeansItNeverRuns) {
  bool ran = false;
  auto f = grove::spawn([&] {
    ran = true;
    return 1;
  });
  f.kill();
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::killed);
  grove::hub().run();
  EXPECT_FALSE(ran);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  // Also when killed without blocking, or with a custom exception.
  auto g = grove::spawn([&] { ran = true; });
  g.kill(false);
  EXPECT_TRUE(g.dead());
  auto h = grove::spawn([&] { ran = true; });
  h.kill(Custom("never ran"));
  EXPECT_THROW(h.get(), Custom);
  grove::hub().run();
  EXPECT_FALSE(ran);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, KillingADeadFiberIsANoOp) {
  auto f = grove::spawn([] { return 5; });
  f.join();
  f.kill();
  f.kill(false);
  f.kill(Custom("too late"));
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::normal);
  EXPECT_EQ(f.get(), 5);
}

TEST_F(FiberTest, KillingYourselfThrowsAtOnce) {
  bool caught_custom = false;
  bool after_self_kill = false;
  auto f = grove::spawn([&] {
    try {
      grove::this_fiber::self().kill(Custom("self"));
    } catch (const Custom&) {
      caught_custom = true;
    }
    grove::this_fiber::self().kill();  // FiberExit escapes: the fiber ends killed
    after_self_kill = true;
  });
  f.join();
  EXPECT_TRUE(caught_custom);
  EXPECT_FALSE(after_self_kill);
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::killed);
  // The main fiber too.
  EXPECT_THROW(grove::this_fiber::self().kill(), grove::FiberExit);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, KillFromAnotherFiber) {
  auto victim = grove::spawn([] { grove::this_fiber::sleep(10s); });
  auto killer = grove::spawn([&] {
    victim.kill();
    return victim.dead();
  });
  EXPECT_TRUE(killer.get());
  EXPECT_EQ(victim.exit_reason().kind(), grove::ExitReason::Kind::killed);
}
