// actor_test.cpp — Actor, spawn_actor and match: the receive loop, hooks,
// stop/kill/crash, names, dead letters, senders on other OS threads.

#include <grove/actor.hpp>

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include "actors_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::DeadLetterReason;
using grove::test::ActorTest;
using grove::test::Msg;
using grove::test::Probe;
using grove::test::ProbeConfig;

TEST_F(ActorTest, MatchVisitsTheHeldAlternative) {
  std::variant<int, std::string> v = std::string("hi");
  std::string seen;
  grove::match(v, [&](int i) { seen = "int " + std::to_string(i); }, [&](std::string& s) { seen = s; });
  EXPECT_EQ(seen, "hi");
  v = 3;
  const int doubled = grove::match(v, [](int i) { return 2 * i; }, [](std::string&) { return -1; });
  EXPECT_EQ(doubled, 6);
}

TEST_F(ActorTest, ReceivesInOrderBetweenOnStartAndOnStop) {
  std::vector<std::string> log;
  auto ref = grove::spawn_actor<Probe>(ProbeConfig{.log = &log});
  EXPECT_TRUE(ref);
  EXPECT_TRUE(ref.alive());
  ref.send(1);
  ref.send(std::string("two"));
  ref.send(3);
  EXPECT_EQ(ref.mailbox_size(), 3u);
  ref.send(grove::test::Stop{});
  ref.send(4);  // after stop(): left over
  ref.fiber().join();
  EXPECT_EQ(log, (std::vector<std::string>{"start", "int 1", "two", "int 3", "stop"}));
  EXPECT_FALSE(ref.alive());
  EXPECT_TRUE(ref.fiber().successful());
  EXPECT_TRUE(ref.fiber().exit_reason().is_normal());
  EXPECT_EQ(dead(DeadLetterReason::leftover), 1u);
}

TEST_F(ActorTest, SendsToADeadActorAreDeadLetters) {
  auto ref = grove::spawn_actor<Probe>();
  ref.send(grove::test::Stop{});
  ref.fiber().join();
  EXPECT_EQ(ref.send(1), grove::SendStatus::dead);
  EXPECT_EQ(ref.send(2), grove::SendStatus::dead);
  EXPECT_EQ(dead(DeadLetterReason::dead_actor), 2u);
  EXPECT_EQ(grove::dead_letters().total(), 2u);
}

TEST_F(ActorTest, ACrashDeadLettersTheMessageAndTheLeftovers) {
  std::vector<std::string> log;
  auto ref = grove::spawn_actor<Probe>(ProbeConfig{.log = &log});
  ref.send(1);
  ref.send(grove::test::Fail{});
  ref.send(2);
  ref.send(3);
  ref.fiber().join();
  EXPECT_FALSE(ref.fiber().successful());
  EXPECT_EQ(ref.fiber().exit_reason().kind(), grove::ExitReason::Kind::exception);
  EXPECT_THROW(ref.fiber().get(), std::domain_error);
  EXPECT_EQ(log, (std::vector<std::string>{"start", "int 1", "stop"}));
  EXPECT_EQ(dead(DeadLetterReason::crashed), 1u);
  EXPECT_EQ(dead(DeadLetterReason::leftover), 2u);
  EXPECT_FALSE(ref.alive());
}

TEST_F(ActorTest, KillStopsItAndRunsOnStop) {
  std::vector<std::string> log;
  auto ref = grove::spawn_actor<Probe>(ProbeConfig{.log = &log});
  ref.send(1);
  grove::this_fiber::yield();
  ref.send(2);
  ref.fiber().kill();
  EXPECT_FALSE(ref.alive());
  EXPECT_EQ(ref.fiber().exit_reason().kind(), grove::ExitReason::Kind::killed);
  EXPECT_EQ(log, (std::vector<std::string>{"start", "int 1", "stop"}));
  EXPECT_EQ(dead(DeadLetterReason::leftover), 1u);
}

TEST_F(ActorTest, KilledWhileHandlingAMessageDeadLettersIt) {
  grove::Event gate;
  std::vector<std::string> log;
  auto ref = grove::spawn_actor<Probe>(ProbeConfig{.log = &log});
  ref.send(grove::test::Hold{&gate});
  grove::this_fiber::yield();
  ref.fiber().kill();
  EXPECT_EQ(log, (std::vector<std::string>{"start", "hold", "stop"}));
  EXPECT_EQ(dead(DeadLetterReason::crashed), 1u);
}

TEST_F(ActorTest, NamesComeFromOptionsOrTheType) {
  auto named = grove::spawn_actor<Probe>(grove::ActorOptions{.name = "alice", .mailbox = {}});
  EXPECT_EQ(named.name(), "alice");
  EXPECT_EQ(named.fiber().name(), "alice");
  auto unnamed = grove::spawn_actor<Probe>();
  EXPECT_EQ(unnamed.name().rfind("Probe-", 0), 0u) << unnamed.name();
  EXPECT_NE(unnamed.name(), grove::spawn_actor<Probe>().name());
  grove::hub().shutdown();
}

