// queue_test.cpp — grove::Queue<T>: put/get and their timeout, try_ and _nowait forms, size/empty/full/maxsize, peek,
// move-only items and the ring buffer's growth.

#include "queue_test_support.hpp"

namespace {

TEST_F(QueueTest, StartsEmptyAndReportsItsBounds) {
  grove::Queue<int> unbounded;
  EXPECT_EQ(unbounded.maxsize(), 0u);
  EXPECT_TRUE(unbounded.empty());
  EXPECT_FALSE(unbounded.full());
  EXPECT_EQ(unbounded.size(), 0u);
  EXPECT_FALSE(unbounded.closed());

  grove::Queue<int> bounded(2);
  EXPECT_EQ(bounded.maxsize(), 2u);
  bounded.put(1);
  EXPECT_FALSE(bounded.full());
  bounded.put(2);
  EXPECT_TRUE(bounded.full());
  EXPECT_EQ(bounded.size(), 2u);
  EXPECT_FALSE(bounded.empty());
}

TEST_F(QueueTest, PutAndGetAreFirstInFirstOut) {
  grove::Queue<std::string> q;
  q.put("a");
  const std::string b = "b";
  q.put(b);  // the const& overload copies
  EXPECT_EQ(b, "b");
  q.put(std::string("c"));
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.get(), "c");
  EXPECT_TRUE(q.empty());
}

TEST_F(QueueTest, UnboundedQueueGrowsAndKeepsOrderAcrossWrapArounds) {
  grove::Queue<int> q;
  int next_in = 0, next_out = 0;
  // Interleave puts and gets so the ring's head wraps while it grows.
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < round * 7 + 3; ++i) q.put(next_in++);
    for (int i = 0; i < round * 5 + 1; ++i) ASSERT_EQ(q.get(), next_out++);
  }
  EXPECT_EQ(q.size(), static_cast<std::size_t>(next_in - next_out));
  while (auto v = q.try_get()) ASSERT_EQ(*v, next_out++);
  EXPECT_EQ(next_out, next_in);
}

TEST_F(QueueTest, DestroyingAQueueDestroysTheItemsItHolds) {
  ASSERT_EQ(Tracked::live, 0);
  {
    grove::Queue<Tracked> q;
    for (int i = 0; i < 100; ++i) q.put(Tracked(i));
    for (int i = 0; i < 40; ++i) EXPECT_EQ(q.get().value, i);
    EXPECT_EQ(Tracked::live, 60);
  }
  EXPECT_EQ(Tracked::live, 0);
}

TEST_F(QueueTest, MoveOnlyItemsGoThrough) {
  grove::Queue<std::unique_ptr<int>> q(1);
  q.put(std::make_unique<int>(7));
  auto extra = std::make_unique<int>(8);
  EXPECT_FALSE(q.try_put(std::move(extra)));
  ASSERT_TRUE(extra) << "a failed try_put must not move the item away";
  EXPECT_THROW(q.put_nowait(std::move(extra)), grove::QueueFull);
  ASSERT_TRUE(extra);
  EXPECT_THROW(q.put(std::move(extra), 10ms), grove::QueueFull);
  ASSERT_TRUE(extra) << "a timed-out put must leave the item with the caller";
  EXPECT_EQ(*q.peek(), 7);
  EXPECT_EQ(*q.get(), 7);
  EXPECT_TRUE(q.try_put(std::move(extra)));
  EXPECT_FALSE(extra);
  EXPECT_EQ(*q.get_nowait(), 8);
}

TEST_F(QueueTest, GetBlocksUntilAnItemIsPut) {
  SimulatedHub sim;
  grove::Queue<int> q;
  auto producer = grove::spawn([&] {
    log.push_back("producer sleeps");
    grove::this_fiber::sleep(20ms);
    log.push_back("producer puts");
    q.put(42);
  });
  const auto t0 = sim.now();
  EXPECT_EQ(q.get(), 42);
  log.push_back("main got it");
  EXPECT_EQ(sim.now() - t0, 20ms);
  producer.join();
  EXPECT_EQ(log, (std::vector<std::string>{"producer sleeps", "producer puts", "main got it"}));
}

TEST_F(QueueTest, PutBlocksWhileFullAndResumesWhenAGetMakesRoom) {
  grove::Queue<int> q(2);
  auto producer = grove::spawn([&] {
    for (int i = 1; i <= 4; ++i) {
      q.put(i);
      log.push_back("put " + std::to_string(i));
    }
  });
  grove::this_fiber::sleep(10ms);
  EXPECT_EQ(log, (std::vector<std::string>{"put 1", "put 2"}));
  EXPECT_TRUE(q.full());
  EXPECT_EQ(q.get(), 1);
  grove::this_fiber::yield();
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(q.get(), 2);
  EXPECT_EQ(q.get(), 3);
  EXPECT_EQ(q.get(), 4);
  producer.join();
  EXPECT_EQ(log.back(), "put 4");
}

TEST_F(QueueTest, BlockedGettersAreServedInArrivalOrder) {
  grove::Queue<int> q;
  std::vector<grove::Fiber<>> getters;
  for (int i = 0; i < 3; ++i)
    getters.push_back(
        grove::spawn([&, i] { log.push_back("getter " + std::to_string(i) + " got " + std::to_string(q.get())); }));
  grove::this_fiber::yield();  // all three park
  for (int v = 10; v < 13; ++v) q.put(v);
  grove::joinall(getters);
  EXPECT_EQ(log, (std::vector<std::string>{"getter 0 got 10", "getter 1 got 11", "getter 2 got 12"}));
}

