// async_result_test.cpp — grove::AsyncResult: set/set_exception/get/wait
// with and without timeouts, callbacks, misuse, the cross-thread path
// (8 OS threads each setting 10,000 results), and the seed's setter/waiter.

#include <grove/async_result.hpp>

#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

using AsyncResultTest = grove::test::HubTest;

TEST_F(AsyncResultTest, StartsEmpty) {
  grove::AsyncResult<int> r;
  EXPECT_FALSE(r.ready());
  EXPECT_FALSE(r.successful());
  EXPECT_EQ(r.exception(), nullptr);
  EXPECT_THROW(r.value(), grove::UsageError);
}

TEST_F(AsyncResultTest, SetMakesItReadyAndGetReturnsTheValue) {
  grove::AsyncResult<std::string> r;
  r.set("hello");
  EXPECT_TRUE(r.ready());
  EXPECT_TRUE(r.successful());
  EXPECT_EQ(r.value(), "hello");
  EXPECT_EQ(r.get(), "hello");
  EXPECT_EQ(r.get(10ms), "hello");
  EXPECT_TRUE(r.wait(0ms));
  r.wait();
}

TEST_F(AsyncResultTest, VoidResult) {
  grove::AsyncResult<> r;
  auto setter = grove::spawn([r]() mutable { r.set(); });
  r.get();
  EXPECT_TRUE(r.successful());
  setter.join();
}

TEST_F(AsyncResultTest, CopiesShareOneResult) {
  grove::AsyncResult<int> a;
  grove::AsyncResult<int> b = a;
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == grove::AsyncResult<int>());
  b.set(7);
  EXPECT_EQ(a.get(), 7);
}

TEST_F(AsyncResultTest, SetExceptionMakesGetRethrow) {
  grove::AsyncResult<int> r;
  r.set_exception(std::runtime_error("boom"));
  EXPECT_TRUE(r.ready());
  EXPECT_FALSE(r.successful());
  EXPECT_NE(r.exception(), nullptr);
  EXPECT_THROW(r.get(), std::runtime_error);
  EXPECT_THROW(r.get(5ms), std::runtime_error);
  EXPECT_THROW(r.value(), grove::UsageError);

  grove::AsyncResult<> p;
  p.set_exception(std::make_exception_ptr(std::logic_error("bad")));
  EXPECT_THROW(p.get(), std::logic_error);
}

TEST_F(AsyncResultTest, NullExceptionPtrIsAUsageError) {
  grove::AsyncResult<int> r;
  EXPECT_THROW(r.set_exception(std::exception_ptr{}), grove::UsageError);
  EXPECT_FALSE(r.ready());
  r.set(1);  // still settable
  EXPECT_EQ(r.get(), 1);
}

TEST_F(AsyncResultTest, ASecondSetThrows) {
  grove::AsyncResult<int> r;
  r.set(1);
  EXPECT_THROW(r.set(2), grove::UsageError);
  EXPECT_THROW(r.set_exception(std::runtime_error("late")), grove::UsageError);
  EXPECT_EQ(r.get(), 1);

  grove::AsyncResult<int> e;
  e.set_exception(std::runtime_error("first"));
  EXPECT_THROW(e.set(3), grove::UsageError);
}

TEST_F(AsyncResultTest, WaitBlocksUntilAnotherFiberSets) {
  grove::AsyncResult<int> r;
  auto setter = grove::spawn([r]() mutable {
    grove::this_fiber::sleep(20ms);
    r.set(42);
  });
  const auto t0 = std::chrono::steady_clock::now();
  r.wait();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 20ms);
  EXPECT_EQ(r.value(), 42);
  setter.join();
}

