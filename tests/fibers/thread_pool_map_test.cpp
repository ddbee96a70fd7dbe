// thread_pool_map_test.cpp — ThreadPool's map, imap_unordered, join, kill and resizing (gevent's
// ThreadPool.map/imap_unordered/join/kill and its maxsize). Worker threads run in real time; waits are
// gated by promises rather than by wall-clock bounds, and polls are bounded.

#include <grove/thread_pool.hpp>

#include <grove/async_result.hpp>
#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

using ThreadPoolMapTest = grove::test::HubTest;

// until(pred) polls pred on the hub (other fibers run) for at most 5 s of real time.
template <class Pred>
bool until(Pred pred) {
  for (int i = 0; i < 5000 && !pred(); ++i) grove::this_fiber::sleep(1ms);
  return pred();
}

TEST_F(ThreadPoolMapTest, MapReturnsResultsInInputOrder) {
  grove::ThreadPool pool(3);
  std::vector<int> xs(20);
  std::iota(xs.begin(), xs.end(), 1);
  const auto hub_thread = std::this_thread::get_id();
  std::atomic<int> off_hub{0};
  auto squares = pool.map(
      [&](int x) {
        if (std::this_thread::get_id() != hub_thread) ++off_hub;
        return x * x;
      },
      xs);
  ASSERT_EQ(squares.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(squares[static_cast<std::size_t>(i)], (i + 1) * (i + 1));
  EXPECT_EQ(off_hub.load(), 20);
  std::atomic<int> calls{0};
  pool.map([&](int) { ++calls; }, xs);  // void: returns nothing
  EXPECT_EQ(calls.load(), 20);
}

TEST_F(ThreadPoolMapTest, MapRethrowsTheFirstFailureInInputOrder) {
  grove::ThreadPool pool(2);
  try {
    (void)pool.map(
        [](int x) {
          if (x >= 3) throw std::runtime_error("bad " + std::to_string(x));
          return x;
        },
        std::vector<int>{1, 2, 3, 4});
    FAIL() << "expected the failure of item 3";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "bad 3");
  }
  pool.join();  // the later job ran anyway
}

TEST_F(ThreadPoolMapTest, ImapUnorderedYieldsInCompletionOrder) {
  grove::ThreadPool pool(2);
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  auto seq = pool.imap_unordered(
      [opened](int x) {
        if (x == 0) opened.wait();  // item 0 finishes only once item 1 was read
        return x;
      },
      std::vector<int>{0, 1});
  EXPECT_EQ(seq.next(), 1);
  gate.set_value();
  EXPECT_EQ(seq.next(), 0);
  EXPECT_EQ(seq.next(), std::nullopt);
}

TEST_F(ThreadPoolMapTest, ImapUnorderedRethrowsAFailureAtItsPlaceAndGoesOn) {
  grove::ThreadPool pool(1);  // one worker: completion order is input order
  auto seq = pool.imap_unordered(
      [](int x) {
        if (x == 2) throw std::runtime_error("two");
        return x;
      },
      std::vector<int>{1, 2, 3});
  EXPECT_EQ(seq.next(), 1);
  EXPECT_THROW((void)seq.next(), std::runtime_error);
  EXPECT_EQ(seq.next(), 3);
  EXPECT_EQ(seq.next(), std::nullopt);
  std::multiset<int> all;
  for (int v : pool.imap_unordered([](int x) { return -x; }, std::vector<int>{1, 2, 3})) all.insert(v);
  EXPECT_EQ(all, (std::multiset<int>{-3, -2, -1}));
}

TEST_F(ThreadPoolMapTest, JoinWaitsForQueuedAndRunningJobsWhileFibersRun) {
  grove::ThreadPool pool(1);
  std::atomic<int> done{0};
  for (int i = 0; i < 3; ++i) {
    (void)pool.spawn([&] {
      std::this_thread::sleep_for(5ms);
      ++done;
    });
  }
  int ticks = 0;
  auto ticker = grove::spawn([&] {
    while (done.load() < 3) {
      ++ticks;
      grove::this_fiber::sleep(1ms);
    }
  });
  pool.join();
  EXPECT_EQ(done.load(), 3);
  EXPECT_EQ(pool.queued(), 0u);
  ticker.join();
  EXPECT_GT(ticks, 0);  // the hub kept running fibers during join()
  pool.join();          // nothing outstanding: returns at once
}

