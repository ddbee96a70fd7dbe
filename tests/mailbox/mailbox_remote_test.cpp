// mailbox_remote_test.cpp — the Mailbox's remote lane (detail/remote_lane.hpp):
// a sender on another hub that meets a full `block` mailbox parks its fiber,
// not its thread (its hub's other fibers keep running), and goes on once the
// consumer makes room; a close() or a block_timeout ends such a send with a
// counted dead letter; drop_oldest sheds the oldest messages on arrival;
// messages queued on the lane when the mailbox closes are counted leftovers.

#include <grove/mailbox.hpp>

#include <grove/dead_letters.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include "mailbox_test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::DeadLetterReason;
using grove::Mailbox;
using grove::MailboxConfig;
using grove::Overflow;
using grove::SendStatus;
using grove::SystemSignal;

class MailboxRemoteTest : public grove::test::MailboxTest {
 protected:
  void SetUp() override {
    grove::test::MailboxTest::SetUp();
    grove::dead_letters().reset();
  }
  static std::uint64_t dead(DeadLetterReason r) { return grove::dead_letters().count(r); }
  // wait_for(pred) polls pred from this (main) thread for up to 30 s.
  template <class P>
  static bool wait_for(P pred) {
    const auto give_up = std::chrono::steady_clock::now() + 30s;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }
};

// Hub A (a thread of its own) runs a ticker fiber and a sender fiber; the
// sender's send to the full mailbox of hub B (this thread) parks it. While
// it is parked the ticker keeps ticking on A; once B takes a message, the
// send completes and B receives it.
TEST_F(MailboxRemoteTest, ASenderBlockedOnAFullMailboxOfAnotherHubParksOnlyItsFiber) {
  Mailbox<int> box(MailboxConfig{.capacity = 1, .overflow = Overflow::block});
  ASSERT_EQ(box.send(0), SendStatus::delivered);  // full
  std::atomic<int> ticks{0};
  std::atomic<bool> sending{false};
  std::atomic<bool> sent{false};
  std::atomic<int> ticks_when_sent{-1};
  std::thread hub_a([&] {
    auto ticker = grove::spawn([&] {
      while (!sent.load()) {
        grove::this_fiber::sleep(1ms);
        ticks.fetch_add(1);
      }
    });
    auto sender = grove::spawn([&] {
      sending.store(true);
      EXPECT_EQ(box.send(1), SendStatus::delivered);
      ticks_when_sent.store(ticks.load());
      sent.store(true);
    });
    sender.join();
    ticker.join();
    grove::Hub::destroy_current();
  });
  ASSERT_TRUE(wait_for([&] { return sending.load(); }));
  const int at_start = ticks.load();
  // The ticker goes on while the sender is parked on the full mailbox.
  EXPECT_TRUE(wait_for([&] { return ticks.load() >= at_start + 20; }));
  EXPECT_FALSE(sent.load());
  std::vector<int> got;
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(box.receive([](SystemSignal&) {}, [&](int& v) { got.push_back(v); }, 30s));
  hub_a.join();
  EXPECT_EQ(got, (std::vector<int>{0, 1}));
  EXPECT_GE(ticks_when_sent.load(), at_start + 20);
  EXPECT_EQ(grove::dead_letters().total(), 0u);
}

// close() wakes a parked remote sender, whose message becomes a dead letter.
TEST_F(MailboxRemoteTest, CloseEndsAParkedRemoteSendWithADeadLetter) {
  Mailbox<int> box(MailboxConfig{.capacity = 1, .overflow = Overflow::block});
  ASSERT_EQ(box.send(0), SendStatus::delivered);
  std::atomic<bool> sending{false};
  SendStatus status = SendStatus::delivered;
  std::thread other([&] {
    sending.store(true);
    status = box.send(1);
    grove::Hub::destroy_current();
  });
  ASSERT_TRUE(wait_for([&] { return sending.load(); }));
  std::this_thread::sleep_for(20ms);  // most likely parked by now; either way the count holds
  box.close();
  other.join();
  EXPECT_EQ(status, SendStatus::dead);
  EXPECT_EQ(dead(DeadLetterReason::dead_actor), 1u);
  EXPECT_EQ(dead(DeadLetterReason::leftover), 1u);  // the 0 queued at close
}

// A remote send parked past block_timeout is rejected: MailboxFull, counted.
TEST_F(MailboxRemoteTest, ARemoteSendParkedPastItsBlockTimeoutIsRejected) {
  Mailbox<int> box(MailboxConfig{.capacity = 1, .overflow = Overflow::block, .block_timeout = 20ms});
  ASSERT_EQ(box.send(0), SendStatus::delivered);
  bool threw = false;
  std::thread([&] {
    try {
      box.send(1);
    } catch (const grove::MailboxFull&) {
      threw = true;
    }
    grove::Hub::destroy_current();
  }).join();
  EXPECT_TRUE(threw);
  EXPECT_EQ(dead(DeadLetterReason::rejected), 1u);
  EXPECT_EQ(box.size(), 1u);
}

// drop_oldest from another thread: everything is queued, and the consumer
// sheds the oldest on arrival so that the newest `capacity` remain.
TEST_F(MailboxRemoteTest, RemoteDropOldestKeepsTheNewest) {
  Mailbox<int> box(MailboxConfig{.capacity = 3, .overflow = Overflow::drop_oldest});
  std::thread([&] {
    for (int i = 0; i < 10; ++i) EXPECT_EQ(box.send(i), SendStatus::delivered);
  }).join();
  std::vector<int> got;
  while (box.receive([](SystemSignal&) {}, [&](int& v) { got.push_back(v); }, grove::hub().now() + 1ms))
    ;
  EXPECT_EQ(got, (std::vector<int>{7, 8, 9}));
  EXPECT_EQ(dead(DeadLetterReason::shed), 7u);
}

// Messages still on the lane when the mailbox closes are counted leftovers.
TEST_F(MailboxRemoteTest, MessagesOnTheLaneAtCloseAreLeftovers) {
  auto box = std::make_unique<Mailbox<int>>();
  std::thread([&] {
    for (int i = 0; i < 5; ++i) EXPECT_EQ(box->send(i), SendStatus::delivered);
  }).join();
  EXPECT_EQ(box->size(), 5u);
  box.reset();                   // closes: the lane's five messages are leftovers
  (void)grove::hub().run(10ms);  // the lane's announcement runs on a closed mailbox: nothing
  EXPECT_EQ(dead(DeadLetterReason::leftover), 5u);
}

}  // namespace