TEST_F(AsyncResultTest, WaitWithTimeoutReturnsFalseWhenNothingArrives) {
  grove::AsyncResult<int> r;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(r.wait(30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 30ms);
  EXPECT_FALSE(r.ready());
}

TEST_F(AsyncResultTest, GetWithTimeoutThrowsTimeout) {
  grove::AsyncResult<int> r;
  EXPECT_THROW(r.get(20ms), grove::Timeout);
  auto setter = grove::spawn([r]() mutable { r.set(5); });
  EXPECT_EQ(r.get(100ms), 5);
  setter.join();
}

TEST_F(AsyncResultTest, NegativeTimeoutIsAUsageError) {
  grove::AsyncResult<int> r;
  EXPECT_THROW((void)r.wait(-1ms), grove::UsageError);
  EXPECT_THROW(r.get(-1ms), grove::UsageError);
}

TEST_F(AsyncResultTest, EveryWaiterIsWoken) {
  grove::AsyncResult<int> r;
  std::vector<grove::Fiber<int>> waiters;
  for (int i = 0; i < 5; ++i) waiters.push_back(grove::spawn([r, i] { return r.get() + i; }));
  grove::this_fiber::sleep(5ms);
  r.set(10);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(waiters[i].get(), 10 + i);
}

TEST_F(AsyncResultTest, CallbacksRunOnceReadyOrAtOnce) {
  grove::AsyncResult<int> r;
  std::vector<int> seen;
  r.add_callback([&](const grove::AsyncResult<int>& x) { seen.push_back(x.value()); });
  r.add_callback([&](const grove::AsyncResult<int>&) { throw std::runtime_error("ignored"); });
  r.add_callback([&](const grove::AsyncResult<int>& x) { seen.push_back(x.value() * 2); });
  EXPECT_TRUE(seen.empty());
  r.set(4);
  EXPECT_EQ(seen, (std::vector<int>{4, 8}));
  r.add_callback([&](const grove::AsyncResult<int>& x) { seen.push_back(x.value() + 1); });
  EXPECT_EQ(seen, (std::vector<int>{4, 8, 5}));
}

TEST_F(AsyncResultTest, KilledWaiterLeavesTheResultIntact) {
  grove::AsyncResult<int> r;
  auto waiter = grove::spawn([r] { return r.get(); });
  grove::this_fiber::sleep(5ms);
  waiter.kill();
  r.set(3);
  EXPECT_EQ(r.get(), 3);
}

TEST_F(AsyncResultTest, TimeoutScopeInterruptsAWait) {
  grove::AsyncResult<int> r;
  grove::Timeout t(15ms);
  EXPECT_THROW(r.wait(), grove::Timeout);
}

// gevent: AsyncResult().get() with nothing that could ever set it raises
// LoopExit instead of hanging.
TEST_F(AsyncResultTest, WaitingOnTheOnlyHandleOfAnUnsetResultRaisesLoopExit) {
  grove::AsyncResult<int> r;
  EXPECT_THROW((void)r.get(), grove::LoopExit);
  grove::AsyncResult<void> v;
  EXPECT_THROW(v.wait(), grove::LoopExit);
}

// The producer thread sets the result only once it has seen the ticker fiber
// run 5 times while main waits, so the waiting main did not block the hub. No
// wall-clock bound: the producer gives up (and the check fails) only if the
// ticker stalls for 10 s.
TEST_F(AsyncResultTest, SetFromAnotherThreadWakesTheWaiterWithoutBlockingTheHub) {
  grove::AsyncResult<int> r;
  std::atomic<int> ticks{0};
  bool stop = false;
  auto ticker = grove::spawn([&] {
    while (!stop) {
      ++ticks;
      grove::this_fiber::sleep(1ms);
    }
  });
  int seen = 0;
  std::thread producer([r, &ticks, &seen]() mutable {
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (ticks.load() < 5 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
    seen = ticks.load();
    r.set(99);
  });
  EXPECT_EQ(r.get(), 99);
  stop = true;
  producer.join();
  ticker.join();
  EXPECT_GE(seen, 5) << "the ticker fiber should run while main waits on the result";
}

TEST_F(AsyncResultTest, WaitingFromAnotherThreadIsAUsageError) {
  grove::AsyncResult<int> r;
  bool threw = false;
  std::thread other([&] {
    try {
      (void)r.wait(1ms);
    } catch (const grove::UsageError&) {
      threw = true;
    }
    grove::Hub::destroy_current();
  });
  other.join();
  EXPECT_TRUE(threw);
}

TEST_F(AsyncResultTest, EightThreadsSettingTenThousandEachLoseNothing) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10'000;
  std::vector<grove::AsyncResult<int>> results(kThreads * kPerThread);
  int callbacks = 0;
  for (auto& r : results) r.add_callback([&](const grove::AsyncResult<int>&) { ++callbacks; });
  std::atomic<int> rejected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        results[n].set(n);
        try {
          results[n].set(-1);  // every second set is refused, even across threads
        } catch (const grove::UsageError&) {
          ++rejected;
        }
      }
    });
  }
  long long sum = 0;
  for (int n = 0; n < kThreads * kPerThread; ++n) {
    ASSERT_EQ(results[n].get(1s), n);
    sum += n;
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(rejected.load(), kThreads * kPerThread);
  EXPECT_EQ(callbacks, kThreads * kPerThread);
  EXPECT_EQ(sum, static_cast<long long>(kThreads * kPerThread) * (kThreads * kPerThread - 1) / 2);
}

// The seed: "AsyncResult ... allows you to send a value along with the
// wakeup call": a setter sleeps, then sets; the waiter's get() unblocks.
TEST_F(AsyncResultTest, SeedSetterAndWaiter) {
  std::vector<std::string> out;
  grove::AsyncResult<std::string> a;
  auto setter = grove::spawn([&] {
    grove::this_fiber::sleep(30ms);  // the tutorial sleeps 3 s
    a.set("Hello!");
  });
  auto waiter = grove::spawn([&] {
    out.push_back(a.get());  // blocking
    out.push_back("I live!");
  });
  grove::joinall(std::vector<grove::Fiber<>>{setter, waiter});
  EXPECT_EQ(out, (std::vector<std::string>{"Hello!", "I live!"}));
}

}  // namespace

TEST_F(AsyncResultTest, SetFromAnotherThreadAfterTheHubIsGoneIsDropped) {
  // The owning hub may be destroyed while a worker still holds the result:
  // the late set() must neither crash nor post into the dead hub.
  grove::AsyncResult<int> r;
  std::atomic<bool> set_done{false};
  std::thread worker([r, &set_done]() mutable {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    r.set(1);
    set_done = true;
  });
  grove::Hub::destroy_current();
  worker.join();
  EXPECT_TRUE(set_done);
}
