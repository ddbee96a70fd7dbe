// test_probe_test.cpp — TestProbe: expect<T>, expect_no_message, fish_for,
// receive_n, reply to asks; virtual timeouts; unconsumed messages fail.

#include <grove/testing/test_probe.hpp>

#include <grove/testing/deterministic_test.hpp>

#include <grove/actor.hpp>
#include <grove/deadline.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include "testing_support.hpp"
#include "usage_error_of.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
using grove::testing::ProbeFailure;
using grove::testing::TestProbe;

namespace {

struct Ping {
  int n;
};
struct Pong {
  int n;
};
std::ostream& operator<<(std::ostream& os, const Ping& p) { return os << "Ping{" << p.n << "}"; }
std::ostream& operator<<(std::ostream& os, const Pong& p) { return os << "Pong{" << p.n << "}"; }
using Msg = std::variant<Ping, Pong>;

class TestingProbe : public grove::testing::DeterministicTest {};

TEST_F(TestingProbe, ExpectReturnsTheNextMessageAsTheAskedType) {
  TestProbe<Msg> probe;
  probe.ref().send(Pong{3});
  probe.ref().send(Ping{4});
  EXPECT_EQ(probe.expect<Pong>(1s).n, 3);
  EXPECT_EQ(std::get<Ping>(probe.expect(1s)).n, 4);
}

TEST_F(TestingProbe, ExpectWaitsForALateMessageOnVirtualTime) {
  TestProbe<Msg> probe;
  grove::spawn([ref = probe.ref()] {
    grove::this_fiber::sleep(20s);
    ref.send(Pong{1});
  });
  EXPECT_EQ(probe.expect<Pong>(30s).n, 1);
  EXPECT_EQ(sim().elapsed(), 20s);
}

TEST_F(TestingProbe, ExpectTimesOutOnVirtualTime) {
  TestProbe<Msg> probe("slowpoke");
  const auto t0 = std::chrono::steady_clock::now();
  try {
    probe.expect<Pong>(10s);
    FAIL() << "expect should have thrown";
  } catch (const ProbeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("'slowpoke'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no message within 10000 ms"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sim().elapsed(), 10s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
}

TEST_F(TestingProbe, ExpectOfTheWrongTypeFailsAndNamesWhatCame) {
  TestProbe<Msg> probe;
  probe.ref().send(Ping{7});
  try {
    probe.expect<Pong>(1s);
    FAIL() << "expect should have thrown";
  } catch (const ProbeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("expected a "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Ping{7}"), std::string::npos) << e.what();
  }
}

TEST_F(TestingProbe, ExpectNoMessagePassesInSilenceAndFailsOtherwise) {
  TestProbe<Msg> probe;
  probe.expect_no_message(5s);
  EXPECT_EQ(sim().elapsed(), 5s);
  grove::spawn([ref = probe.ref()] {
    grove::this_fiber::sleep(1s);
    ref.send(Ping{1});
  });
  auto failures = failures_of([&] { probe.expect_no_message(5s); });
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_TRUE(mentions(failures, "expected no message for 5000 ms but got")) << failures[0];
}

TEST_F(TestingProbe, FishForSkipsUntilThePredicateHolds) {
  TestProbe<Msg> probe;
  for (int i = 0; i < 5; ++i) probe.ref().send(Ping{i});
  Msg m = probe.fish_for([](const Msg& m) { return std::get<Ping>(m).n == 3; }, 1s);
  EXPECT_EQ(std::get<Ping>(m).n, 3);
  EXPECT_EQ(std::get<Ping>(probe.expect(1s)).n, 4);
  EXPECT_THROW(probe.fish_for([](const Msg&) { return true; }, 2s), ProbeFailure);
}

TEST_F(TestingProbe, ReceiveNTakesNMessagesWithinOneTimeout) {
  TestProbe<int> probe;
  grove::spawn([ref = probe.ref()] {
    for (int i = 0; i < 3; ++i) {
      grove::this_fiber::sleep(1s);
      ref.send(i);
    }
  });
  EXPECT_EQ(probe.receive_n(3, 5s), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(sim().elapsed(), 3s);
  grove::spawn([ref = probe.ref()] {
    grove::this_fiber::sleep(1s);
    ref.send(9);
  });
  EXPECT_THROW(probe.receive_n(2, 5s), ProbeFailure);
}

TEST_F(TestingProbe, TimeoutsTakeATimePointAsAnAbsoluteDeadline) {
  TestProbe<int> probe;
  grove::spawn([ref = probe.ref()] {
    for (int i = 0; i < 3; ++i) {
      grove::this_fiber::sleep(1s);
      ref.send(i);
    }
  });
  const auto t0 = grove::hub().now();
  EXPECT_EQ(probe.expect(t0 + 2s), 0);
  EXPECT_EQ(probe.fish_for([](int n) { return n == 2; }, t0 + 5s), 2);
  EXPECT_EQ(sim().elapsed(), 3s);
  try {
    (void)probe.receive_n(1, t0 + 4s);
    FAIL() << "receive_n should have thrown";
  } catch (const ProbeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("got 0 of 1 messages within 1000 ms"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sim().elapsed(), 4s);
  EXPECT_THROW((void)probe.expect(t0), ProbeFailure);  // passed: a poll
  EXPECT_EQ(sim().elapsed(), 4s);
}

using grove::test::usage_error_of;

TEST_F(TestingProbe, NegativeOrNaNTimeoutsAreUsageErrorsNamingTheCall) {
  TestProbe<int> probe;
  probe.ref().send(1);  // a message is there: a bad timeout is still misuse, not a poll
  advance(0s);
  const auto nan = std::chrono::duration<double>(std::nan(""));
  const std::vector<std::pair<std::string, std::function<void(grove::Deadline)>>> calls = {
      {"TestProbe::expect", [&](grove::Deadline d) { (void)probe.expect(d); }},
      {"TestProbe::fish_for", [&](grove::Deadline d) { (void)probe.fish_for([](int) { return true; }, d); }},
      {"TestProbe::receive_n", [&](grove::Deadline d) { (void)probe.receive_n(1, d); }},
  };
  for (const auto& [call, fn] : calls) {
    const std::string negative = usage_error_of([&] { fn(-1ms); });
    EXPECT_NE(negative.find(call + ": the duration is negative"), std::string::npos) << negative;
    const std::string bad = usage_error_of([&] { fn(nan); });
    EXPECT_NE(bad.find(call + ": the duration is NaN"), std::string::npos) << bad;
  }
  const std::string quiet = usage_error_of([&] { probe.expect_no_message(-1ms); });
  EXPECT_NE(quiet.find("TestProbe::expect_no_message: the duration is negative"), std::string::npos) << quiet;
  const std::string quiet_nan = usage_error_of([&] { probe.expect_no_message(nan); });
  EXPECT_NE(quiet_nan.find("TestProbe::expect_no_message: the duration is NaN"), std::string::npos) << quiet_nan;
  const std::string ctor = usage_error_of([] { TestProbe<int> bad("bad", -1ms); });
  EXPECT_NE(ctor.find("TestProbe: the duration is negative"), std::string::npos) << ctor;
  EXPECT_EQ(sim().elapsed(), 0s);
  EXPECT_EQ(probe.expect(0s), 1);  // untouched by the rejected calls
}

TEST_F(TestingProbe, ReplyAnswersTheAskTakenLast) {
  TestProbe<Msg> probe;
  auto answer = probe.ref().ask<int>(Ping{1}, 5s);
  EXPECT_EQ(probe.expect<Ping>().n, 1);
  ASSERT_TRUE(probe.can_reply());
  probe.reply(42);
  EXPECT_EQ(answer.get(), 42);
  probe.ref().send(Ping{2});
  probe.expect<Ping>();
  EXPECT_THROW(probe.reply(1), grove::UsageError);  // a send, not an ask
}

TEST_F(TestingProbe, UnconsumedMessagesFailTheTestWhenTheProbeGoes) {
  auto failures = failures_of([this] {
    TestProbe<Msg> probe("forgotten");
    probe.ref().send(Pong{5});
    advance(0s);  // the probe's actor takes it in
  });
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_TRUE(mentions(failures, "'forgotten': 1 message(s) received but never consumed")) << failures[0];
  EXPECT_TRUE(mentions(failures, "Pong{5}")) << failures[0];
}

}  // namespace
