// queue_close_test.cpp — grove::Queue<T>: close, range-for, FIFO order with many producers, the wake-then-re-check
// rules (a killed or timed-out waiter loses nothing), error messages.

#include "queue_test_support.hpp"

namespace {

TEST_F(QueueTest, CloseLetsGettersDrainThenRaisesQueueShutDown) {
  grove::Queue<int> q;
  q.put(1);
  q.put(2);
  q.close();
  q.close();  // idempotent
  EXPECT_TRUE(q.closed());
  EXPECT_THROW(q.put(3), grove::QueueShutDown);
  EXPECT_THROW((void)q.try_put(3), grove::QueueShutDown);
  EXPECT_THROW(q.put_nowait(3), grove::QueueShutDown);
  EXPECT_THROW(q.put(3, 10ms), grove::QueueShutDown);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.peek(), 1);
  EXPECT_EQ(q.get(), 1);
  EXPECT_EQ(q.get(10ms), 2);
  EXPECT_THROW(q.get(), grove::QueueShutDown);
  EXPECT_THROW(q.get(10ms), grove::QueueShutDown);
  EXPECT_THROW(q.get_nowait(), grove::QueueShutDown);
  EXPECT_THROW(q.peek(), grove::QueueShutDown);
  EXPECT_THROW(q.peek_nowait(), grove::QueueShutDown);
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TEST_F(QueueTest, PutOnAClosedQueueThrowsEvenWithRoom) {
  grove::Queue<int> q(10);
  q.close();
  EXPECT_FALSE(q.full());
  EXPECT_THROW(q.put(1), grove::QueueShutDown);
  EXPECT_TRUE(q.empty());
}

TEST_F(QueueTest, CloseWakesBlockedGettersAndPuttersWhoThrow) {
  grove::Queue<int> empty_q;
  grove::Queue<int> full_q(1);
  full_q.put(0);
  auto getter = grove::spawn([&] {
    try {
      empty_q.get();
    } catch (const grove::QueueShutDown&) {
      log.push_back("getter: shut down");
    }
  });
  auto timed_getter = grove::spawn([&] {
    try {
      empty_q.get(10s);
    } catch (const grove::QueueShutDown&) {
      log.push_back("timed getter: shut down");
    }
  });
  auto putter = grove::spawn([&] {
    try {
      full_q.put(1);
    } catch (const grove::QueueShutDown&) {
      log.push_back("putter: shut down");
    }
  });
  grove::this_fiber::yield();
  const auto t0 = SteadyClock::now();
  empty_q.close();
  full_q.close();
  grove::joinall(std::vector<grove::Fiber<>>{getter, timed_getter, putter});
  EXPECT_LT(ms_since(t0), 100);
  EXPECT_EQ(log, (std::vector<std::string>{"getter: shut down", "timed getter: shut down", "putter: shut down"}));
  EXPECT_EQ(full_q.get(), 0) << "the item put before close is still drained";
}

TEST_F(QueueTest, RangeForGetsUntilClosedAndDrained) {
  grove::Queue<int> q(2);
  auto producer = grove::spawn([&] {
    for (int i = 0; i < 5; ++i) q.put(i);
    q.close();
  });
  std::vector<int> seen;
  for (auto&& item : q) seen.push_back(item);
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
  producer.join();
  // A closed, drained queue yields an empty range at once.
  int more = 0;
  for (int item : q) more += item + 1;
  EXPECT_EQ(more, 0);
}

TEST_F(QueueTest, WorksWithRangesViews) {
  grove::Queue<int> q;
  for (int i = 1; i <= 10; ++i) q.put(i);
  std::vector<int> squares;
  for (int v : q | std::views::transform([](int v) { return v * v; }) | std::views::take(3)) squares.push_back(v);
  EXPECT_EQ(squares, (std::vector<int>{1, 4, 9}));
  EXPECT_EQ(q.get(), 4) << "take(3) must not read ahead past the third item";
  // views::filter looks for the next match when advanced, so it consumes
  // items up to (and including) the next match, as with any input range.
  std::vector<int> evens;
  for (int v : q | std::views::filter([](int v) { return v % 2 == 0; }) | std::views::take(2)) evens.push_back(v);
  EXPECT_EQ(evens, (std::vector<int>{6, 8}));
}

TEST_F(QueueTest, TakeNeverWaitsForOneItemTooMany) {
  grove::Queue<int> q;
  q.put(1);
  q.put(2);
  std::vector<int> got;
  for (int v : q | std::views::take(2)) got.push_back(v);  // would block (LoopExit) if it read ahead
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
  q.put(3);
  for (int v : q) {
    got.push_back(v);
    break;
  }
  EXPECT_TRUE(q.empty()) << "break after the first item leaves nothing taken and unseen";
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
}

TEST_F(QueueTest, RangeForMovesMoveOnlyItemsOut) {
  grove::Queue<std::unique_ptr<int>> q;
  q.put(std::make_unique<int>(1));
  q.put(std::make_unique<int>(2));
  q.close();
  std::vector<std::unique_ptr<int>> taken;
  for (auto&& item : q) taken.push_back(std::move(item));
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(*taken[0], 1);
  EXPECT_EQ(*taken[1], 2);
}

TEST_F(QueueTest, ManyProducersKeepEachProducersOrder) {
  constexpr int producers = 20, per = 500;
  grove::Queue<std::pair<int, int>> q(16);
  std::vector<grove::Fiber<>> fibers;
  for (int p = 0; p < producers; ++p)
    fibers.push_back(grove::spawn([&q, p] {
      for (int i = 0; i < per; ++i) {
        q.put({p, i});
        if (i % 7 == 0) grove::this_fiber::yield();
      }
    }));
  std::vector<int> next(producers, 0);
  long long count = 0;
  for (int n = 0; n < producers * per; ++n) {
    auto [p, i] = q.get();
    ASSERT_EQ(i, next[p]) << "producer " << p << " out of order";
    ++next[p];
    ++count;
  }
  grove::joinall(fibers);
  EXPECT_EQ(count, producers * per);
  EXPECT_TRUE(q.empty());
}

TEST_F(QueueTest, SingleProducerSingleConsumerIsExactlyFifo) {
  grove::Queue<int> q(3);
  auto producer = grove::spawn([&] {
    for (int i = 0; i < 1000; ++i) q.put(i);
  });
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(q.get(), i);
  producer.join();
}

TEST_F(QueueTest, AKilledGetterDoesNotSwallowTheWakeOfAnItem) {
  grove::Queue<int> q;
  auto doomed = grove::spawn([&] {
    q.get();
    log.push_back("doomed got an item");
  });
  auto survivor = grove::spawn([&] { log.push_back("survivor got " + std::to_string(q.get())); });
  grove::this_fiber::yield();  // both park; doomed first
  q.put(1);                    // wakes doomed...
  doomed.kill(false);          // ...which dies before it runs
  doomed.join();
  survivor.join();  // the item must reach the survivor
  EXPECT_EQ(log, (std::vector<std::string>{"survivor got 1"}));
  EXPECT_TRUE(q.empty());
}

TEST_F(QueueTest, AKilledPutterDoesNotSwallowTheWakeOfRoom) {
  grove::Queue<int> q(1);
  q.put(0);
  auto doomed = grove::spawn([&] { q.put(1); });
  auto survivor = grove::spawn([&] { q.put(2); });
  grove::this_fiber::yield();
  EXPECT_EQ(q.get(), 0);  // wakes doomed
  doomed.kill(false);
  doomed.join();
  survivor.join();
  EXPECT_EQ(q.get(), 2);
  EXPECT_TRUE(q.empty());
}

TEST_F(QueueTest, ATimeoutScopeInterruptsABlockedGetWithoutLosingItems) {
  grove::Queue<int> q;
  try {
    grove::Timeout t(20ms);
    q.get();
    FAIL() << "get() should have been interrupted";
  } catch (const grove::Timeout&) {
  }
  q.put(1);
  EXPECT_EQ(q.get(), 1);
}

TEST_F(QueueTest, AGetterTimedOutAtTheMomentAnItemArrivesStillTakesIt) {
  grove::Queue<int> q;
  // The producer's start timer is due no later than the getter's deadline,
  // so both fire in the same hub pass: the getter is woken by its timer and
  // then finds the item on its re-check.
  for (int round = 0; round < 5; ++round) {
    auto producer = grove::spawn_later(10ms, [&] { q.put(round); });
    std::optional<int> got;
    try {
      got = q.get(10ms);
    } catch (const grove::QueueEmpty&) {
    }
    producer.join();
    if (!got) got = q.get_nowait();  // if it did time out, the item is still there
    EXPECT_EQ(*got, round);
    EXPECT_TRUE(q.empty());
  }
}

TEST_F(QueueTest, GetFromMainWithNoProducerRaisesLoopExit) {
  grove::Queue<int> q;
  EXPECT_THROW(q.get(), grove::LoopExit);
  q.put(1);  // the queue is still usable
  EXPECT_EQ(q.get(), 1);
}

TEST_F(QueueTest, ExceptionMessagesNameTheCall) {
  grove::Queue<int> q(1);
  q.put(1);
  try {
    q.put_nowait(2);
    FAIL();
  } catch (const grove::QueueFull& e) {
    EXPECT_NE(std::string(e.what()).find("grove::Queue::put_nowait"), std::string::npos) << e.what();
  }
  q.get();
  try {
    q.get(1ms);
    FAIL();
  } catch (const grove::QueueEmpty& e) {
    EXPECT_NE(std::string(e.what()).find("grove::Queue::get"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("timeout"), std::string::npos) << e.what();
  }
  q.close();
  try {
    q.put(1);
    FAIL();
  } catch (const grove::QueueShutDown& e) {
    EXPECT_NE(std::string(e.what()).find("closed"), std::string::npos) << e.what();
  }
}

TEST_F(QueueTest, ProducersAndConsumersCanBothBeSpawnedFibers) {
  grove::Queue<long long> q(10);
  long long sum = 0;
  std::vector<grove::Fiber<>> fibers;
  for (int p = 0; p < 5; ++p)
    fibers.push_back(grove::spawn([&] {
      for (int i = 1; i <= 200; ++i) q.put(i);
    }));
  auto consumer = grove::spawn([&] {
    for (int i = 0; i < 1000; ++i) sum += q.get();
  });
  grove::joinall(fibers);
  consumer.join();
  EXPECT_EQ(sum, 5LL * 200 * 201 / 2);
}

}  // namespace
