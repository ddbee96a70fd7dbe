// lifo_queue_test.cpp — grove::LifoQueue<T>: newest first, through every
// call of the shared queue (blocking, timeouts, nowait forms, peek, close,
// range-for), bounded and unbounded.

#include <grove/lifo_queue.hpp>

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include "mailbox_test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using grove::test::ms_since;
using grove::test::SteadyClock;
using grove::test::Tracked;

namespace {

class LifoQueueTest : public grove::test::MailboxTest {};

TEST_F(LifoQueueTest, GetReturnsTheNewestItemFirst) {
  grove::LifoQueue<int> q;
  EXPECT_EQ(q.maxsize(), 0u);
  for (int i = 1; i <= 5; ++i) q.put(i);
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(q.peek(), 5);
  EXPECT_EQ(q.peek_nowait(), 5);
  EXPECT_EQ(q.get(), 5);
  EXPECT_EQ(q.get_nowait(), 4);
  EXPECT_EQ(q.try_get(), 3);
  q.put(10);
  EXPECT_EQ(q.get(), 10);
  EXPECT_EQ(q.get(), 2);
  EXPECT_EQ(q.get(), 1);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.try_get(), std::nullopt);
  EXPECT_THROW(q.get_nowait(), grove::QueueEmpty);
  EXPECT_THROW(q.peek_nowait(), grove::QueueEmpty);
}

TEST_F(LifoQueueTest, GrowsPastItsFirstCapacityAndKeepsLifoOrder) {
  grove::LifoQueue<int> q;
  for (int i = 0; i < 1000; ++i) {
    q.put(i);
    if (i % 3 == 0) {
      EXPECT_EQ(q.get(), i);
    }
  }
  int last = 1000;
  while (auto v = q.try_get()) {
    EXPECT_LT(*v, last);
    last = *v;
  }
}

TEST_F(LifoQueueTest, BoundedPutBlocksAndTimesOutWithQueueFull) {
  grove::LifoQueue<std::string> q(2);
  q.put("a");
  q.put("b");
  EXPECT_TRUE(q.full());
  EXPECT_FALSE(q.try_put("c"));
  EXPECT_THROW(q.put_nowait("c"), grove::QueueFull);
  std::string c = "c";
  EXPECT_THROW(q.put(std::move(c), 10ms), grove::QueueFull);
  EXPECT_EQ(c, "c");
  auto consumer = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    log.push_back(q.get());
  });
  q.put(std::move(c));  // blocks until the consumer took "b"
  consumer.join();
  EXPECT_EQ(log, (std::vector<std::string>{"b"}));
  EXPECT_EQ(q.get(), "c");
  EXPECT_EQ(q.get(), "a");
}

TEST_F(LifoQueueTest, GetAndPeekBlockAndTimeOutWithQueueEmpty) {
  grove::LifoQueue<int> q;
  auto t0 = SteadyClock::now();
  EXPECT_THROW(q.get(20ms), grove::QueueEmpty);
  EXPECT_GE(ms_since(t0), 20);
  EXPECT_THROW(q.peek(5ms), grove::QueueEmpty);
  auto producer = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    q.put(1);
    q.put(2);
  });
  EXPECT_EQ(q.peek(), 2);
  EXPECT_EQ(q.get(1s), 2);
  EXPECT_EQ(q.peek(1s), 1);
  EXPECT_EQ(q.get(), 1);
  producer.join();
}

TEST_F(LifoQueueTest, CloseDrainsNewestFirstThenRaises) {
  grove::LifoQueue<int> q;
  q.put(1);
  q.put(2);
  q.close();
  EXPECT_TRUE(q.closed());
  EXPECT_THROW(q.put(3), grove::QueueShutDown);
  std::vector<int> seen;
  for (int v : q) seen.push_back(v);
  EXPECT_EQ(seen, (std::vector<int>{2, 1}));
  EXPECT_THROW(q.get(), grove::QueueShutDown);
}

TEST_F(LifoQueueTest, HoldsMoveOnlyItemsAndDestroysLeftovers) {
  {
    grove::LifoQueue<std::unique_ptr<Tracked>> q;
    for (int i = 0; i < 40; ++i) q.put(std::make_unique<Tracked>(i));
    EXPECT_EQ(q.get()->value, 39);
    EXPECT_EQ(Tracked::live, 39);
  }
  EXPECT_EQ(Tracked::live, 0);
}

}  // namespace
