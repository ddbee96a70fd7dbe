// actor_ref_test.cpp — ActorRef: send and ask (reply, defer_reply, timeout,
// error propagation, dead actors, type mismatches), the default ask timeout.

#include <grove/actor_ref.hpp>

#include <grove/actor.hpp>
#include <grove/timeout.hpp>

#include "actors_test_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::DeadLetterReason;
using grove::test::ActorTest;
using grove::test::Msg;
using grove::test::Probe;
using grove::test::ProbeConfig;
namespace t = grove::test;

TEST_F(ActorTest, EmptyRefIsAUsageError) {
  grove::ActorRef<Msg> ref;
  EXPECT_FALSE(ref);
  EXPECT_THROW(ref.send(1), grove::UsageError);
  EXPECT_THROW((void)ref.name(), grove::UsageError);
  EXPECT_THROW((void)ref.alive(), grove::UsageError);
}

TEST_F(ActorTest, RefsCompareByActor) {
  auto a = grove::spawn_actor<Probe>();
  auto b = grove::spawn_actor<Probe>();
  auto a2 = a;
  EXPECT_TRUE(a == a2);
  EXPECT_FALSE(a == b);
  EXPECT_EQ(a.cell_ptr(), a2.cell_ptr());
  grove::hub().shutdown();
}

TEST_F(ActorTest, AskGetsTheReply) {
  auto ref = grove::spawn_actor<Probe>();
  EXPECT_EQ(ref.ask<int>(t::Add{2, 3}).get(), 5);
  EXPECT_EQ(ref.ask<int>(t::Add{20, 22}, 1s).get(), 42);
  ref.send(t::Stop{});
  ref.fiber().join();
}

