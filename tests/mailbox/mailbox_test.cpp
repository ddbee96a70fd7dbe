// mailbox_test.cpp — the actor Mailbox: FIFO, the system lane, overflow
// policies around capacity, close and leftovers, cross-thread senders.

#include <grove/mailbox.hpp>

#include <grove/dead_letters.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "mailbox_test_support.hpp"
#include <simulated_hub.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::DeadLetterReason;
using grove::Mailbox;
using grove::MailboxConfig;
using grove::Overflow;
using grove::SendStatus;
using grove::SystemSignal;

class MailboxTest : public grove::test::MailboxTest {
 protected:
  void SetUp() override {
    grove::test::MailboxTest::SetUp();
    grove::dead_letters().reset();
  }
  static std::uint64_t dead(DeadLetterReason r) { return grove::dead_letters().count(r); }

  // drain() receives everything queued, in order (system signals as -1).
  template <class T>
  static std::vector<T> drain(Mailbox<T>& box) {
    std::vector<T> got;
    while (
        box.receive([&](SystemSignal&) { got.push_back(T(-1)); }, [&](T& v) { got.push_back(v); }, grove::hub().now()))
      ;
    return got;
  }
};

TEST_F(MailboxTest, DeliversInOrderAndCounts) {
  Mailbox<int> box;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(box.send(i), SendStatus::delivered);
  EXPECT_EQ(box.size(), 100u);
  std::vector<int> expected(100);
  for (int i = 0; i < 100; ++i) expected[i] = i;
  EXPECT_EQ(drain(box), expected);
  EXPECT_EQ(box.size(), 0u);
  EXPECT_EQ(grove::dead_letters().total(), 0u);
}

TEST_F(MailboxTest, ReceiveWaitsForASenderFiber) {
  Mailbox<int> box;
  auto sender = grove::spawn([&] {
    grove::this_fiber::sleep(5ms);
    box.send(7);
  });
  int got = 0;
  EXPECT_TRUE(box.receive([](SystemSignal&) {}, [&](int& v) { got = v; }));
  EXPECT_EQ(got, 7);
  sender.join();
}

TEST_F(MailboxTest, ReceiveWithADeadlineTimesOut) {
  Mailbox<int> box;
  const auto t0 = grove::test::SteadyClock::now();
  EXPECT_FALSE(box.receive([](SystemSignal&) {}, [](int&) {}, grove::hub().now() + 20ms));
  EXPECT_GE(grove::test::ms_since(t0), 19);
}

TEST_F(MailboxTest, ReceiveRejectsANegativeOrNaNTimeout) {
  Mailbox<int> box;
  box.send(1);  // could be received at once: the bad timeout is still misuse
  EXPECT_THROW(box.receive([](SystemSignal&) {}, [](int&) {}, -1ms), grove::UsageError);
  EXPECT_THROW(box.receive([](SystemSignal&) {}, [](int&) {}, std::chrono::duration<double>(std::nan(""))),
               grove::UsageError);
  EXPECT_EQ(box.size(), 1u) << "a rejected receive takes nothing";
  EXPECT_TRUE(box.receive([](SystemSignal&) {}, [](int& v) { EXPECT_EQ(v, 1); }, 0ms));
}

TEST_F(MailboxTest, SystemLaneOvertakesQueuedMessages) {
  Mailbox<int> box;
  box.send(1);
  box.send(2);
  box.signal(SystemSignal{SystemSignal::Kind::down, {}, grove::ExitReason::killed(), 9, "x"});
  box.send(3);
  std::vector<std::string> order;
  std::uint64_t monitor_id = 0;
  while (box.receive(
      [&](SystemSignal& s) {
        order.push_back("down");
        monitor_id = s.monitor_id;
      },
      [&](int& v) { order.push_back(std::to_string(v)); }, grove::hub().now()))
    ;
  EXPECT_EQ(order, (std::vector<std::string>{"down", "1", "2", "3"}));
  EXPECT_EQ(monitor_id, 9u);
}

TEST_F(MailboxTest, SignalWakesAParkedConsumer) {
  Mailbox<int> box;
  auto signaller = grove::spawn([&] {
    box.signal(SystemSignal{SystemSignal::Kind::exit, {}, grove::ExitReason::shutdown(), 0, "y"});
  });
  bool got = false;
  EXPECT_TRUE(box.receive([&](SystemSignal& s) { got = s.kind == SystemSignal::Kind::exit; }, [](int&) {}));
  EXPECT_TRUE(got);
  signaller.join();
}

// ---- overflow policies at capacity - 1, capacity and capacity + 1 ----

constexpr std::size_t kCapacity = 4;

