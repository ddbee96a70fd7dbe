// channel_test.cpp — grove::Channel<T>: the rendezvous (put returns only once
// a getter has taken the item), timeouts on both sides that lose and
// duplicate nothing, try_get/get_nowait, waiting counts, close, range-for,
// killed putters and getters, move-only and copied items.

#include <grove/channel.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include "mailbox_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using grove::test::ms_since;
using grove::test::SteadyClock;

namespace {

class ChannelTest : public grove::test::MailboxTest {};

TEST_F(ChannelTest, PutReturnsOnlyOnceAGetterHasTakenTheItem) {
  grove::Channel<int> ch;
  auto putter = grove::spawn([&] {
    log.push_back("putting");
    ch.put(1);
    log.push_back("put returned");
  });
  grove::this_fiber::sleep(10ms);
  EXPECT_EQ(log, (std::vector<std::string>{"putting"})) << "nobody took the item yet";
  EXPECT_EQ(ch.waiting_putters(), 1u);
  EXPECT_EQ(ch.get(), 1);
  log.push_back("got");
  putter.join();
  EXPECT_EQ(log, (std::vector<std::string>{"putting", "got", "put returned"}));
  EXPECT_EQ(ch.waiting_putters(), 0u);
}

TEST_F(ChannelTest, GetBlocksUntilAPutterComes) {
  grove::Channel<std::string> ch;
  auto getter = grove::spawn([&] { return ch.get(); });
  grove::this_fiber::yield();
  EXPECT_EQ(ch.waiting_getters(), 1u);
  const std::string item = "hello";
  ch.put(item);  // the const& overload copies
  EXPECT_EQ(item, "hello");
  EXPECT_EQ(getter.get(), "hello");
  EXPECT_EQ(ch.waiting_getters(), 0u);
}

TEST_F(ChannelTest, NegativeOrNaNTimeoutsAreUsageErrors) {
  grove::Channel<int> ch;
  EXPECT_THROW(ch.get(-1ms), grove::UsageError);
  EXPECT_THROW(ch.put(1, std::chrono::duration<double>(std::nan(""))), grove::UsageError);
  EXPECT_EQ(ch.waiting_putters(), 0u) << "a rejected put offers nothing";
}

TEST_F(ChannelTest, PutWithTimeoutKeepsTheItemWhenNobodyTakesIt) {
  grove::Channel<std::unique_ptr<int>> ch;
  auto item = std::make_unique<int>(5);
  const auto t0 = SteadyClock::now();
  EXPECT_THROW(ch.put(std::move(item), 20ms), grove::QueueFull);
  EXPECT_GE(ms_since(t0), 20);
  ASSERT_TRUE(item) << "a timed-out put takes its item back";
  EXPECT_EQ(*item, 5);
  EXPECT_EQ(ch.waiting_putters(), 0u);
  EXPECT_EQ(ch.try_get(), std::nullopt) << "nothing was left behind";
  auto getter = grove::spawn([&] { return *ch.get(); });
  ch.put(std::move(item), 1s);
  EXPECT_FALSE(item);
  EXPECT_EQ(getter.get(), 5);
}

TEST_F(ChannelTest, CopyingPutWithTimeout) {
  grove::Channel<std::string> ch;
  const std::string item = "x";
  EXPECT_THROW(ch.put(item, 5ms), grove::QueueFull);
  auto getter = grove::spawn([&] { return ch.get(); });
  ch.put(item, 1s);
  EXPECT_EQ(getter.get(), "x");
  EXPECT_EQ(item, "x");
}

TEST_F(ChannelTest, GetWithTimeoutThrowsQueueEmpty) {
  grove::Channel<int> ch;
  const auto t0 = SteadyClock::now();
  EXPECT_THROW(ch.get(20ms), grove::QueueEmpty);
  EXPECT_GE(ms_since(t0), 20);
  EXPECT_EQ(ch.waiting_getters(), 0u);
  auto putter = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    ch.put(3);
  });
  EXPECT_EQ(ch.get(1s), 3);
  putter.join();
  EXPECT_THROW(ch.get(-5ms), grove::UsageError);
}

