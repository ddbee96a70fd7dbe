// queue_test.cpp — grove::Queue<T>: every call (put/try_put/put_nowait,
// get/try_get/get_nowait, peek/peek_nowait, the timeout forms, size/empty/
// full/maxsize, close, range-for), FIFO order with many producers, the
// "wake then re-check" rules (a killed or timed-out waiter loses nothing),
// move-only items and the ring buffer's growth.

#include <grove/queue.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include "mailbox_test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>
#include <ranges>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using grove::test::ms_since;
using grove::test::SteadyClock;
using grove::test::Tracked;

namespace {

// A queue is an input range (range-for, std::ranges algorithms and views).
static_assert(std::ranges::input_range<grove::Queue<int>>);
static_assert(std::input_iterator<grove::Queue<int>::iterator>);

class QueueTest : public grove::test::MailboxTest {};

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
  grove::Queue<int> q;
  auto producer = grove::spawn([&] {
    log.push_back("producer sleeps");
    grove::this_fiber::sleep(20ms);
    log.push_back("producer puts");
    q.put(42);
  });
  const auto t0 = SteadyClock::now();
  EXPECT_EQ(q.get(), 42);
  log.push_back("main got it");
  EXPECT_GE(ms_since(t0), 20);
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
    getters.push_back(grove::spawn([&, i] { log.push_back("getter " + std::to_string(i) + " got " + std::to_string(q.get())); }));
  grove::this_fiber::yield();  // all three park
  for (int v = 10; v < 13; ++v) q.put(v);
  grove::joinall(getters);
  EXPECT_EQ(log, (std::vector<std::string>{"getter 0 got 10", "getter 1 got 11", "getter 2 got 12"}));
}

TEST_F(QueueTest, GetWithTimeoutThrowsQueueEmptyWhenNothingArrives) {
  grove::Queue<int> q;
  const auto t0 = SteadyClock::now();
  EXPECT_THROW(q.get(30ms), grove::QueueEmpty);
  EXPECT_GE(ms_since(t0), 30);
  EXPECT_LT(ms_since(t0), 200);
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
  grove::Queue<int> q;
  const auto t0 = SteadyClock::now();
  EXPECT_THROW(q.get(0s), grove::QueueEmpty);
  EXPECT_LT(ms_since(t0), 50);
}

TEST_F(QueueTest, PutWithTimeoutThrowsQueueFullWhenNoRoomAppears) {
  grove::Queue<std::string> q(1);
  q.put("first");
  std::string item = "second";
  const auto t0 = SteadyClock::now();
  EXPECT_THROW(q.put(std::move(item), 30ms), grove::QueueFull);
  EXPECT_GE(ms_since(t0), 30);
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
  grove::Queue<int> q;
  const auto t0 = SteadyClock::now();
  EXPECT_THROW(q.peek(20ms), grove::QueueEmpty);
  EXPECT_GE(ms_since(t0), 20);
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

TEST_F(QueueTest, CloseLetsGettersDrainThenRaisesQueueShutDown) {
  grove::Queue<int> q;
  q.put(1);
  q.put(2);
  q.close();
  q.close();  // idempotent
  EXPECT_TRUE(q.closed());
  EXPECT_THROW(q.put(3), grove::QueueShutDown);
  EXPECT_THROW(q.try_put(3), grove::QueueShutDown);
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
