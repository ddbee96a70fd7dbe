// mpsc_queue_test.cpp — detail::MpscQueue: push order comes back from
// take_all(), push() reports the empty-to-busy edge, and under 4 producer
// threads × 100,000 items nothing is lost or duplicated and each producer's
// items arrive in the order it pushed them.

#include <grove/detail/mpsc_queue.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

namespace {

struct Item {
  Item* next = nullptr;
  std::uint32_t producer = 0;
  std::uint32_t seq = 0;
};
using Queue = grove::detail::MpscQueue<Item, &Item::next>;

TEST(MpscQueueTest, TakeAllReturnsItemsInPushOrder) {
  Queue q;
  std::vector<Item> items(5);
  for (std::uint32_t i = 0; i < items.size(); ++i) {
    items[i].seq = i;
    q.push(&items[i]);
  }
  std::vector<std::uint32_t> got;
  for (Item* n = q.take_all(); n; n = n->next) got.push_back(n->seq);
  EXPECT_EQ(got, (std::vector<std::uint32_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.take_all(), nullptr);
}

TEST(MpscQueueTest, PushReportsTheEmptyToBusyEdgeOnly) {
  Queue q;
  Item a, b, c;
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(q.push(&a));
  EXPECT_FALSE(q.empty());
  EXPECT_FALSE(q.push(&b));
  ASSERT_EQ(q.take_all(), &a);
  EXPECT_TRUE(q.push(&c));  // emptied by take_all: the next push is an edge again
  EXPECT_EQ(q.take_all(), &c);
  EXPECT_EQ(c.next, nullptr);
}

TEST(MpscQueueTest, PushChainAppendsAChainInOneStep) {
  Queue q;
  Item a, b, c, d;
  a.seq = 0;
  b.seq = 1;
  c.seq = 2;
  d.seq = 3;
  q.push(&a);
  // b, c, d linked newest to oldest: d -> c -> b.
  d.next = &c;
  c.next = &b;
  EXPECT_FALSE(q.push_chain(&d, &b));
  std::vector<std::uint32_t> got;
  for (Item* n = q.take_all(); n; n = n->next) got.push_back(n->seq);
  EXPECT_EQ(got, (std::vector<std::uint32_t>{0, 1, 2, 3}));
  EXPECT_TRUE(q.push_chain(&a, &a));  // a chain of one on an empty queue: an edge
  EXPECT_EQ(q.take_all_unordered(), &a);
  EXPECT_TRUE(q.empty());
}

// Four producers push 100,000 items each while the consumer drains in
// batches; every item arrives once, and per producer in sequence order.
TEST(MpscQueueTest, FourProducersLoseNothingAndKeepPerProducerOrder) {
  constexpr std::uint32_t kProducers = 4;
  constexpr std::uint32_t kPerProducer = 100'000;
  std::vector<std::vector<Item>> items(kProducers, std::vector<Item>(kPerProducer));
  Queue q;
  std::atomic<std::uint32_t> edges{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> producers;
  for (std::uint32_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint32_t i = 0; i < kPerProducer; ++i) {
        Item& it = items[p][i];
        it.producer = p;
        it.seq = i;
        if (q.push(&it)) edges.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  go.store(true, std::memory_order_release);
  std::vector<std::uint32_t> next_seq(kProducers, 0);
  std::size_t received = 0;
  std::size_t batches = 0;
  bool in_order = true;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (received < std::size_t{kProducers} * kPerProducer && std::chrono::steady_clock::now() < give_up) {
    Item* n = q.take_all();
    if (!n) {
      std::this_thread::yield();
      continue;
    }
    ++batches;
    for (; n; n = n->next) {
      ASSERT_LT(n->producer, kProducers);
      if (n->seq != next_seq[n->producer]) in_order = false;
      next_seq[n->producer] = n->seq + 1;
      ++received;
    }
  }
  for (auto& t : producers) t.join();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(received, std::size_t{kProducers} * kPerProducer);
  for (std::uint32_t p = 0; p < kProducers; ++p) EXPECT_EQ(next_seq[p], kPerProducer) << "producer " << p;
  EXPECT_TRUE(q.empty());
  // Each batch was preceded by exactly one edge (the push that found the
  // queue empty), so the two counts agree.
  EXPECT_EQ(edges.load(), batches);
}

}  // namespace
