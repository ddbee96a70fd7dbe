// wait_joinall_test.cpp — joinall's count, braced-list and variadic forms
// (wait.hpp), on virtual time. Part of fibers_wait_test.

#include "wait_test_support.hpp"

namespace {

TEST_F(WaitTest, JoinallWithCountReturnsTheFirstToFinish) {
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs{sleeper(30ms, 30), sleeper(10ms, 10), sleeper(20ms, 20)};
  const auto t0 = sim.now();
  auto done = grove::joinall(fs, grove::Deadline::never(), 2);
  EXPECT_EQ(sim.now() - t0, 20ms);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0], fs[1]);
  EXPECT_EQ(done[1], fs[2]);
  EXPECT_FALSE(fs[0].dead());
  // Finished ones count at once; with a timeout, the timeout wins when it
  // comes first.
  EXPECT_EQ(grove::joinall(fs, 0ms, 1).size(), 1u);
  auto late = grove::joinall(std::vector{fs[0]}, 5ms, 1);
  EXPECT_TRUE(late.empty());
  EXPECT_EQ(sim.now() - t0, 25ms);
  grove::joinall(fs);
}

TEST_F(WaitTest, JoinallCountWithRaiseErrorRethrowsTheFailure) {
  SimulatedHub sim;
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto slow = sleeper(50ms, 1);
  auto bad = grove::spawn([]() -> int {
    grove::this_fiber::sleep(10ms);
    throw Boom(4);
  });
  std::vector<grove::Fiber<int>> fs{slow, bad};
  EXPECT_THROW((void)grove::joinall(fs, grove::Deadline::never(), true, 1), Boom);
  EXPECT_FALSE(slow.dead());
  slow.kill();
}

TEST_F(WaitTest, JoinallTakesABracedListOfMixedFibers) {
  SimulatedHub sim;
  grove::Fiber<int> a = sleeper(10ms, 1);
  grove::Fiber<void> b = grove::spawn([] { grove::this_fiber::sleep(20ms); });
  auto done = grove::joinall({a, b});
  ASSERT_EQ(done.size(), 2u);
  EXPECT_TRUE(a.dead() && b.dead());
  grove::Fiber<int> c = sleeper(10ms, 3);
  grove::Fiber<std::string> d = grove::spawn([] {
    grove::this_fiber::sleep(40ms);
    return std::string("d");
  });
  const auto t0 = sim.now();
  auto first = grove::joinall({c, d}, grove::Deadline::never(), 1);
  EXPECT_EQ(sim.now() - t0, 10ms);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], c);
  d.join();
}

TEST_F(WaitTest, JoinallTakesTheFibersThemselves) {
  SimulatedHub sim;
  grove::Fiber<int> a = sleeper(30ms, 1);
  grove::Fiber<void> b = grove::spawn([] { grove::this_fiber::sleep(10ms); });
  grove::Fiber<std::string> c = grove::spawn([] { return std::string("c"); });
  const auto t0 = sim.now();
  auto done = grove::joinall(a, b, c);
  EXPECT_EQ(sim.now() - t0, 30ms);
  EXPECT_EQ(done.size(), 3u);
  EXPECT_EQ(c.value(), "c");
}

TEST_F(WaitTest, JoinallRejectsABadTimeoutNamingItself) {
  auto f = sleeper(1ms, 1);
  try {
    (void)grove::joinall({f}, -1ms, 1);
    ADD_FAILURE() << "a negative timeout was accepted";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("joinall"), std::string::npos) << e.what();
  }
  f.join();
}

}  // namespace