TEST_F(ActorTest, AskRejectsANegativeOrNaNTimeoutBeforeSending) {
  auto ref = grove::spawn_actor<Probe>();
  try {
    (void)ref.ask<int>(t::Add{1, 1}, -1ms);
    ADD_FAILURE() << "no UsageError";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("ActorRef::ask"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("negative"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)ref.ask<int>(t::Add{1, 1}, std::chrono::duration<double>(std::nan(""))), grove::UsageError);
  // A time point is a deadline too; the actor still answers.
  EXPECT_EQ(ref.ask<int>(t::Add{2, 2}, grove::hub().now() + 1s).get(), 4);
  ref.send(t::Stop{});
  ref.fiber().join();
}

TEST_F(ActorTest, AskTimesOutWithGroveTimeout) {
  auto ref = grove::spawn_actor<Probe>();
  auto result = ref.ask<int>(t::Defer{}, 20ms);  // kept, never answered
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(result.get(), grove::Timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 15ms);
  ref.send(t::Resolve{1});  // too late: ignored
  ref.send(t::Stop{});
  ref.fiber().join();
  EXPECT_EQ(grove::dead_letters().total(), 0u);
}

TEST_F(ActorTest, AskPropagatesTheCalleesExceptionType) {
  auto ref = grove::spawn_actor<Probe>();
  auto result = ref.ask<int>(t::Fail{});
  try {
    result.get();
    FAIL() << "no exception";
  } catch (const std::domain_error& e) {
    EXPECT_STREQ(e.what(), "boom");
  }
  ref.fiber().join();
  EXPECT_EQ(dead(DeadLetterReason::crashed), 1u);
}

TEST_F(ActorTest, AskToADeadActorFailsWithActorDead) {
  auto ref = grove::spawn_actor<Probe>();
  ref.send(t::Stop{});
  ref.fiber().join();
  EXPECT_THROW(ref.ask<int>(t::Add{1, 1}).get(), grove::ActorDead);
  EXPECT_EQ(dead(DeadLetterReason::dead_actor), 1u);
}

TEST_F(ActorTest, AskLeftInTheMailboxOfAStoppingActorFailsWithActorDead) {
  auto ref = grove::spawn_actor<Probe>();
  ref.send(t::Stop{});
  auto result = ref.ask<int>(t::Add{1, 1});
  EXPECT_THROW(result.get(), grove::ActorDead);
  EXPECT_EQ(dead(DeadLetterReason::leftover), 1u);
  ref.fiber().join();
}

TEST_F(ActorTest, AskToAnActorKilledWhileHandlingItFailsWithActorDead) {
  grove::Event gate;
  auto ref = grove::spawn_actor<Probe>();
  ref.send(t::Hold{&gate});
  auto result = ref.ask<int>(t::Add{1, 1});
  grove::this_fiber::yield();
  ref.fiber().kill();
  EXPECT_THROW(result.get(), grove::ActorDead);
}

TEST_F(ActorTest, DeferReplyAnswersLater) {
  auto ref = grove::spawn_actor<Probe>();
  auto result = ref.ask<int>(t::Defer{});
  grove::this_fiber::yield();
  EXPECT_FALSE(result.ready());
  ref.send(t::Resolve{77});
  EXPECT_EQ(result.get(), 77);
  ref.send(t::Stop{});
  ref.fiber().join();
}

TEST_F(ActorTest, ReplyOfTheWrongTypeIsAUsageError) {
  auto ref = grove::spawn_actor<Probe>();
  EXPECT_THROW(ref.ask<int>(t::WrongType{}).get(), grove::UsageError);
  EXPECT_EQ(ref.ask<std::string>(t::WrongType{}).get(), "not an int");
  ref.send(t::Stop{});
  ref.fiber().join();
}

TEST_F(ActorTest, ReturningWithoutAReplyIsAUsageErrorForTheCaller) {
  auto ref = grove::spawn_actor<Probe>();
  EXPECT_THROW(ref.ask<int>(t::Silent{}).get(), grove::UsageError);
  EXPECT_TRUE(ref.alive());
  ref.send(t::Stop{});
  ref.fiber().join();
}

TEST_F(ActorTest, ASecondReplyIsRefused) {
  std::vector<std::string> log;
  auto ref = grove::spawn_actor<Probe>(ProbeConfig{.log = &log});
  EXPECT_EQ(ref.ask<int>(t::ReplyTwice{}).get(), 1);
  ref.send(t::Stop{});
  ref.fiber().join();
  EXPECT_EQ(log, (std::vector<std::string>{"start", "second reply refused", "stop"}));
}

TEST_F(ActorTest, ReplyOutsideAnAskCrashesTheActorWithUsageError) {
  auto ref = grove::spawn_actor<Probe>();
  ref.send(t::Add{1, 2});  // a tell: reply() has no one to answer
  ref.fiber().join();
  EXPECT_THROW(ref.fiber().get(), grove::UsageError);
}

TEST_F(ActorTest, AskVoidWaitsForAnEmptyReply) {
  class Acker final : public grove::Actor<int> {
    void receive(int& n) override {
      if (n < 0) return stop();
      reply();
    }
  };
  auto ref = grove::spawn_actor<Acker>();
  auto r = ref.ask(1);
  r.get();
  EXPECT_TRUE(r.successful());
  ref.send(-1);
  ref.fiber().join();
}

TEST_F(ActorTest, AskShedByAFullMailboxFailsWithMailboxFull) {
  grove::Event gate;
  auto ref = grove::spawn_actor<Probe>(
      grove::ActorOptions{.name = "tiny", .mailbox = {.capacity = 1, .overflow = grove::Overflow::drop_newest}});
  ref.send(t::Hold{&gate});
  grove::this_fiber::yield();  // it is holding
  ref.send(1);                 // fills the mailbox
  EXPECT_THROW(ref.ask<int>(t::Add{1, 1}).get(), grove::MailboxFull);
  gate.set();
  ref.send(t::Stop{});  // shed: the mailbox holds 1 until the actor runs
  ref.fiber().kill();
}

TEST_F(ActorTest, DefaultAskTimeoutIsFiveSecondsAndConfigurable) {
  EXPECT_EQ(grove::default_ask_timeout(), std::chrono::duration_cast<grove::Duration>(5s));
  grove::set_default_ask_timeout(30ms);
  auto ref = grove::spawn_actor<Probe>();
  auto r = ref.ask<int>(t::Defer{});
  EXPECT_THROW(r.get(), grove::Timeout);
  EXPECT_THROW(grove::set_default_ask_timeout(grove::Duration::zero()), grove::UsageError);
  grove::set_default_ask_timeout(5s);
  ref.send(t::Stop{});
  ref.fiber().join();
}

TEST_F(ActorTest, AskFromAnotherActorWorks) {
  class Asker final : public grove::Actor<int> {
   public:
    Asker(grove::ActorRef<Msg> calc, int& out) : calc_(std::move(calc)), out_(out) {}
    void receive(int& n) override {
      out_ = calc_.ask<int>(t::Add{n, n}).get();
      stop();
    }

   private:
    grove::ActorRef<Msg> calc_;
    int& out_;
  };
  int out = 0;
  auto calc = grove::spawn_actor<Probe>();
  auto asker = grove::spawn_actor<Asker>(calc, out);
  asker.send(21);
  asker.fiber().join();
  EXPECT_EQ(out, 42);
  calc.send(t::Stop{});
  calc.fiber().join();
}

}  // namespace

namespace {

// Deferrer answers asks later through Deferred: 0 fails, 1 acks (void),
// 2 records asking() for a tell and for an ask.
class Deferrer final : public grove::Actor<int> {
 public:
  explicit Deferrer(std::vector<bool>& asking) : asking_(asking) {}
  void receive(int& n) override {
    if (n < 0) return stop();
    if (n == 2) {
      asking_.push_back(asking());
      if (asking()) reply(0);
      return;
    }
    Deferred later = defer_reply();
    asking_.push_back(asking());  // false once deferred
    grove::spawn([later, n]() mutable {
      if (n == 0) later.fail(std::make_exception_ptr(std::out_of_range("later")));
      else later.reply();
    });
  }

 private:
  std::vector<bool>& asking_;
};

TEST_F(ActorTest, DeferredCanFailOrAckFromAnotherFiber) {
  std::vector<bool> asking;
  auto ref = grove::spawn_actor<Deferrer>(asking);
  EXPECT_THROW(ref.ask<int>(0).get(), std::out_of_range);
  auto ack = ref.ask(1);
  ack.get();
  EXPECT_TRUE(ack.successful());
  ref.send(2);                    // a tell: asking() is false
  EXPECT_EQ(ref.ask<int>(2).get(), 0);  // an ask: asking() is true
  ref.send(-1);
  ref.fiber().join();
  EXPECT_EQ(asking, (std::vector<bool>{false, false, false, true}));
}

}  // namespace