struct PolicyCase {
  Overflow policy;
  const char* name;
};

class MailboxPolicyTest : public MailboxTest, public ::testing::WithParamInterface<PolicyCase> {
 protected:
  MailboxConfig config() const {
    return MailboxConfig{.capacity = kCapacity, .overflow = GetParam().policy, .block_timeout = 20ms};
  }
};

TEST_P(MailboxPolicyTest, BelowCapacityEverythingIsDelivered) {
  Mailbox<int> box(config());
  for (std::size_t i = 0; i + 1 < kCapacity; ++i) EXPECT_EQ(box.send(static_cast<int>(i)), SendStatus::delivered);
  EXPECT_EQ(box.size(), kCapacity - 1);
  EXPECT_EQ(grove::dead_letters().total(), 0u);
  EXPECT_EQ(drain(box), (std::vector<int>{0, 1, 2}));
}

TEST_P(MailboxPolicyTest, AtCapacityEverythingIsDelivered) {
  Mailbox<int> box(config());
  for (std::size_t i = 0; i < kCapacity; ++i) EXPECT_EQ(box.send(static_cast<int>(i)), SendStatus::delivered);
  EXPECT_EQ(box.size(), kCapacity);
  EXPECT_EQ(grove::dead_letters().total(), 0u);
  EXPECT_EQ(drain(box), (std::vector<int>{0, 1, 2, 3}));
}