TEST_F(ThreadPoolMapTest, JoinWithATimeout) {
  grove::ThreadPool pool(1);
  std::promise<void> gate;
  auto r = pool.spawn([opened = gate.get_future().share()] { opened.wait(); });
  EXPECT_FALSE(pool.join(10ms));
  gate.set_value();
  EXPECT_TRUE(pool.join(5s));
  EXPECT_TRUE(r.ready());
}

TEST_F(ThreadPoolMapTest, KillDropsQueuedJobsAndRefusesNewOnes) {
  grove::ThreadPool pool(1);
  std::promise<void> gate;
  std::atomic<bool> started{false};
  auto running = pool.spawn([&started, opened = gate.get_future().share()] {
    started = true;
    opened.wait();
    return 1;
  });
  std::atomic<bool> queued_ran{false};
  auto queued = pool.spawn([&] { queued_ran = true; });
  ASSERT_TRUE(until([&] { return started.load(); }));
  pool.kill();  // does not block on the running job
  EXPECT_THROW(queued.get(), grove::ThreadPoolKilled);
  EXPECT_THROW((void)pool.spawn([] {}), grove::UsageError);
  gate.set_value();
  EXPECT_EQ(running.get(), 1);  // the running job finishes
  EXPECT_TRUE(until([&] { return pool.size() == 0; }));
  EXPECT_FALSE(queued_ran.load());
  pool.kill();  // idempotent
}

TEST_F(ThreadPoolMapTest, GrowingStartsThreadsAtOnce) {
  grove::ThreadPool pool(1);
  pool.set_maxsize(3);
  EXPECT_EQ(pool.maxsize(), 3u);
  EXPECT_EQ(pool.size(), 3u);
  // Three jobs that each wait for the other two: only three threads can run them.
  std::atomic<int> arrived{0};
  auto rendezvous = [&arrived] {
    ++arrived;
    for (int i = 0; i < 5000 && arrived.load() < 3; ++i) std::this_thread::sleep_for(1ms);
    return arrived.load();
  };
  auto a = pool.spawn(rendezvous);
  auto b = pool.spawn(rendezvous);
  auto c = pool.spawn(rendezvous);
  EXPECT_EQ(a.get(), 3);
  EXPECT_EQ(b.get(), 3);
  EXPECT_EQ(c.get(), 3);
  EXPECT_THROW(pool.set_maxsize(0), grove::UsageError);
}

TEST_F(ThreadPoolMapTest, ShrinkingRetiresIdleThreadsAtOnceAndBusyOnesAfterTheirJob) {
  grove::ThreadPool pool(3);
  pool.set_maxsize(2);
  EXPECT_EQ(pool.maxsize(), 2u);
  EXPECT_TRUE(until([&] { return pool.size() == 2; }));  // an idle one retired
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  std::atomic<int> started{0};
  auto r1 = pool.spawn([&started, opened] {
    ++started;
    opened.wait();
  });
  auto r2 = pool.spawn([&started, opened] {
    ++started;
    opened.wait();
  });
  ASSERT_TRUE(until([&] { return started.load() == 2; }));
  pool.set_maxsize(1);
  EXPECT_EQ(pool.size(), 2u);  // both busy: none retires yet
  gate.set_value();
  r1.get();
  r2.get();
  EXPECT_TRUE(until([&] { return pool.size() == 1; }));
  EXPECT_EQ(pool.apply([] { return 7; }), 7);  // the one left still works
  pool.set_maxsize(2);                         // and it can grow again
  EXPECT_EQ(pool.size(), 2u);
}

}  // namespace
