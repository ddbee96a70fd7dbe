// simulation_test.cpp — grove::testing::Simulation: virtual time under
// sleep, Timeout, spawn_later, the timeouts of AsyncResult, Queue, Event,
// Lock and ask; advance() ordering; deadlocks; posted work; the policy seam's
// misuse; ten simulated minutes of timers in well under a second.

#include <grove/testing/simulation.hpp>
#include <grove/detail/sanitizer.hpp>

#include <grove/actor.hpp>
#include <grove/async_result.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/lock.hpp>
#include <grove/queue.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using grove::testing::Simulation;

namespace {

using RealClock = std::chrono::steady_clock;

// Virtual waits must cost (almost) no real time.
constexpr auto real_budget = 500ms;
// Ten simulated minutes of timers take well under a second in an optimised
// build; unoptimised builds with sanitizers run some 20 times slower.
#if defined(NDEBUG) && !defined(GROVE_ASAN)
constexpr auto ten_minutes_budget = 1s;
#else
constexpr auto ten_minutes_budget = 10s;
#endif

TEST(DeterministicClock, StartsAtTheVirtualEpoch) {
  Simulation sim;
  EXPECT_EQ(sim.now(), grove::testing::virtual_epoch);
  EXPECT_EQ(grove::hub().now(), grove::testing::virtual_epoch);
  EXPECT_EQ(sim.elapsed(), grove::Duration::zero());
  EXPECT_FALSE(sim.seed());
}

TEST(DeterministicClock, SleepFromMainCostsNoRealTime) {
  Simulation sim;
  const auto t0 = RealClock::now();
  grove::this_fiber::sleep(1h);
  EXPECT_EQ(sim.elapsed(), 1h);
  EXPECT_LT(RealClock::now() - t0, real_budget);
}

TEST(DeterministicClock, TenSimulatedMinutesOfTimersTakeWellUnderASecond) {
  Simulation sim;
  auto ticks = std::make_shared<long>(0);
  std::vector<grove::Fiber<>> tickers;
  for (int i = 0; i < 100; ++i)  // 100 fibers ticking every 1 s (+ i ms)
    tickers.push_back(grove::spawn([ticks, i] {
      for (;;) {
        grove::this_fiber::sleep(1s + std::chrono::milliseconds(i));
        ++*ticks;
      }
    }));
  const auto t0 = RealClock::now();
  sim.advance(10min);
  const auto real = RealClock::now() - t0;
  EXPECT_EQ(sim.elapsed(), 10min);
  long expected = 0;
  for (int i = 0; i < 100; ++i) expected += 600'000 / (1000 + i);
  EXPECT_EQ(*ticks, expected);
  EXPECT_LT(real, ten_minutes_budget) << "10 simulated minutes took " << std::chrono::duration<double>(real).count()
                                      << " s";
  for (auto& t : tickers) t.kill();
}

TEST(DeterministicClock, AdvanceFiresTimersInDeadlineOrderAndStopsAtTheLimit) {
  Simulation sim;
  std::vector<std::string> log;
  auto at = [&](grove::Duration d, std::string name) {
    grove::spawn([&log, &sim, d, name] {
      grove::this_fiber::sleep(d);
      log.push_back(name + "@" +
                    std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(sim.elapsed()).count()));
    });
  };
  at(3s, "c");
  at(1s, "a");
  at(2s, "b");
  sim.advance(1500ms);
  EXPECT_EQ(log, (std::vector<std::string>{"a@1000"}));
  EXPECT_EQ(sim.elapsed(), 1500ms);
  sim.advance(2s);
  EXPECT_EQ(log, (std::vector<std::string>{"a@1000", "b@2000", "c@3000"}));
  EXPECT_EQ(sim.elapsed(), 3500ms);
}

TEST(DeterministicClock, EqualDeadlinesFireInArmingOrder) {
  Simulation sim;
  std::vector<int> log;
  for (int i = 0; i < 6; ++i)
    grove::spawn([&log, i] {
      grove::this_fiber::sleep(1s);
      log.push_back(i);
    });
  sim.run_until_idle();
  EXPECT_EQ(log, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(sim.elapsed(), 1s);
}

TEST(DeterministicClock, AdvanceZeroRunsWhatIsReadyWithoutMovingTheClock) {
  Simulation sim;
  int ran = 0;
  grove::spawn([&] { ++ran; });
  grove::spawn([&] {
    grove::this_fiber::sleep(1ms);
    ++ran;
  });
  sim.advance(0s);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(sim.elapsed(), grove::Duration::zero());
  sim.run_until_idle();
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(sim.elapsed(), 1ms);
}

TEST(DeterministicClock, TimeoutScopeFiresOnVirtualTime) {
  Simulation sim;
  const auto t0 = RealClock::now();
  grove::Event never;
  grove::Timeout t(30s);
  try {
    never.wait();
    FAIL() << "the wait should have timed out";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == t);
  }
  EXPECT_EQ(sim.elapsed(), 30s);
  EXPECT_LT(RealClock::now() - t0, real_budget);
}

