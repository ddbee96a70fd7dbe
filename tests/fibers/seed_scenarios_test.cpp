// seed_scenarios_test.cpp — the scenarios of gevent's tutorial ("gevent For
// the Working Python Developer", first chapters) written with grove fibers;
// the output lines the tutorial prints are collected and asserted.

#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"
#include "simulated_hub.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

class SeedScenarios : public grove::test::HubTest {
 protected:
  std::vector<std::string> out;
};

using Clock = std::chrono::steady_clock;

struct TooLong : std::runtime_error {
  TooLong() : std::runtime_error("TooLong") {}
};

// 10 random sleeps in [lo, hi] ms from a fixed seed.
std::vector<int> random_sleeps(unsigned seed, int lo, int hi, int n = 10) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int> ms;
  for (int i = 0; i < n; ++i) ms.push_back(dist(rng));
  return ms;
}

}  // namespace

// "Synchronous & Asynchronous Execution": foo and bar yield to each other
// through sleep(0).
TEST_F(SeedScenarios, ExplicitContextSwitchingBetweenFooAndBar) {
  auto foo = grove::spawn([this] {
    out.push_back("Running in foo");
    grove::this_fiber::sleep(0s);
    out.push_back("Explicit context switch to foo again");
  });
  auto bar = grove::spawn([this] {
    out.push_back("Explicit context to bar");
    grove::this_fiber::sleep(0s);
    out.push_back("Implicit context switch back to bar");
  });
  grove::joinall(std::vector{foo, bar});
  EXPECT_EQ(out, (std::vector<std::string>{
                     "Running in foo",
                     "Explicit context to bar",
                     "Explicit context switch to foo again",
                     "Implicit context switch back to bar",
                 }));
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// The select() example: two pollers block, a third fiber runs meanwhile.
TEST_F(SeedScenarios, OtherFibersRunWhileTwoPoll) {
  grove::test::SimulatedHub sim;  // the timings below are exact on virtual time
  const auto start = grove::hub().now();
  auto tic = [start] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(grove::hub().now() - start).count();
  };
  std::vector<long> ended;
  auto poller = [&] {
    out.push_back("Started Polling");
    grove::this_fiber::sleep(60ms);
    out.push_back("Ended Polling");
    ended.push_back(static_cast<long>(tic()));
  };
  auto gr3 = [&] {
    out.push_back("Hey lets do some stuff while the greenlets poll, at " + std::to_string(tic() / 100) + ".0");
  };
  grove::joinall(std::vector<grove::Fiber<>>{grove::spawn(poller), grove::spawn(poller), grove::spawn(gr3)});
  EXPECT_EQ(out, (std::vector<std::string>{
                     "Started Polling",
                     "Started Polling",
                     "Hey lets do some stuff while the greenlets poll, at 0.0",
                     "Ended Polling",
                     "Ended Polling",
                 }));
  ASSERT_EQ(ended.size(), 2u);
  EXPECT_EQ(ended, (std::vector<long>{60, 60}));  // both polled at the same time, not one after the other
}