TEST_P(MailboxPolicyTest, OneOverCapacityAppliesThePolicy) {
  Mailbox<int> box(config());
  for (std::size_t i = 0; i < kCapacity; ++i) box.send(static_cast<int>(i));
  const auto t0 = grove::test::SteadyClock::now();
  switch (GetParam().policy) {
    case Overflow::drop_newest:
      EXPECT_EQ(box.send(4), SendStatus::shed);
      EXPECT_EQ(dead(DeadLetterReason::shed), 1u);
      EXPECT_EQ(drain(box), (std::vector<int>{0, 1, 2, 3}));
      break;
    case Overflow::drop_oldest:
      EXPECT_EQ(box.send(4), SendStatus::delivered);
      EXPECT_EQ(dead(DeadLetterReason::shed), 1u);
      EXPECT_EQ(drain(box), (std::vector<int>{1, 2, 3, 4}));
      break;
    case Overflow::fail:
      EXPECT_THROW(box.send(4), grove::MailboxFull);
      EXPECT_LT(grove::test::ms_since(t0), 15);
      EXPECT_EQ(dead(DeadLetterReason::rejected), 1u);
      EXPECT_EQ(drain(box), (std::vector<int>{0, 1, 2, 3}));
      break;
    case Overflow::block:
      EXPECT_THROW(box.send(4), grove::MailboxFull);  // nobody drains: times out
      EXPECT_GE(grove::test::ms_since(t0), 19);
      EXPECT_EQ(dead(DeadLetterReason::rejected), 1u);
      EXPECT_EQ(drain(box), (std::vector<int>{0, 1, 2, 3}));
      break;
  }
  EXPECT_EQ(grove::dead_letters().total(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Policies, MailboxPolicyTest,
                         ::testing::Values(PolicyCase{Overflow::block, "block"},
                                           PolicyCase{Overflow::drop_newest, "drop_newest"},
                                           PolicyCase{Overflow::drop_oldest, "drop_oldest"},
                                           PolicyCase{Overflow::fail, "fail"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(MailboxTest, BlockedSenderResumesWhenTheConsumerTakesOne) {
  Mailbox<int> box(MailboxConfig{.capacity = 2, .overflow = Overflow::block});
  std::vector<int> got;
  auto producer = grove::spawn([&] {
    for (int i = 0; i < 10; ++i) EXPECT_EQ(box.send(i), SendStatus::delivered);
  });
  for (int i = 0; i < 10; ++i) {
    box.receive([](SystemSignal&) {}, [&](int& v) { got.push_back(v); });
    EXPECT_LE(box.size(), 2u);
  }
  producer.join();
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(grove::dead_letters().total(), 0u);
}

TEST_F(MailboxTest, BlockedSenderOfAClosedMailboxDeadLetters) {
  Mailbox<int> box(MailboxConfig{.capacity = 1, .overflow = Overflow::block});
  box.send(0);
  SendStatus status = SendStatus::delivered;
  auto producer = grove::spawn([&] { status = box.send(1); });
  grove::this_fiber::yield();
  box.close();
  producer.join();
  EXPECT_EQ(status, SendStatus::dead);
  EXPECT_EQ(dead(DeadLetterReason::leftover), 1u);
  EXPECT_EQ(dead(DeadLetterReason::dead_actor), 1u);
}

// Found by fuzz/mailbox_ops_fuzz.cpp (corpus/mailbox_ops/blocked_sender*.bin):
// the sender that took the space passed its wake on before it had pushed,
// so the next blocked sender woke for nothing and queued again behind the
// later ones — they then got the space (and timed out) before it.
TEST_F(MailboxTest, BlockedSendersGetTheSpaceInTheOrderTheyBlocked) {
  Mailbox<int> box(MailboxConfig{.capacity = 1, .overflow = Overflow::block});
  box.send(0);
  std::vector<int> order;
  std::vector<grove::Fiber<>> senders;
  for (int i = 1; i <= 3; ++i)
    senders.push_back(grove::spawn([&, i] {
      EXPECT_EQ(box.send(i), SendStatus::delivered);
      order.push_back(i);
    }));
  grove::this_fiber::yield();  // all three block
  std::vector<int> got;
  for (int i = 0; i < 4; ++i) box.receive([](SystemSignal&) {}, [&](int& v) { got.push_back(v); });
  for (auto& s : senders) s.join();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3}));
}

TEST_F(MailboxTest, BlockedSendersTimingOutTogetherDeadLetterInTheirOrder) {
  grove::test::SimulatedHub sim;
  std::vector<int> rejected;
  Mailbox<int> box(MailboxConfig{.capacity = 1, .overflow = Overflow::block, .block_timeout = 7ms});
  box.send(0);
  std::vector<grove::Fiber<>> senders;
  for (int i = 1; i <= 3; ++i)
    senders.push_back(grove::spawn([&, i] {
      try {
        box.send(i);
      } catch (const grove::MailboxFull&) {
        rejected.push_back(i);
      }
    }));
  sim.advance(5ms);
  box.receive([](SystemSignal&) {}, [](int&) {});  // 1 takes the space; 2 and 3 keep waiting
  sim.advance(5ms);                                // both time out at 7 ms
  for (auto& s : senders) s.join();
  EXPECT_EQ(rejected, (std::vector<int>{2, 3}));
}

TEST_F(MailboxTest, CloseTurnsLeftoversAndLaterSendsIntoDeadLetters) {
  Mailbox<grove::test::Tracked> box;
  for (int i = 0; i < 5; ++i) box.send(grove::test::Tracked(i));
  int discarded = 0;
  static int* counter = nullptr;
  counter = &discarded;
  box.set_discard_hook([](grove::test::Tracked&, DeadLetterReason r) noexcept {
    if (r == DeadLetterReason::leftover) ++*counter;
  });
  box.close();
  EXPECT_TRUE(box.closed());
  EXPECT_EQ(discarded, 5);
  EXPECT_EQ(grove::test::Tracked::live, 0);
  EXPECT_EQ(dead(DeadLetterReason::leftover), 5u);
  EXPECT_EQ(box.send(grove::test::Tracked(9)), SendStatus::dead);
  EXPECT_EQ(dead(DeadLetterReason::dead_actor), 1u);
  EXPECT_EQ(grove::dead_letters().total(), 6u);
  EXPECT_EQ(box.size(), 0u);
}

TEST_F(MailboxTest, DropOldestPassesTheVictimToTheDiscardHook) {
  Mailbox<int> box(MailboxConfig{.capacity = 2, .overflow = Overflow::drop_oldest});
  static int victim = -1;
  box.set_discard_hook([](int& v, DeadLetterReason) noexcept { victim = v; });
  box.send(10);
  box.send(11);
  box.send(12);
  EXPECT_EQ(victim, 10);
}

// ---- other OS threads ----

TEST_F(MailboxTest, EightThreadsTimesTenThousandArriveFifoPerSender) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10000;
  Mailbox<std::pair<int, int>> box;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&box, t] {
      for (int i = 0; i < kPerThread; ++i) ASSERT_EQ(box.send({t, i}), SendStatus::delivered);
    });
  std::vector<int> next(kThreads, 0);
  int received = 0;
  bool in_order = true;
  // Only other threads can end these receives: each gets a timeout (with
  // none, an idle hub would call it a LoopExit).
  while (received < kThreads * kPerThread) {
    if (!box.receive([](SystemSignal&) {},
                     [&](std::pair<int, int>& m) {
                       if (m.second != next[m.first]) in_order = false;
                       next[m.first] = m.second + 1;
                       ++received;
                     },
                     30s)) {
      ADD_FAILURE() << "no message within 30 s";
      break;
    }
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(in_order);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[t], kPerThread);
  EXPECT_EQ(box.size(), 0u);
  EXPECT_EQ(grove::dead_letters().total(), 0u);
}

