// priority_queue_test.cpp — grove::PriorityQueue<T, Compare>: smallest first
// by default (gevent/heapq), a configurable comparator, and every call of
// the shared queue (blocking, timeouts, nowait forms, peek, close, range-for).

#include <grove/priority_queue.hpp>

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include "mailbox_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using grove::test::ms_since;
using grove::test::SteadyClock;
using grove::test::Tracked;

namespace {

class PriorityQueueTest : public grove::test::MailboxTest {};

TEST_F(PriorityQueueTest, GetReturnsTheSmallestItemFirst) {
  grove::PriorityQueue<int> q;
  for (int v : {5, 1, 4, 2, 3}) q.put(v);
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(q.peek(), 1);
  EXPECT_EQ(q.get(), 1);
  EXPECT_EQ(q.get_nowait(), 2);
  q.put(0);
  EXPECT_EQ(q.peek_nowait(), 0);
  EXPECT_EQ(q.try_get(), 0);
  EXPECT_EQ(q.get(), 3);
  EXPECT_EQ(q.get(), 4);
  EXPECT_EQ(q.get(), 5);
  EXPECT_EQ(q.try_get(), std::nullopt);
  EXPECT_THROW(q.get_nowait(), grove::QueueEmpty);
  EXPECT_THROW(q.peek_nowait(), grove::QueueEmpty);
}

TEST_F(PriorityQueueTest, PrioritisedPairsComeOutLikeHeapq) {
  // gevent's documented use: (priority, data) tuples.
  grove::PriorityQueue<std::pair<int, std::string>> q;
  q.put({2, "code"});
  q.put({1, "eat"});
  q.put({3, "sleep"});
  q.put({1, "drink"});
  std::vector<std::string> order;
  while (auto item = q.try_get()) order.push_back(item->second);
  EXPECT_EQ(order, (std::vector<std::string>{"drink", "eat", "code", "sleep"}));
}

TEST_F(PriorityQueueTest, ComparatorIsConfigurable) {
  grove::PriorityQueue<int, std::greater<int>> largest_first;
  for (int v : {3, 9, 1}) largest_first.put(v);
  EXPECT_EQ(largest_first.get(), 9);
  EXPECT_EQ(largest_first.get(), 3);
  EXPECT_EQ(largest_first.get(), 1);

  struct Job {
    int urgency;
    std::string name;
  };
  auto more_urgent = [](const Job& a, const Job& b) { return a.urgency > b.urgency; };
  grove::PriorityQueue<Job, decltype(more_urgent)> jobs(0, more_urgent);
  jobs.put({1, "later"});
  jobs.put({7, "now"});
  jobs.put({4, "soon"});
  EXPECT_EQ(jobs.peek().name, "now");
  EXPECT_EQ(jobs.get().name, "now");
  EXPECT_EQ(jobs.get().name, "soon");
  EXPECT_EQ(jobs.get().name, "later");
}

TEST_F(PriorityQueueTest, StatefulComparatorIsKept) {
  struct ByDistance {
    int target;
    bool operator()(int a, int b) const { return std::abs(a - target) < std::abs(b - target); }
  };
  grove::PriorityQueue<int, ByDistance> q(0, ByDistance{10});
  for (int v : {0, 20, 12, 7, 10}) q.put(v);
  EXPECT_EQ(q.get(), 10);
  EXPECT_EQ(q.get(), 12);
  EXPECT_EQ(q.get(), 7);
}

TEST_F(PriorityQueueTest, RandomInputComesOutSorted) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> dist(-1000, 1000);
  grove::PriorityQueue<int> q;
  std::vector<int> values;
  for (int i = 0; i < 2000; ++i) {
    values.push_back(dist(rng));
    q.put(values.back());
  }
  std::sort(values.begin(), values.end());
  for (int v : values) ASSERT_EQ(q.get(), v);
}

TEST_F(PriorityQueueTest, BoundedPutBlocksAndTimesOutWithQueueFull) {
  grove::PriorityQueue<int> q(2);
  q.put(5);
  q.put(6);
  EXPECT_TRUE(q.full());
  EXPECT_FALSE(q.try_put(1));
  EXPECT_THROW(q.put_nowait(1), grove::QueueFull);
  EXPECT_THROW(q.put(1, 10ms), grove::QueueFull);
  auto producer = grove::spawn([&] { q.put(1); });
  grove::this_fiber::yield();
  EXPECT_FALSE(producer.dead());
  EXPECT_EQ(q.get(), 5);
  producer.join();
  EXPECT_EQ(q.get(), 1);
  EXPECT_EQ(q.get(), 6);
}

TEST_F(PriorityQueueTest, GetAndPeekBlockAndTimeOutWithQueueEmpty) {
  grove::PriorityQueue<int> q;
  auto t0 = SteadyClock::now();
  EXPECT_THROW(q.get(20ms), grove::QueueEmpty);
  EXPECT_GE(ms_since(t0), 20);
  EXPECT_THROW(q.peek(5ms), grove::QueueEmpty);
  auto producer = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    q.put(8);
    q.put(3);
  });
  // The waiter is woken by the first put and runs after the producer has
  // put both, so it sees the smaller one.
  EXPECT_EQ(q.peek(1s), 3);
  producer.join();
  EXPECT_EQ(q.get(1s), 3);
  EXPECT_EQ(q.peek(), 8);
  EXPECT_EQ(q.get(), 8);
}

TEST_F(PriorityQueueTest, CloseDrainsInOrderThenRaises) {
  grove::PriorityQueue<int> q;
  for (int v : {3, 1, 2}) q.put(v);
  q.close();
  EXPECT_THROW(q.put(0), grove::QueueShutDown);
  EXPECT_THROW((void)q.try_put(0), grove::QueueShutDown);
  std::vector<int> seen;
  for (int v : q) seen.push_back(v);
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_THROW(q.get(), grove::QueueShutDown);
  EXPECT_THROW(q.peek(), grove::QueueShutDown);
}

TEST_F(PriorityQueueTest, DestroysLeftoverItems) {
  {
    grove::PriorityQueue<Tracked> q;
    for (int i = 0; i < 50; ++i) q.put(Tracked(50 - i));
    EXPECT_EQ(q.get().value, 1);
    EXPECT_EQ(Tracked::live, 49);
  }
  EXPECT_EQ(Tracked::live, 0);
}

}  // namespace