class SelfSender final : public grove::Actor<int> {
 public:
  explicit SelfSender(std::vector<int>& seen) : seen_(seen) {}
  void on_start() override { self().send(3); }
  void receive(int& n) override {
    seen_.push_back(n);
    EXPECT_EQ(name(), self().name());
    if (n > 0) self().send(n - 1);
    else stop();
  }

 private:
  std::vector<int>& seen_;
};

TEST_F(ActorTest, SelfIsTheActorsOwnAddress) {
  std::vector<int> seen;
  auto ref = grove::spawn_actor<SelfSender>(seen);
  ref.fiber().join();
  EXPECT_EQ(seen, (std::vector<int>{3, 2, 1, 0}));
}

class ThrowsOnStop final : public grove::Actor<int> {
  void receive(int&) override { stop(); }
  void on_stop() override { throw std::runtime_error("on_stop failed"); }
};

TEST_F(ActorTest, AnExceptionFromOnStopIsLoggedNotRaised) {
  auto ref = grove::spawn_actor<ThrowsOnStop>();
  ref.send(1);
  ref.fiber().join();
  EXPECT_TRUE(ref.fiber().successful());
}

class ThrowsOnStart final : public grove::Actor<int> {
 public:
  explicit ThrowsOnStart(bool& stopped) : stopped_(stopped) {}
  void on_start() override { throw std::logic_error("no start"); }
  void on_stop() override { stopped_ = true; }
  void receive(int&) override {}

 private:
  bool& stopped_;
};

TEST_F(ActorTest, AnExceptionFromOnStartCrashesTheActor) {
  bool stopped = false;
  auto ref = grove::spawn_actor<ThrowsOnStart>(stopped);
  ref.send(1);
  ref.fiber().join();
  EXPECT_THROW(ref.fiber().get(), std::logic_error);
  EXPECT_TRUE(stopped);
  EXPECT_FALSE(ref.alive());
  EXPECT_EQ(dead(DeadLetterReason::leftover), 1u);
}

TEST_F(ActorTest, BoundedMailboxAppliesItsPolicy) {
  auto ref = grove::spawn_actor<Probe>(grove::ActorOptions{
      .name = "small", .mailbox = {.capacity = 2, .overflow = grove::Overflow::drop_newest}});
  EXPECT_EQ(ref.send(1), grove::SendStatus::delivered);
  EXPECT_EQ(ref.send(2), grove::SendStatus::delivered);
  EXPECT_EQ(ref.send(3), grove::SendStatus::shed);
  EXPECT_EQ(dead(DeadLetterReason::shed), 1u);
  ref.send(grove::test::Stop{});  // shed too
  ref.fiber().kill();
}

// Counter counts (sender, seq) pairs and checks FIFO per sender.
class Counter final : public grove::Actor<std::pair<int, int>> {
 public:
  Counter(int senders, int per_sender, bool& in_order) : next_(senders, 0), total_(senders * per_sender), in_order_(in_order) {}
  void receive(std::pair<int, int>& m) override {
    if (m.second != next_[m.first]) in_order_ = false;
    next_[m.first] = m.second + 1;
    if (++received_ == total_) stop();
  }

 private:
  std::vector<int> next_;
  int total_;
  int received_ = 0;
  bool& in_order_;
};

TEST_F(ActorTest, EightThreadsTimesTenThousandArriveFifoPerSender) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10000;
  bool in_order = true;
  auto ref = grove::spawn_actor<Counter>(kThreads, kPerThread, in_order);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([ref, t] {
      for (int i = 0; i < kPerThread; ++i) ref.send({t, i});
    });
  // Only the other threads can end the actor's wait: the join gets a
  // timeout (with none, an idle hub would call it a LoopExit).
  EXPECT_TRUE(ref.fiber().join(30s));
  for (auto& th : threads) th.join();
  EXPECT_TRUE(in_order);
  EXPECT_TRUE(ref.fiber().successful());
  EXPECT_EQ(grove::dead_letters().total(), 0u);
}

TEST_F(ActorTest, EightFibersTimesTenThousandArriveFifoPerSender) {
  constexpr int kFibers = 8;
  constexpr int kPerFiber = 10000;
  bool in_order = true;
  auto ref = grove::spawn_actor<Counter>(kFibers, kPerFiber, in_order);
  std::vector<grove::Fiber<>> senders;
  for (int f = 0; f < kFibers; ++f)
    senders.push_back(grove::spawn([ref, f] {
      for (int i = 0; i < kPerFiber; ++i) {
        ref.send({f, i});
        if (i % 97 == 0) grove::this_fiber::yield();
      }
    }));
  ref.fiber().join();
  for (auto& s : senders) s.join();
  EXPECT_TRUE(in_order);
}

}  // namespace
