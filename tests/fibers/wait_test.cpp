// wait_test.cpp — joinall, killall, wait_any and iwait over many fibers.

#include <grove/wait.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <list>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace grove {
// Readable gtest failure messages.
inline void PrintTo(const ExitReason& r, std::ostream* os) { *os << r.to_string(); }
}  // namespace grove

namespace {

using SteadyClock = std::chrono::steady_clock;

long long ms_since(SteadyClock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t0).count();
}

struct Boom : std::runtime_error {
  explicit Boom(int n) : std::runtime_error("boom " + std::to_string(n)), n(n) {}
  int n;
};

class WaitTest : public ::testing::Test {
 protected:
  void SetUp() override { grove::Hub::destroy_current(); }
  void TearDown() override { grove::Hub::destroy_current(); }
};

grove::Fiber<int> sleeper(std::chrono::milliseconds d, int v) {
  return grove::spawn([d, v] {
    grove::this_fiber::sleep(d);
    return v;
  });
}

// ------------------------------------------------------------------ joinall

TEST_F(WaitTest, JoinallWaitsForAllAndReturnsAll) {
  std::vector<grove::Fiber<int>> fs{sleeper(30ms, 0), sleeper(10ms, 1), sleeper(20ms, 2)};
  auto t0 = SteadyClock::now();
  auto done = grove::joinall(fs);
  auto took = ms_since(t0);
  EXPECT_GE(took, 30);
  EXPECT_LT(took, 150);  // concurrent, not 60 ms
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
  auto fast1 = sleeper(5ms, 1);
  auto slow = sleeper(300ms, 2);
  auto fast2 = sleeper(10ms, 3);
  std::vector<grove::Fiber<int>> fs{fast1, slow, fast2};
  auto t0 = SteadyClock::now();
  auto done = grove::joinall(fs, 50ms);
  auto took = ms_since(t0);
  EXPECT_GE(took, 50);
  EXPECT_LT(took, 150);
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
  std::vector<grove::Fiber<int>> fs{sleeper(5ms, 1), sleeper(10ms, 2)};
  auto t0 = SteadyClock::now();
  auto done = grove::joinall(fs, 300ms);
  EXPECT_LT(ms_since(t0), 150);
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
  auto t0 = SteadyClock::now();
  try {
    grove::joinall(fs, /*raise_error=*/true);
    FAIL() << "joinall(raise_error) did not throw";
  } catch (const Boom& e) {
    EXPECT_EQ(e.n, 1);  // the first failure seen, not the first in the vector
  }
  auto took = ms_since(t0);
  EXPECT_GE(took, 20);
  EXPECT_LT(took, 60);  // raised as soon as seen
  EXPECT_FALSE(slow_fail.dead());  // the others keep running
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
  auto t0 = SteadyClock::now();
  grove::killall(fs);
  EXPECT_LT(ms_since(t0), 50);
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

// ----------------------------------------------------------------- wait_any

TEST_F(WaitTest, WaitAnyReturnsIndexOfFirstToFinish) {
  std::vector<grove::Fiber<int>> fs{sleeper(100ms, 0), sleeper(10ms, 1), sleeper(60ms, 2)};
  auto t0 = SteadyClock::now();
  std::size_t i = grove::wait_any(fs);
  auto took = ms_since(t0);
  EXPECT_EQ(i, 1u);
  EXPECT_GE(took, 10);
  EXPECT_LT(took, 60);
  EXPECT_TRUE(fs[1].dead());
  EXPECT_FALSE(fs[0].dead());
  EXPECT_FALSE(fs[2].dead());
  grove::killall(fs);
}

TEST_F(WaitTest, WaitAnyReturnsAtOnceWhenOneIsAlreadyDead) {
  auto slow = sleeper(300ms, 0);
  auto quick = sleeper(1ms, 1);
  quick.join();
  std::vector<grove::Fiber<int>> fs{slow, quick};
  auto t0 = SteadyClock::now();
  EXPECT_EQ(grove::wait_any(fs), 1u);
  EXPECT_LT(ms_since(t0), 20);
  slow.kill();
}

TEST_F(WaitTest, WaitAnyWithTimeoutReturnsNulloptWhenNoneFinish) {
  std::vector<grove::Fiber<int>> fs{sleeper(300ms, 0), sleeper(300ms, 1)};
  auto t0 = SteadyClock::now();
  auto r = grove::wait_any(fs, 40ms);
  auto took = ms_since(t0);
  EXPECT_FALSE(r.has_value());
  EXPECT_GE(took, 40);
  EXPECT_LT(took, 140);
  for (auto& f : fs) EXPECT_FALSE(f.dead());
  grove::killall(fs);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, WaitAnyWithTimeoutReturnsIndexWhenInTime) {
  std::vector<grove::Fiber<int>> fs{sleeper(300ms, 0), sleeper(10ms, 1)};
  auto r = grove::wait_any(fs, 200ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 1u);
  grove::killall(fs);
}

TEST_F(WaitTest, WaitAnyOnEmptyRangeIsAUsageError) {
  std::vector<grove::Fiber<>> none;
  EXPECT_THROW(grove::wait_any(none), grove::UsageError);
}

TEST_F(WaitTest, WaitAnyCountsAFailureAsFinished) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto ok = sleeper(200ms, 0);
  auto bad = grove::spawn([]() -> int {
    grove::this_fiber::sleep(10ms);
    throw Boom(3);
  });
  std::vector<grove::Fiber<int>> fs{ok, bad};
  EXPECT_EQ(grove::wait_any(fs), 1u);  // wait_any does not rethrow
  EXPECT_FALSE(bad.successful());
  ok.kill();
}

