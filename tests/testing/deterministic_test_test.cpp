// deterministic_test_test.cpp — the DeterministicTest fixture: a fresh
// simulation per test (seeded by GROVE_SEED), and a TearDown that fails the
// test for unhandled fiber exceptions, fibers or timers outliving it, and
// unconsumed probe messages.

#include <grove/testing/deterministic_test.hpp>

#include <grove/testing/test_probe.hpp>

#include <grove/actor.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include "testing_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

namespace {

// Harness runs the fixture's SetUp and TearDown inside another test, so
// that the failures TearDown records can be captured and checked.
class Harness : public grove::testing::DeterministicTest {
 public:
  void TestBody() override {}
  template <class F>
  std::vector<std::string> run(F body) {
    return failures_of([&] {
      SetUp();
      body(sim());
      TearDown();
    });
  }
};

TEST(TestingFixture, ACleanTestPasses) {
  Harness h;
  auto failures = h.run([](grove::testing::Simulation& sim) {
    auto f = grove::spawn([] { grove::this_fiber::sleep(1min); });
    sim.advance(1min);
    EXPECT_TRUE(f.dead());
  });
  EXPECT_TRUE(failures.empty()) << failures.front();
}

TEST(TestingFixture, AFiberOutlivingTheTestFailsIt) {
  Harness h;
  auto failures = h.run([](grove::testing::Simulation&) {
    grove::spawn([] { grove::this_fiber::sleep(1h); }).set_name("lingerer");
  });
  EXPECT_TRUE(mentions(failures, "1 fiber(s) outlived the test")) << ::testing::PrintToString(failures);
  EXPECT_TRUE(mentions(failures, "lingerer waits on sleep")) << ::testing::PrintToString(failures);
  EXPECT_TRUE(mentions(failures, "1 timer(s) still armed")) << ::testing::PrintToString(failures);
}

TEST(TestingFixture, AnUnhandledFiberExceptionFailsTheTest) {
  Harness h;
  auto failures = h.run([](grove::testing::Simulation&) {
    grove::spawn([] { throw std::runtime_error("boom"); }).set_name("doomed");
  });
  ASSERT_EQ(failures.size(), 1u) << ::testing::PrintToString(failures);
  EXPECT_TRUE(mentions(failures, "fiber 'doomed' died with an unhandled exception: boom")) << failures[0];
}

struct Fragile : grove::Actor<int> {
  void receive(int&) override { throw std::logic_error("fragile broke"); }
};

TEST(TestingFixture, AnUnsupervisedActorCrashFailsTheTest) {
  Harness h;
  auto failures = h.run([](grove::testing::Simulation& sim) {
    auto a = grove::spawn_actor<Fragile>(grove::ActorOptions{.name = "fragile", .mailbox = {}});
    a.send(1);
    sim.advance(0s);
  });
  ASSERT_EQ(failures.size(), 1u) << ::testing::PrintToString(failures);
  EXPECT_TRUE(mentions(failures, "fiber 'fragile' died with an unhandled exception: fragile broke")) << failures[0];
}

TEST(TestingFixture, AnExpectedCrashCanBeClaimed) {
  Harness h;
  auto failures = h.run([](grove::testing::Simulation& sim) {
    grove::spawn([] { throw std::runtime_error("expected"); });
    sim.advance(0s);
    auto crashes = sim.take_unhandled();
    ASSERT_EQ(crashes.size(), 1u);
    EXPECT_EQ(crashes[0].what, "expected");
  });
  EXPECT_TRUE(failures.empty()) << failures.front();
}

TEST(TestingFixture, AnUnconsumedProbeMessageFailsTheTest) {
  Harness h;
  grove::testing::TestProbe<int>* leaked = nullptr;
  auto failures = h.run([&](grove::testing::Simulation& sim) {
    leaked = new grove::testing::TestProbe<int>("inbox");  // outlives the test, like a fixture member
    leaked->ref().send(41);
    leaked->ref().send(42);
    sim.advance(0s);
    EXPECT_EQ(leaked->expect(1s), 41);
  });
  delete leaked;  // already reported and emptied by TearDown: nothing more
  ASSERT_EQ(failures.size(), 1u) << ::testing::PrintToString(failures);
  EXPECT_TRUE(mentions(failures, "'inbox': 1 message(s) received but never consumed")) << failures[0];
  EXPECT_TRUE(mentions(failures, "42")) << failures[0];
}

TEST(TestingFixture, GroveSeedSeedsTheSimulation) {
  const char* old = std::getenv("GROVE_SEED");
  const std::string saved = old ? old : "";
  ::setenv("GROVE_SEED", "31", 1);
  Harness h;
  auto failures = h.run([](grove::testing::Simulation& sim) {
    ASSERT_TRUE(sim.seed());
    EXPECT_EQ(*sim.seed(), 31u);
  });
  if (old) ::setenv("GROVE_SEED", saved.c_str(), 1);
  else ::unsetenv("GROVE_SEED");
  EXPECT_TRUE(failures.empty()) << failures.front();
}

class TestingFixtureInUse : public grove::testing::DeterministicTest {};

TEST_F(TestingFixtureInUse, EachTestStartsAtTheEpochWithNoFibers) {
  EXPECT_EQ(now(), grove::testing::virtual_epoch);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  advance(1h);
  EXPECT_EQ(sim().elapsed(), 1h);
}

}  // namespace
