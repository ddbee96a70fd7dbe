// fiber_this_fiber_test.cpp — this_fiber: self, id and name, yield, sleep and sleep_until, idle, weak sleeps.

#include "fiber_test_support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "simulated_hub.hpp"

// ----------------------------------------------------------- this_fiber

TEST_F(FiberTest, ThisFiberSelfIdAndName) {
  grove::Fiber<> seen;
  std::uint64_t seen_id = 0;
  std::string seen_name;
  auto f = grove::spawn([&] {
    seen = grove::this_fiber::self();
    seen_id = grove::this_fiber::id();
    seen_name = grove::this_fiber::name();
  });
  f.set_name("inspector");
  f.join();
  EXPECT_TRUE(seen == f);
  EXPECT_EQ(seen_id, f.id());
  EXPECT_EQ(seen_name, "inspector");
  // On the main fiber.
  EXPECT_EQ(grove::this_fiber::name(), "main");
  EXPECT_EQ(grove::this_fiber::id(), 0u);
  grove::Fiber<> main_handle = grove::this_fiber::self();
  EXPECT_TRUE(main_handle);
  EXPECT_FALSE(main_handle == f);
  EXPECT_FALSE(main_handle.dead());
}

TEST_F(FiberTest, DefaultNameSeenFromInside) {
  std::string inside;
  auto f = grove::spawn([&] { inside = grove::this_fiber::name(); });
  f.join();
  EXPECT_EQ(inside, "Fiber-" + std::to_string(f.id()));
}

TEST_F(FiberTest, YieldIsFifoRoundRobin) {
  std::vector<std::string> order;
  auto worker = [&order](std::string tag) {
    for (int i = 0; i < 3; ++i) {
      order.push_back(tag + std::to_string(i));
      grove::this_fiber::yield();
    }
  };
  std::vector<grove::Fiber<>> fibers{grove::spawn(worker, "a"), grove::spawn(worker, "b"), grove::spawn(worker, "c")};
  grove::joinall(fibers);
  EXPECT_EQ(order, (std::vector<std::string>{"a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"}));
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, SleepZeroIsYield) {
  std::vector<int> order;
  auto a = grove::spawn([&] {
    order.push_back(1);
    grove::this_fiber::sleep(0ms);
    order.push_back(3);
  });
  auto b = grove::spawn([&] { order.push_back(2); });
  grove::joinall(std::vector<grove::Fiber<>>{a, b});
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST_F(FiberTest, SleepersWakeInDeadlineOrder) {
  grove::test::SimulatedHub sim;  // a sleeper preempted before its sleep must not reorder them
  std::vector<int> order;
  std::vector<grove::Fiber<>> fibers;
  for (int ms : {30, 10, 20})
    fibers.push_back(grove::spawn([&order, ms] {
      grove::this_fiber::sleep(std::chrono::milliseconds(ms));
      order.push_back(ms);
    }));
  grove::joinall(fibers);
  EXPECT_EQ(order, (std::vector<int>{10, 20, 30}));
  EXPECT_EQ(sim.elapsed(), 30ms);  // concurrently, not 60 ms in a row
}

// Real time (virtual time stands still while a fiber keeps yielding). The
// bound is in yields, not milliseconds: once the sleeper's deadline has
// passed, the hub fires it within one poll_interval of switches, however
// slowly a loaded machine runs them.
TEST_F(FiberTest, BusyYieldingDoesNotStarveTimers) {
  bool woke = false;
  auto sleeper = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    woke = true;
  });
  grove::this_fiber::yield();                              // the sleeper has armed its timer
  const grove::TimePoint due = grove::hub().now() + 10ms;  // at or after its deadline
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  long spins = 0;
  long spins_past_due = 0;
  while (!woke && std::chrono::steady_clock::now() < give_up) {
    const bool past_due = grove::hub().now() >= due;
    grove::this_fiber::yield();
    ++spins;
    if (past_due) ++spins_past_due;
  }
  EXPECT_TRUE(woke);
  EXPECT_GT(spins, 0);
  EXPECT_LE(spins_past_due, static_cast<long>(grove::hub().config().poll_interval) + 1);
  sleeper.join();
}

TEST_F(FiberTest, SleepUntilAndSleepDuration) {
  const auto start = grove::hub().now();
  grove::this_fiber::sleep_until(start + 15ms);
  EXPECT_GE(grove::hub().now() - start, 15ms);
  grove::this_fiber::sleep_until(start);  // in the past: returns at once
  const auto t1 = grove::hub().now();
  grove::this_fiber::sleep(std::chrono::duration<double, std::milli>(10.5));
  EXPECT_GE(grove::hub().now() - t1, 10ms);
}

// ------------------------------------------------------------------- idle

TEST_F(FiberTest, IdleWaitsUntilNoOtherFiberIsReady) {
  std::vector<std::string> order;
  auto chatty = grove::spawn([&] {
    for (int i = 0; i < 3; ++i) {
      order.push_back("chatty " + std::to_string(i));
      grove::this_fiber::yield();
    }
  });
  grove::this_fiber::idle();
  order.push_back("idle returned");
  EXPECT_EQ(order, (std::vector<std::string>{"chatty 0", "chatty 1", "chatty 2", "idle returned"}));
  chatty.join();
}

TEST_F(FiberTest, IdleDoesNotWaitForTimersArmedForLater) {
  grove::test::SimulatedHub sim;
  auto sleeper = grove::spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::idle();
  EXPECT_EQ(sim.elapsed(), 0ms);  // the 1 h timer did not hold it back
  EXPECT_FALSE(sleeper.dead());
  sleeper.kill();
}

TEST_F(FiberTest, IdleFromTheHubsContextIsAUsageError) {
  std::exception_ptr seen;
  boost::asio::post(grove::hub().io_context(), [&] {
    try {
      grove::this_fiber::idle();
    } catch (...) {
      seen = std::current_exception();
    }
  });
  grove::hub().run();
  EXPECT_THROW(std::rethrow_exception(seen), grove::UsageError);
}

// ------------------------------------------------------------ weak sleep

TEST_F(FiberTest, WeakSleepEndsOnTimeWhileSomethingElseKeepsTheHubBusy) {
  grove::test::SimulatedHub sim;
  auto busy = grove::spawn([] { grove::this_fiber::sleep(50ms); });
  grove::this_fiber::sleep(10ms, grove::weak);
  EXPECT_EQ(sim.elapsed(), 10ms);
  busy.join();
}

TEST_F(FiberTest, WeakSleepDoesNotKeepHubRunBusy) {
  grove::test::SimulatedHub sim;
  bool woke = false;
  auto f = grove::spawn([&] {
    grove::this_fiber::sleep(1h, grove::weak);
    woke = true;
  });
  grove::hub().run();  // only a weak timer is left: the hub is idle
  EXPECT_EQ(sim.elapsed(), 0ms);
  EXPECT_FALSE(woke);
  f.kill();
  grove::this_fiber::sleep(1h);  // a strong sleep keeps it busy (gevent's default ref=True)
  EXPECT_EQ(sim.elapsed(), 1h);
}

TEST_F(FiberTest, MainInAWeakSleepWithNothingElseLeftGetsLoopExitAsInGevent) {
  EXPECT_THROW(grove::this_fiber::sleep(1h, grove::weak), grove::LoopExit);
  EXPECT_THROW(grove::this_fiber::sleep(-1ms, grove::weak), grove::UsageError);
  grove::this_fiber::sleep(0ms, grove::weak);  // a yield
}