// Ten tasks with random sleeps finish in about the longest sleep.
TEST_F(SeedScenarios, TenRandomSleepsTakeTheLongestNotTheSum) {
  const std::vector<int> ms = random_sleeps(2024, 0, 200);
  const int longest = *std::max_element(ms.begin(), ms.end());
  const int sum = std::accumulate(ms.begin(), ms.end(), 0);
  std::vector<grove::Fiber<int>> tasks;
  grove::test::SimulatedHub sim;  // the timings below are exact on virtual time
  const auto start = grove::hub().now();
  for (int i = 0; i < 10; ++i)
    tasks.push_back(grove::spawn(
        [&ms](int pid) {
          grove::this_fiber::sleep(std::chrono::milliseconds(ms[static_cast<std::size_t>(pid)]));
          return pid;
        },
        i));
  auto done = grove::joinall(tasks);
  const auto took = grove::hub().now() - start;
  EXPECT_EQ(done.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(tasks[static_cast<std::size_t>(i)].value(), i);
  EXPECT_EQ(took, std::chrono::milliseconds(longest));
  EXPECT_LT(took, std::chrono::milliseconds(sum / 2)) << "sum " << sum << " ms";
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// task(pid): a non-deterministic pause, then "Task <pid> done".
TEST_F(SeedScenarios, SynchronousVersusAsynchronousTasks) {
  auto task = [this](int pid, int pause_ms) {
    grove::this_fiber::sleep(std::chrono::milliseconds(pause_ms));
    out.push_back("Task " + std::to_string(pid) + " done");
  };

  // synchronous(): one after the other, in the main fiber.
  const std::vector<int> small = random_sleeps(7, 0, 8);
  for (int i = 1; i < 10; ++i) task(i, small[static_cast<std::size_t>(i)]);
  std::vector<std::string> expected_sync;
  for (int i = 1; i < 10; ++i) expected_sync.push_back("Task " + std::to_string(i) + " done");
  EXPECT_EQ(out, expected_sync);

  // asynchronous(): ten fibers; they finish in the order of their pauses.
  out.clear();
  const std::vector<int> pauses = random_sleeps(99, 0, 100);
  std::vector<grove::Fiber<>> threads;
  for (int i = 0; i < 10; ++i) threads.push_back(grove::spawn(task, i, pauses[static_cast<std::size_t>(i)]));
  grove::joinall(threads);
  ASSERT_EQ(out.size(), 10u);
  std::set<std::string> unique(out.begin(), out.end());
  EXPECT_EQ(unique.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(unique.count("Task " + std::to_string(i) + " done"), 1u) << i;
  std::vector<int> by_pause(10);
  std::iota(by_pause.begin(), by_pause.end(), 0);
  std::stable_sort(by_pause.begin(), by_pause.end(), [&](int a, int b) {
    return pauses[static_cast<std::size_t>(a)] < pauses[static_cast<std::size_t>(b)];
  });
  std::vector<std::string> expected_async;
  for (int i : by_pause) expected_async.push_back("Task " + std::to_string(i) + " done");
  EXPECT_EQ(out, expected_async);
  std::vector<std::string> spawn_order;
  for (int i = 0; i < 10; ++i) spawn_order.push_back("Task " + std::to_string(i) + " done");
  EXPECT_NE(out, spawn_order);  // not the order they were started in
}

// "Spawning Threads": Greenlet.spawn / gevent.spawn / a lambda, all joined.
TEST_F(SeedScenarios, SpawningWithArgumentsAndLambdas) {
  auto foo = [this](std::string message, int n) {
    grove::this_fiber::sleep(std::chrono::milliseconds(n));
    out.push_back(message);
  };
  auto thread1 = grove::spawn(foo, "Hello", 1);
  auto thread2 = grove::spawn(foo, "I live!", 2);
  auto thread3 = grove::spawn([](int x) { return x + 1; }, 2);
  grove::joinall(std::vector<grove::Fiber<>>{thread1, thread2, thread3});
  EXPECT_EQ(out, (std::vector<std::string>{"Hello", "I live!"}));
  EXPECT_EQ(thread3.value(), 3);
}

// MyGreenlet subclass with a message and a delay.
namespace {
class MyGreenlet : public grove::Greenlet<> {
 public:
  MyGreenlet(std::string message, int n, std::vector<std::string>* out)
      : message_(std::move(message)), n_(n), out_(out) {}

 protected:
  void run() override {
    out_->push_back(message_);
    grove::this_fiber::sleep(std::chrono::milliseconds(n_));
  }

 private:
  std::string message_;
  int n_;
  std::vector<std::string>* out_;
};
}  // namespace

TEST_F(SeedScenarios, GreenletSubclass) {
  auto g = grove::spawn<MyGreenlet>("Hi there!", 3, &out);
  g.join();
  EXPECT_EQ(out, (std::vector<std::string>{"Hi there!"}));
  EXPECT_TRUE(g.successful());
}

// "Greenlet State": win() and fail(); the exception stays in its fiber.
TEST_F(SeedScenarios, GreenletStateWinnerAndLoser) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto win = [] { return std::string("You win!"); };
  auto fail = []() -> std::string { throw std::runtime_error("You fail at failing."); };
  auto winner = grove::spawn(win);
  auto loser = grove::spawn(fail);

  out.push_back(winner.started() ? "True" : "False");
  out.push_back(loser.started() ? "True" : "False");

  // Exceptions raised in the fiber stay inside the fiber.
  try {
    grove::joinall(std::vector<grove::Fiber<>>{winner, loser});
  } catch (const std::exception&) {
    out.push_back("This will never be reached");
  }

  out.push_back(winner.value());
  try {
    out.push_back(loser.value());
  } catch (const grove::UsageError&) {
    out.push_back("None");
  }
  out.push_back(winner.ready() ? "True" : "False");
  out.push_back(loser.ready() ? "True" : "False");
  out.push_back(winner.successful() ? "True" : "False");
  out.push_back(loser.successful() ? "True" : "False");
  try {
    std::rethrow_exception(loser.exception());
  } catch (const std::exception& e) {
    out.push_back(e.what());
  }
  EXPECT_EQ(out, (std::vector<std::string>{"True", "True", "You win!", "None", "True", "True", "True", "False",
                                           "You fail at failing."}));

  EXPECT_EQ(winner.exception(), nullptr);
  EXPECT_EQ(winner.get(), "You win!");
  try {
    (void)loser.get();
    FAIL() << "loser.get() did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "You fail at failing.");
  }
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// "Timeouts", first form: a Timeout scope around a blocking call.
TEST_F(SeedScenarios, TimeoutScopeAroundASleep) {
  grove::test::SimulatedHub sim;  // the timings below are exact on virtual time
  const auto start = grove::hub().now();
  try {
    grove::Timeout timeout(40ms);
    grove::this_fiber::sleep(10s);
    out.push_back("completed");
  } catch (const grove::Timeout&) {
    out.push_back("Could not complete");
  }
  const auto took = grove::hub().now() - start;
  EXPECT_EQ(out, (std::vector<std::string>{"Could not complete"}));
  EXPECT_EQ(took, 40ms);
}

// with Timeout(time_to_wait, TooLong): the custom exception is raised.
TEST_F(SeedScenarios, TimeoutScopeRaisingACustomException) {
  EXPECT_THROW(
      {
        grove::Timeout t(20ms, TooLong{});
        grove::this_fiber::sleep(10s);
      },
      TooLong);
}

// with_timeout(1, wait) and timeout arguments of Fiber calls.
TEST_F(SeedScenarios, ThreeTimeoutForms) {
  auto wait = [] { grove::this_fiber::sleep(300ms); };

  // Thread 1: a Timeout started around joining the fiber.
  {
    auto thread1 = grove::spawn(wait);
    try {
      grove::Timeout timer(20ms);
      thread1.join();
    } catch (const grove::Timeout&) {
      out.push_back("Thread 1 timed out");
    }
    thread1.kill();
  }
  // Thread 2: the timeout argument of get().
  {
    auto thread2 = grove::spawn(wait);
    try {
      thread2.get(20ms);
    } catch (const grove::Timeout&) {
      out.push_back("Thread 2 timed out");
    }
    EXPECT_FALSE(thread2.join(20ms));
    thread2.kill();
  }
  // Thread 3: with_timeout around a function.
  try {
    grove::with_timeout(20ms, wait);
  } catch (const grove::Timeout&) {
    out.push_back("Thread 3 timed out");
  }
  EXPECT_EQ(out, (std::vector<std::string>{"Thread 1 timed out", "Thread 2 timed out", "Thread 3 timed out"}));

  // And when the work is quick enough, nothing fires.
  EXPECT_EQ(grove::with_timeout(
                200ms,
                [](int x) {
                  grove::this_fiber::sleep(1ms);
                  return x * 3;
                },
                14),
            42);
  auto quick = grove::spawn([] { return 5; });
  EXPECT_EQ(quick.get(200ms), 5);
  EXPECT_TRUE(quick.join(0ms));
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// kill() unwinds the fiber: its destructors run.
TEST_F(SeedScenarios, KillUnwindsDestructors) {
  struct Resource {
    std::vector<std::string>* out;
    std::string name;
    ~Resource() { out->push_back("released " + name); }
  };
  auto worker = grove::spawn([this] {
    Resource outer{&out, "outer"};
    {
      Resource inner{&out, "inner"};
      out.push_back("working");
      grove::this_fiber::sleep(10s);
      out.push_back("never printed");
    }
  });
  grove::this_fiber::sleep(5ms);
  worker.kill();
  EXPECT_EQ(out, (std::vector<std::string>{"working", "released inner", "released outer"}));
  EXPECT_TRUE(worker.dead());
  EXPECT_TRUE(worker.successful());
  EXPECT_EQ(worker.exit_reason().kind(), grove::ExitReason::Kind::killed);
}

// Nested Timeouts: each catch can tell which one fired.
TEST_F(SeedScenarios, NestedTimeoutsInnerFiresFirst) {
  grove::Timeout outer(300ms);
  try {
    grove::Timeout inner(20ms);
    try {
      grove::this_fiber::sleep(10s);
    } catch (const grove::Timeout& e) {
      out.push_back(e == inner ? "inner" : e == outer ? "outer" : "unknown");
      EXPECT_TRUE(inner.expired());
      EXPECT_FALSE(outer.expired());
      EXPECT_FALSE(inner.pending());
      EXPECT_TRUE(outer.pending());
      throw;
    }
  } catch (const grove::Timeout& e) {
    out.push_back(e == outer ? "outer caught it" : "rethrown inner");
  }
  EXPECT_EQ(out, (std::vector<std::string>{"inner", "rethrown inner"}));
  // The outer scope is still armed and not fired.
  EXPECT_FALSE(outer.expired());
  outer.cancel();
  EXPECT_FALSE(outer.pending());
}

TEST_F(SeedScenarios, NestedTimeoutsOuterFiresFirst) {
  grove::test::SimulatedHub sim;  // the timings below are exact on virtual time
  const auto start = grove::hub().now();
  try {
    grove::Timeout outer(20ms);
    try {
      grove::Timeout inner(300ms);
      try {
        grove::this_fiber::sleep(10s);
      } catch (const grove::Timeout& e) {
        out.push_back(e == inner ? "inner" : e == outer ? "outer" : "unknown");
        out.push_back(inner.expired() ? "inner expired" : "inner not expired");
        out.push_back(outer.expired() ? "outer expired" : "outer not expired");
        throw;
      }
    } catch (const grove::Timeout& e) {
      // The inner scope is gone: only the outer one is left to compare.
      out.push_back(e == outer ? "passed up to outer" : "swallowed");
    }
  } catch (const grove::Timeout&) {
    out.push_back("escaped");
  }
  EXPECT_EQ(out, (std::vector<std::string>{"outer", "inner not expired", "outer expired", "passed up to outer"}));
  EXPECT_EQ(grove::hub().now() - start, 20ms);
}

// The same scenarios inside a spawned fiber rather than main.
TEST_F(SeedScenarios, NestedTimeoutsInsideAFiber) {
  auto f = grove::spawn([] {
    std::string which;
    grove::Timeout outer(200ms);
    try {
      grove::Timeout inner(10ms);
      grove::this_fiber::sleep(10s);
    } catch (const grove::Timeout& e) {
      which = e == outer ? "outer" : "inner";
    }
    return which;
  });
  EXPECT_EQ(f.get(), "inner");
}
