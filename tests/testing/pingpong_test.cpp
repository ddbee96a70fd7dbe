// pingpong_test.cpp — the Pinger/Ponger example of docs/testing.md, compiled
// and run: a TestProbe plays the pinger against a real Ponger actor, on
// virtual time, under the fixture and under explore().

#include <grove/testing.hpp>

#include <grove/actor.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

using namespace std::chrono_literals;

namespace {

// --- docs/testing.md example begins
struct Pong {
  int n;
};
struct Ping {
  int n;
  grove::ActorRef<Pong> reply_to;
};

// Ponger thinks for 100 ms, then answers each Ping with a Pong.
class Ponger : public grove::Actor<Ping> {
  void receive(Ping& ping) override {
    grove::this_fiber::sleep(100ms);
    ping.reply_to.send(Pong{ping.n});
  }
};

class DeterministicPingPong : public grove::testing::DeterministicTest {};

TEST_F(DeterministicPingPong, PongerAnswersEachPingAfterThinking) {
  grove::testing::TestProbe<Pong> pinger("pinger");
  auto ponger = grove::spawn_actor<Ponger>();
  ponger.send(Ping{1, pinger.ref()});
  ponger.send(Ping{2, pinger.ref()});

  pinger.expect_no_message(99ms);           // thinking...
  EXPECT_EQ(pinger.expect(1ms).n, 1);       // at 100 ms of virtual time exactly
  EXPECT_EQ(pinger.expect(100ms).n, 2);     // and the next 100 ms later
  EXPECT_EQ(sim().elapsed(), 200ms);        // no real time spent waiting

  ponger.fiber().kill();                    // nothing may outlive the test
}

TEST(DeterministicPingPongExplore, EveryPingerGetsItsOwnPongsInOrderUnderEverySeed) {
  grove::testing::explore(50, [] {
    grove::testing::TestProbe<Pong> alice("alice"), bob("bob");
    auto ponger = grove::spawn_actor<Ponger>();
    for (int n = 0; n < 3; ++n) {
      grove::spawn([&, n] { ponger.send(Ping{n, alice.ref()}); });
      grove::spawn([&, n] { ponger.send(Ping{10 + n, bob.ref()}); });
    }
    std::vector<int> a, b;
    for (const Pong& p : alice.receive_n(3, 1s)) a.push_back(p.n);
    for (const Pong& p : bob.receive_n(3, 1s)) b.push_back(p.n);
    EXPECT_EQ(a.size(), 3u);
    EXPECT_EQ(b.size(), 3u);
    ponger.fiber().kill();
  });
}
// --- docs/testing.md example ends

}  // namespace