// -------------------------------------------------------------------- iwait

TEST_F(WaitTest, IwaitYieldsInCompletionOrder) {
  std::vector<grove::Fiber<int>> fs{sleeper(30ms, 30), sleeper(10ms, 10), sleeper(20ms, 20)};
  auto it = grove::iwait(fs);
  std::vector<int> got;
  while (auto f = it.next()) {
    EXPECT_TRUE(f->dead());
    // Find the typed handle to read the value.
    for (auto& t : fs)
      if (grove::Fiber<>(t) == *f) got.push_back(t.value());
  }
  EXPECT_EQ(got, (std::vector<int>{10, 20, 30}));
  EXPECT_FALSE(it.next().has_value());  // exhausted stays exhausted
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, RangeForOverIwait) {
  std::vector<grove::Fiber<int>> fs{sleeper(90ms, 90), sleeper(10ms, 10), sleeper(50ms, 50)};
  std::vector<std::uint64_t> ids;
  auto t0 = SteadyClock::now();
  std::vector<long long> at;
  for (grove::Fiber<> f : grove::iwait(fs)) {
    ids.push_back(f.id());
    at.push_back(ms_since(t0));
  }
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], fs[1].id());
  EXPECT_EQ(ids[1], fs[2].id());
  EXPECT_EQ(ids[2], fs[0].id());
  // Each one is yielded as soon as it finishes, not all at the end.
  EXPECT_GE(at[0], 10);
  EXPECT_LT(at[0], 50);
  EXPECT_GE(at[1], 50);
  EXPECT_LT(at[1], 90);
  EXPECT_GE(at[2], 90);
}

TEST_F(WaitTest, IwaitWithAlreadyDeadFibersYieldsThemFirst) {
  auto done = sleeper(1ms, 1);
  done.join();
  auto later = sleeper(10ms, 2);
  std::vector<grove::Fiber<int>> fs{later, done};
  std::vector<std::uint64_t> ids;
  for (grove::Fiber<> f : grove::iwait(fs)) ids.push_back(f.id());
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], done.id());
  EXPECT_EQ(ids[1], later.id());
}

