// cross_hub_test.cpp — messages between the hubs of a Runtime: per-sender
// FIFO across hubs under load, ask across hubs (the reply lands on the
// asker's hub, a timeout fires there, the callee's error reaches it), and
// Config::spin: a spinning hub takes them without sleeping, yet keeps its
// timers' time.

#include <grove/runtime.hpp>

#include <grove/actor.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "hub_fixture.hpp"
#include "runtime_test_support.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::HubId;
using grove::Runtime;
namespace t = grove::test;
using CrossHubTest = grove::test::HubTest;

struct Seq {
  std::size_t sender;
  std::uint64_t n;
};
struct Report {};
using OrderMsg = std::variant<Seq, Report>;

struct OrderReport {
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
  std::vector<std::uint64_t> next;  // per sender: the number expected next
  std::size_t hub = 0;
};

// OrderChecker counts, per sender, messages that do not come in the order
// they were sent.
class OrderChecker : public grove::Actor<OrderMsg> {
 protected:
  void receive(OrderMsg& m) override {
    grove::match(
        m,
        [&](Seq& s) {
          if (s.sender >= report_.next.size()) report_.next.resize(s.sender + 1, 0);
          if (s.n != report_.next[s.sender]) ++report_.out_of_order;
          report_.next[s.sender] = s.n + 1;
          ++report_.received;
        },
        [&](Report&) {
          report_.hub = grove::this_hub().index;
          reply(report_);
        });
  }

 private:
  OrderReport report_;
};

// 8 senders, 4 on each of 2 hubs, each sends 10,000 numbered messages to
// the checker on the other hub; every sender's messages arrive in order.
TEST_F(CrossHubTest, EachSendersMessagesArriveInOrderAcrossHubs) {
  constexpr std::size_t kSenders = 8;
  constexpr std::uint64_t kMessages = 10'000;
  Runtime rt({.hubs = 2});
  const std::vector<grove::ActorRef<OrderMsg>> checkers{rt.spawn_actor_on<OrderChecker>(HubId{0}),
                                                        rt.spawn_actor_on<OrderChecker>(HubId{1})};
  std::vector<grove::AsyncResult<std::size_t>> senders;
  for (std::size_t s = 0; s < kSenders; ++s) {
    const HubId from{s % 2};
    const auto& to = checkers[1 - from.index];
    senders.push_back(rt.spawn_on(from, [s, to] {
      for (std::uint64_t n = 0; n < kMessages; ++n) {
        to.send(Seq{s, n});
        if (n % 128 == 127) grove::this_fiber::yield();  // interleave with this hub's other senders
      }
      return grove::this_hub().index;
    }));
  }
  for (std::size_t s = 0; s < kSenders; ++s) EXPECT_EQ(senders[s].get(), s % 2);
  // The senders are done, so each checker has every message queued before
  // this ask (one mailbox queue, filled in order).
  for (std::size_t c = 0; c < 2; ++c) {
    const OrderReport r = checkers[c].ask<OrderReport>(Report{}, 30s).get();
    EXPECT_EQ(r.hub, c);
    EXPECT_EQ(r.received, kSenders / 2 * kMessages);
    EXPECT_EQ(r.out_of_order, 0u);
    ASSERT_EQ(r.next.size(), kSenders - c) << "checker " << c;
    for (std::size_t s = 0; s < r.next.size(); ++s)
      EXPECT_EQ(r.next[s], s % 2 == c ? 0 : kMessages) << "checker " << c << " sender " << s;
  }
}

struct Echo {
  int value;
};
struct Fail {};
struct Hold {};
using AskMsg = std::variant<Echo, Fail, Hold>;

// Answerer doubles Echo and answers with its hub, throws on Fail, and
// keeps a Hold's reply address without ever answering.
class Answerer : public grove::Actor<AskMsg> {
 protected:
  void receive(AskMsg& m) override {
    grove::match(
        m, [&](Echo& e) { reply(std::make_pair(e.value * 2, grove::this_hub().index)); },
        [&](Fail&) { throw std::runtime_error("refused on hub " + std::to_string(grove::this_hub().index)); },
        [&](Hold&) { held_.push_back(defer_reply()); });
  }

 private:
  std::vector<Deferred> held_;
};

using Answer = std::pair<int, std::size_t>;