TEST_F(MailboxTest, RemoteSendersBlockOnAFullMailboxUntilThereIsRoom) {
  Mailbox<int> box(MailboxConfig{.capacity = 8, .overflow = Overflow::block});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&box] {
      for (int i = 0; i < kPerThread; ++i) box.send(i);
    });
  long long sum = 0;
  for (int n = 0; n < kThreads * kPerThread; ++n) {
    if (!box.receive([](SystemSignal&) {}, [&](int& v) { sum += v; }, 30s)) {
      ADD_FAILURE() << "no message within 30 s";
      break;
    }
    EXPECT_LE(box.size(), 8u);
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(sum, static_cast<long long>(kThreads) * kPerThread * (kPerThread - 1) / 2);
  EXPECT_EQ(grove::dead_letters().total(), 0u);
}

TEST_F(MailboxTest, AReceiveOnlyAnotherThreadCouldEndIsALoopExitOnceTheHubIsIdle) {
  Mailbox<int> box;
  std::thread([&] { EXPECT_EQ(box.send(1), SendStatus::delivered); }).join();
  int got = 0;
  EXPECT_TRUE(box.receive([](SystemSignal&) {}, [&](int& v) { got = v; }));  // the remote message arrives
  EXPECT_EQ(got, 1);
  // Having been sent to from another thread does not keep the hub alive:
  // nothing else can end this receive, so the idle hub says so.
  EXPECT_THROW(box.receive([](SystemSignal&) {}, [](int&) {}), grove::LoopExit);
  // With a timeout the same receive just times out.
  EXPECT_FALSE(box.receive([](SystemSignal&) {}, [](int&) {}, 5ms));
}

TEST_F(MailboxTest, RemoteSendsToAClosedMailboxAreDeadLetters) {
  Mailbox<int> box;
  box.close();
  SendStatus status = SendStatus::delivered;
  std::thread([&] { status = box.send(1); }).join();
  EXPECT_EQ(status, SendStatus::dead);
  EXPECT_EQ(dead(DeadLetterReason::dead_actor), 1u);
}

TEST_F(MailboxTest, RemoteDropNewestAndFailAreCounted) {
  Mailbox<int> shedding(MailboxConfig{.capacity = 1, .overflow = Overflow::drop_newest});
  Mailbox<int> failing(MailboxConfig{.capacity = 1, .overflow = Overflow::fail});
  std::thread([&] {
    EXPECT_EQ(shedding.send(1), SendStatus::delivered);
    EXPECT_EQ(shedding.send(2), SendStatus::shed);
    EXPECT_EQ(failing.send(1), SendStatus::delivered);
    EXPECT_THROW(failing.send(2), grove::MailboxFull);
  }).join();
  EXPECT_EQ(dead(DeadLetterReason::shed), 1u);
  EXPECT_EQ(dead(DeadLetterReason::rejected), 1u);
  EXPECT_EQ(drain(shedding), std::vector<int>{1});
  EXPECT_EQ(drain(failing), std::vector<int>{1});
}

// MailboxConfig::block_timeout is checked where the config is accepted: a
// negative one is a UsageError naming the field (a NaN cannot be stored in
// a Duration); zero makes a blocked send a poll; a positive one is waited
// out in full (virtual time).
TEST_F(MailboxTest, BlockTimeoutIsCheckedWhenTheMailboxIsMade) {
  try {
    Mailbox<int> box(MailboxConfig{.capacity = 1, .block_timeout = -1ms});
    ADD_FAILURE() << "a negative block_timeout was accepted";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("MailboxConfig::block_timeout"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("negative"), std::string::npos) << e.what();
  }
  grove::test::SimulatedHub sim;
  Mailbox<int> poll(MailboxConfig{.capacity = 1, .block_timeout = 0ms});
  Mailbox<int> waits(MailboxConfig{.capacity = 1, .block_timeout = 15ms});
  EXPECT_EQ(poll.send(1), SendStatus::delivered);
  EXPECT_EQ(waits.send(1), SendStatus::delivered);
  const auto t0 = sim.now();
  EXPECT_THROW((void)poll.send(2), grove::MailboxFull);
  EXPECT_EQ(sim.now(), t0) << "a zero block_timeout does not wait";
  EXPECT_THROW((void)waits.send(2), grove::MailboxFull);
  EXPECT_EQ(sim.now() - t0, 15ms);
  EXPECT_EQ(drain(poll), std::vector<int>{1});
  EXPECT_EQ(drain(waits), std::vector<int>{1});
}

}  // namespace