TEST_F(ChannelTest, TryGetAndGetNowaitTakeOnlyFromAWaitingPutter) {
  grove::Channel<int> ch;
  EXPECT_EQ(ch.try_get(), std::nullopt);
  EXPECT_THROW(ch.get_nowait(), grove::QueueEmpty);
  auto p1 = grove::spawn([&] { ch.put(1); });
  auto p2 = grove::spawn([&] { ch.put(2); });
  grove::this_fiber::yield();
  EXPECT_EQ(ch.waiting_putters(), 2u);
  EXPECT_EQ(ch.try_get(), 1);
  EXPECT_EQ(ch.get_nowait(), 2);
  grove::joinall(std::vector<grove::Fiber<>>{p1, p2});
  EXPECT_TRUE(p1.successful());
  EXPECT_TRUE(p2.successful());
}

TEST_F(ChannelTest, PuttersAreServedInArrivalOrder) {
  grove::Channel<int> ch;
  std::vector<grove::Fiber<>> putters;
  for (int i = 0; i < 5; ++i) putters.push_back(grove::spawn([&, i] { ch.put(i); }));
  grove::this_fiber::yield();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ch.get(), i);
  grove::joinall(putters);
}

TEST_F(ChannelTest, ManyGettersAndPuttersPairUpExactlyOnce) {
  grove::Channel<int> ch;
  std::vector<int> received;
  std::vector<grove::Fiber<>> fibers;
  for (int g = 0; g < 4; ++g)
    fibers.push_back(grove::spawn([&] {
      for (int i = 0; i < 25; ++i) received.push_back(ch.get());
    }));
  for (int p = 0; p < 5; ++p)
    fibers.push_back(grove::spawn([&, p] {
      for (int i = 0; i < 20; ++i) ch.put(p * 100 + i);
    }));
  grove::joinall(fibers);
  ASSERT_EQ(received.size(), 100u);
  std::sort(received.begin(), received.end());
  std::vector<int> expected;
  for (int p = 0; p < 5; ++p)
    for (int i = 0; i < 20; ++i) expected.push_back(p * 100 + i);
  EXPECT_EQ(received, expected);
}

TEST_F(ChannelTest, CloseFailsPendingPutsWhichKeepTheirItems) {
  grove::Channel<std::unique_ptr<int>> ch;
  auto putter = grove::spawn([&] {
    auto item = std::make_unique<int>(1);
    try {
      ch.put(std::move(item));
    } catch (const grove::QueueShutDown&) {
      log.push_back(item ? "putter kept its item" : "item lost");
    }
  });
  auto getter = grove::spawn([&] {
    grove::this_fiber::sleep(5ms);
    try {
      ch.get();
    } catch (const grove::QueueShutDown&) {
      log.push_back("getter shut down");
    }
  });
  grove::this_fiber::yield();
  ch.close();
  ch.close();
  EXPECT_TRUE(ch.closed());
  grove::joinall(std::vector<grove::Fiber<>>{putter, getter});
  EXPECT_EQ(log, (std::vector<std::string>{"putter kept its item", "getter shut down"}));
  EXPECT_THROW(ch.put(std::make_unique<int>(2)), grove::QueueShutDown);
  EXPECT_THROW(ch.put(std::make_unique<int>(2), 1s), grove::QueueShutDown);
  EXPECT_THROW(ch.get(), grove::QueueShutDown);
  EXPECT_THROW(ch.get(1s), grove::QueueShutDown);
  EXPECT_THROW(ch.get_nowait(), grove::QueueShutDown);
  EXPECT_EQ(ch.try_get(), std::nullopt);
}

TEST_F(ChannelTest, CloseWakesBlockedGetters) {
  grove::Channel<int> ch;
  auto getter = grove::spawn([&] {
    try {
      ch.get(10s);
    } catch (const grove::QueueShutDown&) {
      log.push_back("shut down");
    }
  });
  grove::this_fiber::yield();
  const auto t0 = SteadyClock::now();
  ch.close();
  getter.join();
  EXPECT_LT(ms_since(t0), 100);
  EXPECT_EQ(log, (std::vector<std::string>{"shut down"}));
}