TEST_F(CrossHubTest, AskAcrossHubsRepliesOnTheAskersHub) {
  Runtime rt({.hubs = 2});
  auto answerer = rt.spawn_actor_on<Answerer>(HubId{1});
  // From a fiber of hub 0: the callee answers on hub 1, the reply lands on 0.
  auto r = rt.spawn_on(HubId{0}, [answerer] {
    const Answer a = answerer.ask<Answer>(Echo{21}, 10s).get();
    return std::make_pair(a, grove::this_hub().index);
  });
  const auto [answer, asker_hub] = r.get();
  EXPECT_EQ(answer, (Answer{42, 1}));
  EXPECT_EQ(asker_hub, 0u);
  // From main (its own hub, outside the Runtime).
  EXPECT_EQ(answerer.ask<Answer>(Echo{5}, 10s).get(), (Answer{10, 1}));
}

TEST_F(CrossHubTest, AskAcrossHubsTimesOutOnTheAskersHub) {
  Runtime rt({.hubs = 2});
  auto answerer = rt.spawn_actor_on<Answerer>(HubId{1});
  auto r = rt.spawn_on(HubId{0}, [answerer] {
    try {
      (void)answerer.ask<Answer>(Hold{}, 50ms).get();
    } catch (const grove::Timeout&) {
      return grove::this_hub().index;
    }
    return std::size_t{99};
  });
  EXPECT_EQ(r.get(), 0u);
  // The actor is unharmed and still answers.
  EXPECT_EQ(answerer.ask<Answer>(Echo{1}, 10s).get(), (Answer{2, 1}));
  EXPECT_THROW((void)answerer.ask<Answer>(Hold{}, 20ms).get(), grove::Timeout);
}

TEST_F(CrossHubTest, TheCalleesErrorReachesTheAskerOnAnotherHub) {
  Runtime rt({.hubs = 2, .hub = {.unhandled = grove::UnhandledPolicy::ignore}});
  auto answerer = rt.spawn_actor_on<Answerer>(HubId{1});
  auto r = rt.spawn_on(HubId{0}, [answerer] {
    try {
      (void)answerer.ask<Answer>(Fail{}, 10s).get();
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  });
  EXPECT_EQ(r.get(), "refused on hub 1");
  // The actor crashed with it: a later ask fails with ActorDead.
  EXPECT_THROW((void)answerer.ask<Answer>(Echo{1}, 10s).get(), grove::ActorDead);
}

// round_trips(rt, n) asks an Answerer on hub 1 n times from a fiber of hub 0
// and returns how often hub 1 slept (blocked in its io_context) meanwhile.
std::uint64_t sleeps_during_round_trips(Runtime& rt, int n) {
  auto answerer = rt.spawn_actor_on<Answerer>(HubId{1});
  auto sleeps = [&rt] { return rt.call_on(HubId{1}, [] { return grove::hub().sleeps(); }).get(); };
  const std::uint64_t before = sleeps();
  auto done = rt.spawn_on(HubId{0}, [answerer, n] {
    int sum = 0;
    for (int i = 0; i < n; ++i) sum += answerer.ask<Answer>(Echo{1}, 10s).get().first;
    return sum;
  });
  EXPECT_EQ(done.get(), 2 * n);
  return sleeps() - before;
}

TEST_F(CrossHubTest, AHubThatSpinsTakesCrossHubMessagesWithoutSleeping) {
  // The asks come microseconds apart; a hub spinning for up to 2 s between
  // them never needs to sleep (a few sleeps are allowed for a descheduled
  // asker on a loaded machine).
  constexpr int kTrips = 300;
  Runtime spinning({.hubs = 2, .spin = 2s});
  const std::uint64_t spun = sleeps_during_round_trips(spinning, kTrips);
  spinning.stop();
  EXPECT_LE(spun, static_cast<std::uint64_t>(kTrips / 10));
  // Without spin the same hub sleeps between asks (the counter counts).
  Runtime sleeping({.hubs = 2, .spin = grove::Duration::zero()});
  EXPECT_GE(sleeps_during_round_trips(sleeping, kTrips), 1u);
}

TEST_F(CrossHubTest, ASpinningHubStillWakesItsTimersOnTime) {
  // Spinning stops at the next timer's deadline: a 20 ms sleep on a hub
  // that would spin for 30 s ends long before the spin would.
  Runtime rt({.hubs = 1, .spin = 30s});
  const auto elapsed = rt.spawn_on(HubId{0}, [] {
                           const auto t0 = std::chrono::steady_clock::now();
                           grove::this_fiber::sleep(20ms);
                           return std::chrono::steady_clock::now() - t0;
                         }).get();
  EXPECT_GE(elapsed, 20ms);
  EXPECT_LT(elapsed, 10s);
}

TEST_F(CrossHubTest, ANegativeSpinIsAUsageError) {
  EXPECT_THROW(Runtime({.hubs = 1, .spin = -1ms}), grove::UsageError);
  std::thread([] { EXPECT_THROW(grove::Hub::create({.spin = -1ms}), grove::UsageError); }).join();
}

}  // namespace
