// wait_test.cpp — joinall and killall.

#include "wait_test_support.hpp"

namespace {

// ------------------------------------------------------------------ joinall

TEST_F(WaitTest, JoinallWaitsForAllAndReturnsAll) {
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs{sleeper(30ms, 0), sleeper(10ms, 1), sleeper(20ms, 2)};
  const auto t0 = sim.now();
  auto done = grove::joinall(fs);
  EXPECT_EQ(sim.now() - t0, 30ms);  // concurrent, not 60 ms
  ASSERT_EQ(done.size(), 3u);
  for (std::size_t i = 0; i < fs.size(); ++i) {
    EXPECT_TRUE(fs[i].dead());
    EXPECT_TRUE(fs[i].successful());
    EXPECT_EQ(fs[i].value(), static_cast<int>(i));
    EXPECT_TRUE(std::find(done.begin(), done.end(), grove::Fiber<>(fs[i])) != done.end());
  }
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, JoinallOfEmptyRangeReturnsEmpty) {
  std::vector<grove::Fiber<>> none;
  EXPECT_TRUE(grove::joinall(none).empty());
  EXPECT_TRUE(grove::joinall(none, 10ms).empty());
}

TEST_F(WaitTest, JoinallAcceptsAnyRange) {
  std::list<grove::Fiber<int>> fs{sleeper(5ms, 1), sleeper(1ms, 2)};
  auto done = grove::joinall(fs);
  EXPECT_EQ(done.size(), 2u);
  for (auto& f : fs) EXPECT_TRUE(f.dead());
}

TEST_F(WaitTest, JoinallWithTimeoutReturnsOnlyFinishedOnes) {
  SimulatedHub sim;
  auto fast1 = sleeper(5ms, 1);
  auto slow = sleeper(300ms, 2);
  auto fast2 = sleeper(10ms, 3);
  std::vector<grove::Fiber<int>> fs{fast1, slow, fast2};
  const auto t0 = sim.now();
  auto done = grove::joinall(fs, 50ms);
  EXPECT_EQ(sim.now() - t0, 50ms);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_TRUE(std::find(done.begin(), done.end(), grove::Fiber<>(fast1)) != done.end());
  EXPECT_TRUE(std::find(done.begin(), done.end(), grove::Fiber<>(fast2)) != done.end());
  EXPECT_TRUE(std::find(done.begin(), done.end(), grove::Fiber<>(slow)) == done.end());
  EXPECT_FALSE(slow.dead());  // still running: joinall does not kill
  EXPECT_EQ(grove::hub().fiber_count(), 1u);
  slow.kill();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, JoinallWithTimeoutReturnsAllWhenFastEnough) {
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs{sleeper(5ms, 1), sleeper(10ms, 2)};
  const auto t0 = sim.now();
  auto done = grove::joinall(fs, 300ms);
  EXPECT_EQ(sim.now() - t0, 10ms);  // as soon as the last one is done, not at the timeout
  EXPECT_EQ(done.size(), 2u);
}

TEST_F(WaitTest, JoinallWithoutRaiseErrorDoesNotThrow) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto ok = sleeper(5ms, 1);
  auto bad = grove::spawn([]() -> int { throw Boom(7); });
  std::vector<grove::Fiber<int>> fs{ok, bad};
  std::vector<grove::Fiber<>> done;
  EXPECT_NO_THROW(done = grove::joinall(fs));
  EXPECT_EQ(done.size(), 2u);
  EXPECT_TRUE(ok.successful());
  EXPECT_FALSE(bad.successful());
  EXPECT_THROW(bad.get(), Boom);
}

TEST_F(WaitTest, JoinallRaiseErrorRethrowsFirstFailureInCompletionOrder) {
  SimulatedHub sim;
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto slow_fail = grove::spawn([] {
    grove::this_fiber::sleep(60ms);
    throw Boom(2);
  });
  auto fast_fail = grove::spawn([] {
    grove::this_fiber::sleep(20ms);
    throw Boom(1);
  });
  auto long_ok = grove::spawn([] { grove::this_fiber::sleep(200ms); });
  std::vector<grove::Fiber<>> fs{slow_fail, fast_fail, long_ok};
  const auto t0 = sim.now();
  try {
    grove::joinall(fs, /*raise_error=*/true);
    FAIL() << "joinall(raise_error) did not throw";
  } catch (const Boom& e) {
    EXPECT_EQ(e.n, 1);  // the first failure seen, not the first in the vector
  }
  EXPECT_EQ(sim.now() - t0, 20ms);  // raised as soon as seen
  EXPECT_FALSE(slow_fail.dead());   // the others keep running
  EXPECT_FALSE(long_ok.dead());
  grove::killall(fs);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, JoinallRaiseErrorWithTimeoutAndNoFailureReturnsFinished) {
  auto a = sleeper(5ms, 1);
  auto b = sleeper(300ms, 2);
  std::vector<grove::Fiber<int>> fs{a, b};
  auto done = grove::joinall(fs, 40ms, /*raise_error=*/true);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], grove::Fiber<>(a));
  b.kill();
}

