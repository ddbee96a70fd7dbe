// thread_pool_test.cpp — grove::ThreadPool: jobs on OS worker threads whose
// results come back through AsyncResult while the hub keeps running other
// fibers; exceptions, move-only arguments, shutdown and misuse.

#include <grove/thread_pool.hpp>

#include <grove/async_result.hpp>
#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

using ThreadPoolTest = grove::test::HubTest;

// Busy CPU work the optimiser cannot drop.
std::uint64_t collatz_steps(std::uint64_t limit) {
  std::uint64_t total = 0;
  for (std::uint64_t n = 1; n < limit; ++n) {
    std::uint64_t x = n;
    while (x != 1) {
      x = (x % 2) ? 3 * x + 1 : x / 2;
      ++total;
    }
  }
  return total;
}

TEST_F(ThreadPoolTest, SizeZeroIsAUsageError) { EXPECT_THROW(grove::ThreadPool(0), grove::UsageError); }

TEST_F(ThreadPoolTest, SpawnRunsOnAWorkerThreadAndReturnsAnAsyncResult) {
  grove::ThreadPool pool(2);
  EXPECT_EQ(pool.size(), 2u);
  const auto hub_thread = std::this_thread::get_id();
  auto r = pool.spawn([](int a, int b) { return std::make_pair(a + b, std::this_thread::get_id()); }, 2, 3);
  static_assert(std::is_same_v<decltype(r), grove::AsyncResult<std::pair<int, std::thread::id>>>);
  auto [sum, worker] = r.get();
  EXPECT_EQ(sum, 5);
  EXPECT_NE(worker, hub_thread);
}

TEST_F(ThreadPoolTest, ExceptionsReachTheWaiter) {
  grove::ThreadPool pool(1);
  auto r = pool.spawn([]() -> int { throw std::runtime_error("worker failed"); });
  EXPECT_THROW(r.get(), std::runtime_error);
  EXPECT_FALSE(r.successful());
  EXPECT_THROW(pool.apply([] { throw std::logic_error("again"); }), std::logic_error);
}

TEST_F(ThreadPoolTest, VoidJobsAndMoveOnlyArguments) {
  grove::ThreadPool pool(2);
  std::atomic<int> hits{0};
  auto v = pool.spawn([&] { ++hits; });
  static_assert(std::is_same_v<decltype(v), grove::AsyncResult<void>>);
  v.get();
  EXPECT_EQ(hits.load(), 1);
  auto r = pool.spawn([](std::unique_ptr<int> p) { return *p * 2; }, std::make_unique<int>(21));
  EXPECT_EQ(r.get(), 42);
  EXPECT_EQ(pool.apply([](const std::string& s) { return s.size(); }, std::string("four")), 4u);
}

// CPU work offloaded to the pool while another fiber keeps switching: the
// worker computes until it has seen the counter fiber advance 10 times, so the
// waiting fiber did not block the hub. No wall-clock bound: the worker only
// gives up (and the check fails) if the counter stalls for 10 s.
TEST_F(ThreadPoolTest, OtherFibersRunDuringOffloadedWork) {
  grove::ThreadPool pool(1);
  std::atomic<int> ticks{0};
  bool done = false;
  auto counter = grove::spawn([&] {
    while (!done) {
      ++ticks;
      grove::this_fiber::sleep(1ms);
    }
  });
  auto work = pool.spawn([&ticks] {
    const int before = ticks.load();
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    std::uint64_t steps = 0;
    while (ticks.load() - before < 10 && std::chrono::steady_clock::now() < give_up) steps += collatz_steps(2000);
    return std::make_pair(steps, ticks.load() - before);
  });
  const auto [steps, during] = work.get();
  done = true;
  counter.join();
  EXPECT_GT(steps, 0u);
  EXPECT_GE(during, 10) << "the counter fiber should keep running while the worker computes";
}

TEST_F(ThreadPoolTest, ManyJobsFromManyFibersOnAllWorkers) {
  grove::ThreadPool pool(4);
  std::vector<grove::Fiber<long>> fibers;
  std::mutex ids_mutex;
  std::set<std::thread::id> ids;
  for (int f = 0; f < 8; ++f) {
    fibers.push_back(grove::spawn([&, f] {
      long sum = 0;
      for (int i = 0; i < 50; ++i) {
        sum += pool.spawn([&, i] {
                     {
                       std::lock_guard lock(ids_mutex);
                       ids.insert(std::this_thread::get_id());
                     }
                     std::this_thread::sleep_for(50us);
                     return static_cast<long>(f) * 1000 + i;
                   })
                   .get();
      }
      return sum;
    }));
  }
  long total = 0;
  for (auto& f : fibers) total += f.get();
  long expected = 0;
  for (int f = 0; f < 8; ++f)
    for (int i = 0; i < 50; ++i) expected += f * 1000 + i;
  EXPECT_EQ(total, expected);
  EXPECT_GE(ids.size(), 2u);
  EXPECT_LE(ids.size(), 4u);
}

TEST_F(ThreadPoolTest, ShutdownFinishesQueuedJobsThenRefusesNewOnes) {
  grove::ThreadPool pool(1);
  std::atomic<int> ran{0};
  std::vector<grove::AsyncResult<int>> results;
  for (int i = 0; i < 20; ++i)
    results.push_back(pool.spawn([&, i] {
      std::this_thread::sleep_for(200us);
      ++ran;
      return i;
    }));
  EXPECT_GT(pool.queued(), 0u);
  pool.shutdown();
  EXPECT_EQ(ran.load(), 20);
  EXPECT_EQ(pool.queued(), 0u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(results[i].get(), i);  // delivered after the join
  EXPECT_THROW(pool.spawn([] { return 0; }), grove::UsageError);
  pool.shutdown();  // idempotent
}

TEST_F(ThreadPoolTest, DestructorShutsDown) {
  std::atomic<int> ran{0};
  grove::AsyncResult<> last;
  {
    grove::ThreadPool pool(2);
    for (int i = 0; i < 10; ++i)
      last = pool.spawn([&] {
        std::this_thread::sleep_for(100us);
        ++ran;
      });
  }
  EXPECT_EQ(ran.load(), 10);
  last.get();
}

TEST_F(ThreadPoolTest, SpawnFromAnotherThreadReturnsToThatThreadsHub) {
  grove::ThreadPool pool(1);
  int got = 0;
  std::thread other([&] {
    got = pool.spawn([] { return 7; }).get();  // waits on this thread's own hub
    grove::Hub::destroy_current();
  });
  other.join();
  EXPECT_EQ(got, 7);
}

TEST_F(ThreadPoolTest, WaitingWithATimeout) {
  grove::ThreadPool pool(1);
  auto r = pool.spawn([] {
    std::this_thread::sleep_for(40ms);
    return 1;
  });
  EXPECT_FALSE(r.wait(5ms));
  EXPECT_EQ(r.get(1s), 1);
}

}  // namespace