TEST_F(WaitTest, IwaitWithTimeoutEndsEarly) {
  std::vector<grove::Fiber<int>> fs{sleeper(10ms, 10), sleeper(300ms, 300), sleeper(20ms, 20)};
  auto t0 = SteadyClock::now();
  std::vector<std::uint64_t> ids;
  for (grove::Fiber<> f : grove::iwait(fs, 60ms)) ids.push_back(f.id());
  auto took = ms_since(t0);
  EXPECT_GE(took, 60);
  EXPECT_LT(took, 160);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], fs[0].id());
  EXPECT_EQ(ids[1], fs[2].id());
  EXPECT_FALSE(fs[1].dead());
  grove::killall(fs);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, IwaitOfEmptyRangeYieldsNothing) {
  std::vector<grove::Fiber<>> none;
  int n = 0;
  for (grove::Fiber<> f : grove::iwait(none)) {
    (void)f;
    ++n;
  }
  EXPECT_EQ(n, 0);
}

TEST_F(WaitTest, IwaitFromSpawnedFiber) {
  std::vector<grove::Fiber<int>> fs{sleeper(20ms, 20), sleeper(5ms, 5)};
  auto collector = grove::spawn([&] {
    std::vector<std::uint64_t> ids;
    for (grove::Fiber<> f : grove::iwait(fs)) ids.push_back(f.id());
    return ids;
  });
  auto ids = collector.get();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], fs[1].id());
  EXPECT_EQ(ids[1], fs[0].id());
}

// ---------------------------------------------------------------- mixed types

TEST_F(WaitTest, MixedIntAndVoidFibersInOneVector) {
  int side = 0;
  grove::Fiber<int> fi = sleeper(10ms, 42);
  grove::Fiber<void> fv = grove::spawn([&] {
    grove::this_fiber::sleep(5ms);
    side = 7;
  });
  grove::Fiber<std::string> fs = grove::spawn([] { return std::string("hi"); });
  std::vector<grove::Fiber<>> all{fi, fv, fs};
  EXPECT_EQ(grove::wait_any(all), 2u);  // the string fiber finishes first
  std::vector<std::uint64_t> order;
  for (grove::Fiber<> f : grove::iwait(all)) order.push_back(f.id());
  EXPECT_EQ(order, (std::vector<std::uint64_t>{fs.id(), fv.id(), fi.id()}));
  auto done = grove::joinall(all);
  EXPECT_EQ(done.size(), 3u);
  EXPECT_EQ(fi.value(), 42);
  EXPECT_EQ(fs.value(), "hi");
  EXPECT_EQ(side, 7);
  for (auto& f : all) EXPECT_TRUE(f.successful());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, KillallOnMixedVector) {
  grove::Fiber<int> fi = grove::spawn([] {
    grove::this_fiber::sleep(1h);
    return 1;
  });
  grove::Fiber<void> fv = grove::spawn([] { grove::this_fiber::sleep(1h); });
  std::vector<grove::Fiber<>> all{fi, fv};
  grove::this_fiber::yield();
  grove::killall(all);
  EXPECT_TRUE(fi.dead());
  EXPECT_TRUE(fv.dead());
  EXPECT_THROW(fi.get(), grove::FiberKilled);  // killed: no value
  EXPECT_NO_THROW(fv.get());
}

TEST_F(WaitTest, WaitFunctionsUnderATimeoutScope) {
  std::vector<grove::Fiber<int>> fs{sleeper(300ms, 0)};
  auto t0 = SteadyClock::now();
  try {
    grove::Timeout t(30ms);
    grove::joinall(fs);
    FAIL() << "Timeout did not fire in joinall";
  } catch (const grove::Timeout&) {
  }
  EXPECT_LT(ms_since(t0), 130);
  try {
    grove::Timeout t(20ms);
    grove::wait_any(fs);
    FAIL() << "Timeout did not fire in wait_any";
  } catch (const grove::Timeout&) {
  }
  EXPECT_FALSE(fs[0].dead());
  // The interrupted wait_any left no node behind on the fiber's join list.
  fs[0].kill();
  EXPECT_TRUE(fs[0].dead());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

}  // namespace