TEST_F(WaitTest, JoinallRaiseErrorAllSuccessfulReturnsAll) {
  SimulatedHub sim;  // completion order by deadline, never by a loaded machine's timer batching
  std::vector<grove::Fiber<int>> fs{sleeper(10ms, 1), sleeper(5ms, 2), sleeper(1ms, 3)};
  auto done = grove::joinall(fs, true);
  EXPECT_EQ(done.size(), 3u);
  // raise_error mode collects in completion order
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0], grove::Fiber<>(fs[2]));
  EXPECT_EQ(done[1], grove::Fiber<>(fs[1]));
  EXPECT_EQ(done[2], grove::Fiber<>(fs[0]));
}

// ------------------------------------------------------------------ killall

struct Flag {
  bool* set;
  ~Flag() { *set = true; }
};

TEST_F(WaitTest, KillallKillsAllAndRunsDestructors) {
  SimulatedHub sim;
  constexpr int N = 5;
  bool destroyed[N] = {};
  bool after_sleep[N] = {};
  std::vector<grove::Fiber<>> fs;
  for (int i = 0; i < N; ++i) {
    fs.push_back(grove::spawn([&, i] {
      Flag f{&destroyed[i]};
      grove::this_fiber::sleep(1h);
      after_sleep[i] = true;
    }));
  }
  grove::this_fiber::sleep(5ms);  // all started and parked in sleep
  EXPECT_EQ(grove::hub().fiber_count(), static_cast<std::size_t>(N));
  const auto t0 = sim.now();
  grove::killall(fs);
  EXPECT_EQ(sim.now() - t0, 0ms);  // no waiting: killed at their sleep
  for (int i = 0; i < N; ++i) {
    EXPECT_TRUE(fs[i].dead());
    EXPECT_TRUE(destroyed[i]) << i;
    EXPECT_FALSE(after_sleep[i]) << i;
    EXPECT_EQ(fs[i].exit_reason(), grove::ExitReason::killed());
    EXPECT_TRUE(fs[i].successful());  // FiberExit ends a fiber successfully
  }
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, KillallOfNeverStartedFibersKillsThemWithoutRunning) {
  bool ran = false;
  std::vector<grove::Fiber<>> fs{grove::spawn([&] { ran = true; }), grove::spawn([&] { ran = true; })};
  grove::killall(fs);
  for (auto& f : fs) EXPECT_TRUE(f.dead());
  grove::this_fiber::sleep(1ms);
  EXPECT_FALSE(ran);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, KillallNonBlockingReturnsBeforeTheyDie) {
  constexpr int N = 3;
  bool destroyed[N] = {};
  std::vector<grove::Fiber<>> fs;
  for (int i = 0; i < N; ++i) {
    fs.push_back(grove::spawn([&, i] {
      Flag f{&destroyed[i]};
      grove::this_fiber::sleep(1h);
    }));
  }
  grove::this_fiber::sleep(5ms);
  grove::killall(fs, /*block=*/false);
  // Not yet unwound: they die when they next run.
  for (int i = 0; i < N; ++i) {
    EXPECT_FALSE(fs[i].dead()) << i;
    EXPECT_FALSE(destroyed[i]) << i;
  }
  grove::this_fiber::yield();
  grove::joinall(fs);
  for (int i = 0; i < N; ++i) {
    EXPECT_TRUE(fs[i].dead()) << i;
    EXPECT_TRUE(destroyed[i]) << i;
    EXPECT_EQ(fs[i].exit_reason(), grove::ExitReason::killed());
  }
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, KillallWithCustomException) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  std::vector<grove::Fiber<>> fs;
  for (int i = 0; i < 2; ++i) fs.push_back(grove::spawn([] { grove::this_fiber::sleep(1h); }));
  grove::this_fiber::sleep(2ms);
  grove::killall(fs, Boom(9));
  for (auto& f : fs) {
    EXPECT_TRUE(f.dead());
    EXPECT_FALSE(f.successful());
    EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::exception);
    EXPECT_THROW(f.get(), Boom);
  }
}

TEST_F(WaitTest, KillallSkipsDeadFibers) {
  auto done = sleeper(1ms, 5);
  done.join();
  auto live = grove::spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  std::vector<grove::Fiber<>> fs{done, live};
  grove::killall(fs);
  EXPECT_TRUE(done.successful());
  EXPECT_EQ(done.exit_reason(), grove::ExitReason::normal());
  EXPECT_EQ(done.value(), 5);
  EXPECT_EQ(live.exit_reason(), grove::ExitReason::killed());
}

TEST_F(WaitTest, KillallIncludingTheCallerKillsItLast) {
  std::vector<grove::Fiber<>> all;
  for (int i = 0; i < 2; ++i) all.push_back(grove::spawn([] { grove::this_fiber::sleep(1h); }));
  bool after = false;
  int others_dead_at_unwind = -1;
  auto self_killer = grove::spawn([&] {
    struct OnUnwind {
      std::vector<grove::Fiber<>>& all;
      int& out;
      ~OnUnwind() { out = static_cast<int>(all[0].dead()) + static_cast<int>(all[1].dead()); }
    } probe{all, others_dead_at_unwind};
    grove::this_fiber::yield();
    grove::killall(all);  // `all` includes this fiber
    after = true;
  });
  all.push_back(self_killer);
  self_killer.join();
  EXPECT_FALSE(after);
  EXPECT_EQ(others_dead_at_unwind, 2);  // the others were dead before it killed itself
  EXPECT_EQ(self_killer.exit_reason(), grove::ExitReason::killed());
  for (auto& f : all) {
    EXPECT_TRUE(f.dead());
    EXPECT_EQ(f.exit_reason(), grove::ExitReason::killed());
  }
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

}  // namespace
