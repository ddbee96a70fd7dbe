// channel_nowait_test.cpp — grove::Channel<T>'s non-blocking and counting
// side: put_nowait (hands to a waiting getter or throws QueueFull), empty,
// full and balance, and that a getter killed after a put_nowait loses no item.

#include <grove/channel.hpp>

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include "mailbox_test_support.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

class ChannelNowaitTest : public grove::test::MailboxTest {};

TEST_F(ChannelNowaitTest, PutNowaitWithoutAGetterThrowsQueueFullAndKeepsTheItem) {
  grove::Channel<std::string> ch;
  std::string item = "kept";
  EXPECT_THROW(ch.put_nowait(std::move(item)), grove::QueueFull);
  EXPECT_EQ(item, "kept");
  EXPECT_TRUE(ch.empty());
  EXPECT_EQ(ch.balance(), 0);
}

TEST_F(ChannelNowaitTest, PutNowaitHandsTheItemToAWaitingGetterWithoutBlocking) {
  grove::Channel<int> ch;
  auto getter = grove::spawn([&] { return ch.get(); });
  grove::this_fiber::yield();  // the getter parks
  EXPECT_EQ(ch.balance(), -1);
  ch.put_nowait(7);  // returns at once
  EXPECT_FALSE(getter.dead());
  EXPECT_FALSE(ch.empty());  // held until the getter runs
  EXPECT_EQ(ch.balance(), 1);
  // One getter took one hand-off: a second put_nowait has nobody to go to.
  EXPECT_THROW(ch.put_nowait(8), grove::QueueFull);
  EXPECT_EQ(getter.get(), 7);
  EXPECT_TRUE(ch.empty());
  EXPECT_EQ(ch.balance(), 0);
}

TEST_F(ChannelNowaitTest, EachWaitingGetterTakesOnePutNowaitInOrder) {
  grove::Channel<int> ch;
  std::vector<int> got;
  auto a = grove::spawn([&] { got.push_back(ch.get()); });
  auto b = grove::spawn([&] { got.push_back(ch.get()); });
  grove::this_fiber::yield();
  EXPECT_EQ(ch.waiting_getters(), 2u);
  ch.put_nowait(1);
  ch.put_nowait(2);
  EXPECT_THROW(ch.put_nowait(3), grove::QueueFull);
  a.join();
  b.join();
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
}

TEST_F(ChannelNowaitTest, AGetterKilledAfterAPutNowaitLeavesTheItemToTheNextGet) {
  grove::Channel<std::unique_ptr<int>> ch;
  auto doomed = grove::spawn([&] { (void)ch.get(); });
  grove::this_fiber::yield();
  ch.put_nowait(std::make_unique<int>(42));
  doomed.kill();
  EXPECT_FALSE(ch.empty());
  auto v = ch.get_nowait();  // the item was not lost with the killed getter
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 42);
}

TEST_F(ChannelNowaitTest, AGetterKilledAfterAPutNowaitPassesTheItemToAnotherWaitingGetter) {
  grove::Channel<int> ch;
  auto doomed = grove::spawn([&] { (void)ch.get(); });
  auto other = grove::spawn([&] { return ch.get(); });
  grove::this_fiber::yield();
  ch.put_nowait(5);  // goes to the oldest getter, `doomed`
  doomed.kill();
  EXPECT_EQ(other.get(), 5);
}

TEST_F(ChannelNowaitTest, PutNowaitSkipsAGetterWithAKillPending) {
  grove::Channel<int> ch;
  auto doomed = grove::spawn([&] { (void)ch.get(); });
  grove::this_fiber::yield();
  doomed.kill(false);  // pending: it will leave, not take
  EXPECT_THROW(ch.put_nowait(1), grove::QueueFull);
  doomed.join();
}

TEST_F(ChannelNowaitTest, BalanceCountsParkedPuttersAgainstParkedGetters) {
  grove::Channel<int> ch;
  EXPECT_TRUE(ch.full());  // a channel has no room of its own
  auto p1 = grove::spawn([&] { ch.put(1); });
  auto p2 = grove::spawn([&] { ch.put(2); });
  grove::this_fiber::yield();
  EXPECT_EQ(ch.balance(), 2);
  EXPECT_TRUE(ch.empty());  // parked putters hold their own items
  EXPECT_EQ(ch.get(), 1);
  EXPECT_EQ(ch.get(), 2);
  p1.join();
  p2.join();
  EXPECT_EQ(ch.balance(), 0);
}

TEST_F(ChannelNowaitTest, PutNowaitOnAClosedChannelThrowsQueueShutDown) {
  grove::Channel<int> ch;
  ch.close();
  EXPECT_THROW(ch.put_nowait(1), grove::QueueShutDown);
}

TEST_F(ChannelNowaitTest, AHandedItemIsStillDeliveredWhenTheChannelClosesBeforeTheGetterRuns) {
  grove::Channel<int> ch;
  auto getter = grove::spawn([&] { return ch.get(); });
  grove::this_fiber::yield();
  ch.put_nowait(9);
  ch.close();
  EXPECT_EQ(getter.get(), 9);
  EXPECT_THROW(ch.get_nowait(), grove::QueueShutDown);
}

TEST_F(ChannelNowaitTest, RangeForReceivesPutNowaitItems) {
  grove::Channel<int> ch;
  std::vector<int> got;
  auto consumer = grove::spawn([&] {
    for (int v : ch) got.push_back(v);
  });
  for (int i = 0; i < 3; ++i) {
    grove::this_fiber::yield();  // the consumer is back in get()
    ch.put_nowait(i);
  }
  grove::this_fiber::yield();
  ch.close();
  consumer.join();
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
}

}  // namespace