TEST_F(ChannelTest, RangeForGetsUntilClosed) {
  grove::Channel<int> ch;
  auto producer = grove::spawn([&] {
    for (int i = 0; i < 4; ++i) ch.put(i);
    ch.close();
  });
  std::vector<int> seen;
  for (auto&& v : ch) seen.push_back(v);
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3}));
  producer.join();
  for (int v : ch) ADD_FAILURE() << "a closed channel yields nothing, got " << v;
}

TEST_F(ChannelTest, AKilledPutterTakesItsItemAway) {
  grove::Channel<int> ch;
  auto doomed = grove::spawn([&] { ch.put(1); });
  auto survivor = grove::spawn([&] { ch.put(2); });
  grove::this_fiber::yield();
  doomed.kill();
  EXPECT_EQ(ch.waiting_putters(), 1u);
  EXPECT_EQ(ch.get(), 2);
  survivor.join();
  EXPECT_EQ(ch.try_get(), std::nullopt);
}

TEST_F(ChannelTest, AKilledGetterDoesNotSwallowThePuttersWake) {
  grove::Channel<int> ch;
  auto doomed = grove::spawn([&] {
    ch.get();
    log.push_back("doomed got an item");
  });
  auto survivor = grove::spawn([&] { log.push_back("survivor got " + std::to_string(ch.get())); });
  grove::this_fiber::yield();  // both getters park
  auto putter = grove::spawn([&] { ch.put(7); });
  grove::this_fiber::yield();  // the putter offers 7 and wakes doomed
  doomed.kill(false);
  grove::joinall(std::vector<grove::Fiber<>>{doomed, survivor, putter});
  EXPECT_EQ(log, (std::vector<std::string>{"survivor got 7"}));
}

TEST_F(ChannelTest, APutTimingOutAsAGetterTakesItIsDeliveredOnce) {
  for (int round = 0; round < 5; ++round) {
    grove::Channel<int> ch;
    int gets = 0;
    auto getter = grove::spawn_later(10ms, [&] {
      if (ch.try_get()) ++gets;
    });
    bool delivered = true;
    try {
      ch.put(round, 10ms);
    } catch (const grove::QueueFull&) {
      delivered = false;
    }
    getter.join();
    EXPECT_EQ(delivered ? 1 : 0, gets) << "round " << round << ": the put's result must match what the getter saw";
  }
}

TEST_F(ChannelTest, APutInterruptedAsAGetterArrivesDeliversOrThrowsNeverBoth) {
  for (int round = 0; round < 5; ++round) {
    grove::Channel<int> ch;
    int gets = 0;
    // The getter's start and the Timeout scope fire in the same hub pass:
    // the putter then has an interrupt pending when the getter runs.
    auto getter = grove::spawn_later(10ms, [&] {
      if (ch.try_get()) ++gets;
    });
    bool threw = false;
    try {
      grove::Timeout t(10ms);
      ch.put(round);
    } catch (const grove::Timeout&) {
      threw = true;
    }
    getter.join();
    EXPECT_EQ(gets, threw ? 0 : 1) << "round " << round;
    EXPECT_EQ(ch.waiting_putters(), 0u);
  }
}

TEST_F(ChannelTest, AGetterPassesOverAKilledPutterStillInTheList) {
  grove::Channel<int> ch;
  auto doomed = grove::spawn([&] { ch.put(1); });
  auto survivor = grove::spawn([&] { ch.put(2); });
  grove::this_fiber::yield();
  doomed.kill(false);  // doomed is ready to unwind, its slot still linked
  EXPECT_EQ(ch.waiting_putters(), 2u);
  EXPECT_EQ(ch.get_nowait(), 2) << "the killed putter's item is not taken";
  grove::joinall(std::vector<grove::Fiber<>>{doomed, survivor});
  EXPECT_EQ(ch.try_get(), std::nullopt);
}

TEST_F(ChannelTest, ATimeoutScopeInterruptsABlockedPut) {
  grove::Channel<int> ch;
  EXPECT_THROW(
      {
        grove::Timeout t(10ms);
        ch.put(1);
      },
      grove::Timeout);
  EXPECT_EQ(ch.waiting_putters(), 0u);
  EXPECT_EQ(ch.try_get(), std::nullopt);
}

}  // namespace