TEST_F(QueueTest, GetWithTimeoutThrowsQueueEmptyWhenNothingArrives) {
  SimulatedHub sim;
  grove::Queue<int> q;
  const auto t0 = sim.now();
  EXPECT_THROW(q.get(30ms), grove::QueueEmpty);
  EXPECT_EQ(sim.now() - t0, 30ms);
  q.put(5);
  EXPECT_EQ(q.get(30ms), 5);  // an item already there is returned at once
  auto producer = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    q.put(6);
  });
  EXPECT_EQ(q.get(1s), 6);
  producer.join();
}

TEST_F(QueueTest, GetWithZeroTimeoutOnAnEmptyQueueFailsFast) {
  SimulatedHub sim;
  grove::Queue<int> q;
  const auto t0 = sim.now();
  EXPECT_THROW(q.get(0s), grove::QueueEmpty);
  EXPECT_EQ(sim.now() - t0, 0ms);
}

TEST_F(QueueTest, PutWithTimeoutThrowsQueueFullWhenNoRoomAppears) {
  SimulatedHub sim;
  grove::Queue<std::string> q(1);
  q.put("first");
  std::string item = "second";
  const auto t0 = sim.now();
  EXPECT_THROW(q.put(std::move(item), 30ms), grove::QueueFull);
  EXPECT_EQ(sim.now() - t0, 30ms);
  // NOLINTNEXTLINE(bugprone-use-after-move): a refused put must not consume its argument
  EXPECT_EQ(item, "second") << "the item stays with the caller";
  const std::string copy = "copy";
  EXPECT_THROW(q.put(copy, 5ms), grove::QueueFull);
  auto consumer = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    log.push_back(q.get());
  });
  q.put(std::move(item), 1s);  // room appears after 10 ms
  consumer.join();
  EXPECT_EQ(log, (std::vector<std::string>{"first"}));
  EXPECT_EQ(q.get(), "second");
}

TEST_F(QueueTest, NegativeOrNaNTimeoutsAreUsageErrors) {
  grove::Queue<int> q(1);
  EXPECT_THROW(q.get(-1ms), grove::UsageError);
  EXPECT_THROW(q.peek(-1ms), grove::UsageError);
  EXPECT_THROW(q.put(1, std::chrono::duration<double>(std::nan(""))), grove::UsageError);
  EXPECT_TRUE(q.empty()) << "a rejected put adds nothing";
}

TEST_F(QueueTest, TryPutAndPutNowaitRespectMaxsize) {
  grove::Queue<int> q(2);
  EXPECT_TRUE(q.try_put(1));
  const int two = 2;
  EXPECT_TRUE(q.try_put(two));
  EXPECT_FALSE(q.try_put(3));
  EXPECT_THROW(q.put_nowait(3), grove::QueueFull);
  EXPECT_THROW(q.put_nowait(two), grove::QueueFull);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.get(), 1);
  q.put_nowait(two);
  EXPECT_EQ(q.get(), 2);
  EXPECT_EQ(q.get(), 2);
}

TEST_F(QueueTest, TryGetAndGetNowaitNeverBlock) {
  grove::Queue<int> q;
  EXPECT_EQ(q.try_get(), std::nullopt);
  EXPECT_THROW(q.get_nowait(), grove::QueueEmpty);
  q.put(1);
  q.put(2);
  EXPECT_EQ(q.try_get(), 1);
  EXPECT_EQ(q.get_nowait(), 2);
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TEST_F(QueueTest, TryGetAndGetNowaitWakeABlockedPutter) {
  grove::Queue<int> q(1);
  q.put(1);
  auto producer = grove::spawn([&] { q.put(2); });
  grove::this_fiber::yield();
  EXPECT_FALSE(producer.dead());
  EXPECT_EQ(q.try_get(), 1);
  producer.join();
  EXPECT_EQ(q.get_nowait(), 2);
}

TEST_F(QueueTest, PeekShowsTheNextItemWithoutRemovingIt) {
  grove::Queue<int> q;
  EXPECT_THROW(q.peek_nowait(), grove::QueueEmpty);
  q.put(1);
  q.put(2);
  EXPECT_EQ(q.peek(), 1);
  EXPECT_EQ(q.peek_nowait(), 1);
  EXPECT_EQ(q.peek(10ms), 1);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.get(), 1);
  EXPECT_EQ(q.peek(), 2);
}

TEST_F(QueueTest, PeekBlocksUntilAnItemAndTimesOutWithQueueEmpty) {
  SimulatedHub sim;
  grove::Queue<int> q;
  const auto t0 = sim.now();
  EXPECT_THROW(q.peek(20ms), grove::QueueEmpty);
  EXPECT_EQ(sim.now() - t0, 20ms);
  auto producer = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    q.put(9);
  });
  EXPECT_EQ(q.peek(), 9);
  EXPECT_EQ(q.size(), 1u);
  producer.join();
}

TEST_F(QueueTest, APeekerPassesItsWakeOnToAWaitingGetter) {
  grove::Queue<int> q;
  auto peeker = grove::spawn([&] { log.push_back("peeked " + std::to_string(q.peek())); });
  auto getter = grove::spawn([&] { log.push_back("got " + std::to_string(q.get())); });
  grove::this_fiber::yield();  // both park, the peeker first
  q.put(5);                    // one put wakes one waiter: the peeker
  peeker.join();
  getter.join();  // would hang (LoopExit) if the peeker kept the wake
  EXPECT_EQ(log, (std::vector<std::string>{"peeked 5", "got 5"}));
  EXPECT_TRUE(q.empty());
}

}  // namespace