TEST(DeterministicClock, SpawnLaterStartsOnVirtualTime) {
  Simulation sim;
  grove::Duration started_at{};
  grove::spawn_later(90s, [&] { started_at = sim.elapsed(); });
  sim.advance(89s);
  EXPECT_EQ(started_at, grove::Duration::zero());
  sim.advance(1s);
  EXPECT_EQ(started_at, 90s);
}

TEST(DeterministicClock, BlockingCallTimeoutsRunOnVirtualTime) {
  Simulation sim;
  const auto t0 = RealClock::now();
  grove::AsyncResult<int> result;
  EXPECT_THROW(result.get(2s), grove::Timeout);
  EXPECT_EQ(sim.elapsed(), 2s);
  grove::Queue<int> queue;
  EXPECT_THROW(queue.get(3s), grove::QueueEmpty);
  EXPECT_EQ(sim.elapsed(), 5s);
  grove::Event event;
  EXPECT_FALSE(event.wait(4s));
  EXPECT_EQ(sim.elapsed(), 9s);
  grove::Lock lock;
  grove::spawn([&] {
    std::lock_guard held(lock);
    grove::this_fiber::sleep(1min);
  });
  grove::this_fiber::yield();
  EXPECT_FALSE(lock.try_lock_for(1s));
  EXPECT_EQ(sim.elapsed(), 10s);
  EXPECT_FALSE(lock.try_lock_until(grove::hub().now() + 1s));  // the hub's clock, not the steady clock's
  EXPECT_EQ(sim.elapsed(), 11s);
  sim.run_until_idle();
  EXPECT_LT(RealClock::now() - t0, real_budget);
}

struct Silent : grove::Actor<int> {
  void receive(int&) override { kept.emplace(defer_reply()); }  // never answers
  std::optional<Deferred> kept;
};

TEST(DeterministicClock, AskTimesOutOnVirtualTime) {
  Simulation sim;
  const auto t0 = RealClock::now();
  auto silent = grove::spawn_actor<Silent>();
  EXPECT_THROW(silent.ask<int>(1, 45s).get(), grove::Timeout);
  EXPECT_EQ(sim.elapsed(), 45s);
  EXPECT_LT(RealClock::now() - t0, real_budget);
  silent.fiber().kill();
}

TEST(DeterministicClock, ADeadlockIsLoopExitNotAHang) {
  Simulation sim;
  grove::Queue<int> a, b;
  grove::spawn([&] { b.put(a.get()); });
  EXPECT_THROW(b.get(), grove::LoopExit);
}

TEST(DeterministicClock, PostedWorkRunsInPostOrder) {
  for (std::optional<std::uint64_t> seed : {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{7}}) {
    Simulation sim({.seed = seed});
    std::vector<int> log;
    for (int i = 0; i < 5; ++i) boost::asio::post(grove::hub().io_context(), [&log, i] { log.push_back(i); });
    sim.run_until_idle();
    EXPECT_EQ(log, (std::vector<int>{0, 1, 2, 3, 4}));
  }
}

TEST(DeterministicClock, PolicyCanOnlyBeInstalledOnAnIdleHub) {
  grove::Hub::destroy_current();
  auto f = grove::spawn([] { grove::this_fiber::sleep(1s); });
  try {
    grove::hub().set_policy(std::make_shared<grove::testing::SimulationPolicy>());
    FAIL() << "set_policy should refuse a hub with live fibers";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("before spawning fibers"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Simulation{}, grove::UsageError);  // same rule for a Simulation
  f.kill();
  grove::hub().set_policy(std::make_shared<grove::testing::SimulationPolicy>());
  EXPECT_EQ(grove::hub().now(), grove::testing::virtual_epoch);
  grove::hub().set_policy(nullptr);
  grove::Hub::destroy_current();
}

}  // namespace
