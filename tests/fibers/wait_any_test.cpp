// wait_any_test.cpp — wait_any, iwait, and waiting on fibers of mixed result types.

#include "wait_test_support.hpp"

namespace {

// ----------------------------------------------------------------- wait_any

TEST_F(WaitTest, WaitAnyReturnsIndexOfFirstToFinish) {
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs{sleeper(100ms, 0), sleeper(10ms, 1), sleeper(60ms, 2)};
  const auto t0 = sim.now();
  std::size_t i = grove::wait_any(fs);
  EXPECT_EQ(i, 1u);
  EXPECT_EQ(sim.now() - t0, 10ms);
  EXPECT_TRUE(fs[1].dead());
  EXPECT_FALSE(fs[0].dead());
  EXPECT_FALSE(fs[2].dead());
  grove::killall(fs);
}

TEST_F(WaitTest, WaitAnyReturnsAtOnceWhenOneIsAlreadyDead) {
  SimulatedHub sim;
  auto slow = sleeper(300ms, 0);
  auto quick = sleeper(1ms, 1);
  quick.join();
  std::vector<grove::Fiber<int>> fs{slow, quick};
  const auto t0 = sim.now();
  EXPECT_EQ(grove::wait_any(fs), 1u);
  EXPECT_EQ(sim.now() - t0, 0ms);
  slow.kill();
}

TEST_F(WaitTest, WaitAnyWithTimeoutReturnsNulloptWhenNoneFinish) {
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs{sleeper(300ms, 0), sleeper(300ms, 1)};
  const auto t0 = sim.now();
  auto r = grove::wait_any(fs, 40ms);
  EXPECT_FALSE(r.has_value());
  EXPECT_EQ(sim.now() - t0, 40ms);
  for (auto& f : fs) EXPECT_FALSE(f.dead());
  grove::killall(fs);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, WaitAnyWithTimeoutReturnsIndexWhenInTime) {
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs{sleeper(300ms, 0), sleeper(10ms, 1)};
  auto r = grove::wait_any(fs, 200ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 1u);
  EXPECT_EQ(sim.elapsed(), 10ms);
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
  SimulatedHub sim;  // each sleeper starts at the same instant: the order is the deadlines', not the machine's
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
  EXPECT_EQ(sim.elapsed(), 30ms);
  EXPECT_FALSE(it.next().has_value());  // exhausted stays exhausted
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(WaitTest, RangeForOverIwait) {
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs{sleeper(90ms, 90), sleeper(10ms, 10), sleeper(50ms, 50)};
  std::vector<std::uint64_t> ids;
  const auto t0 = sim.now();
  std::vector<grove::Duration> at;
  for (const grove::Fiber<>& f : grove::iwait(fs)) {
    ids.push_back(f.id());
    at.push_back(sim.now() - t0);
  }
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], fs[1].id());
  EXPECT_EQ(ids[1], fs[2].id());
  EXPECT_EQ(ids[2], fs[0].id());
  // Each one is yielded as soon as it finishes, not all at the end.
  EXPECT_EQ(at, (std::vector<grove::Duration>{10ms, 50ms, 90ms}));
}

TEST_F(WaitTest, IwaitWithAlreadyDeadFibersYieldsThemFirst) {
  auto done = sleeper(1ms, 1);
  done.join();
  auto later = sleeper(10ms, 2);
  std::vector<grove::Fiber<int>> fs{later, done};
  std::vector<std::uint64_t> ids;
  for (const grove::Fiber<>& f : grove::iwait(fs)) ids.push_back(f.id());
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], done.id());
  EXPECT_EQ(ids[1], later.id());
}

TEST_F(WaitTest, IwaitWithTimeoutEndsEarly) {
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs{sleeper(10ms, 10), sleeper(300ms, 300), sleeper(20ms, 20)};
  const auto t0 = sim.now();
  std::vector<std::uint64_t> ids;
  for (const grove::Fiber<>& f : grove::iwait(fs, 60ms)) ids.push_back(f.id());
  EXPECT_EQ(sim.now() - t0, 60ms);
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
  for (const grove::Fiber<>& f : grove::iwait(none)) {
    (void)f;
    ++n;
  }
  EXPECT_EQ(n, 0);
}

TEST_F(WaitTest, IwaitFromSpawnedFiber) {
  SimulatedHub sim;  // a preempted start must not reorder 5 ms and 20 ms
  std::vector<grove::Fiber<int>> fs{sleeper(20ms, 20), sleeper(5ms, 5)};
  auto collector = grove::spawn([&] {
    std::vector<std::uint64_t> ids;
    for (const grove::Fiber<>& f : grove::iwait(fs)) ids.push_back(f.id());
    return ids;
  });
  auto ids = collector.get();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], fs[1].id());
  EXPECT_EQ(ids[1], fs[0].id());
  EXPECT_EQ(sim.elapsed(), 20ms);
}

// ---------------------------------------------------------------- mixed types

TEST_F(WaitTest, MixedIntAndVoidFibersInOneVector) {
  SimulatedHub sim;  // the 5 ms / 10 ms order must not depend on machine load
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
  for (const grove::Fiber<>& f : grove::iwait(all)) order.push_back(f.id());
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
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs{sleeper(300ms, 0)};
  const auto t0 = sim.now();
  try {
    grove::Timeout t(30ms);
    grove::joinall(fs);
    FAIL() << "Timeout did not fire in joinall";
  } catch (const grove::Timeout&) {
  }
  EXPECT_EQ(sim.now() - t0, 30ms);
  try {
    grove::Timeout t(20ms);
    grove::wait_any(fs);
    FAIL() << "Timeout did not fire in wait_any";
  } catch (const grove::Timeout&) {
  }
  EXPECT_EQ(sim.now() - t0, 50ms);
  EXPECT_FALSE(fs[0].dead());
  // The interrupted wait_any left no node behind on the fiber's join list.
  fs[0].kill();
  EXPECT_TRUE(fs[0].dead());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

}  // namespace
