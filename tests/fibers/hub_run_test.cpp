// hub_run_test.cpp — Hub::run(timeout) (gevent.wait(timeout=t) / hub.join(timeout)): run until idle or the
// deadline, and say which came first.

#include "hub_test_support.hpp"

#include "simulated_hub.hpp"

TEST_F(HubTest, RunWithATimeoutReturnsTrueOnceIdle) {
  grove::test::SimulatedHub sim;
  int done = 0;
  auto a = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    ++done;
  });
  auto b = grove::spawn([&] {
    grove::this_fiber::sleep(20ms);
    ++done;
  });
  EXPECT_TRUE(grove::hub().run(1s));
  EXPECT_EQ(done, 2);
  EXPECT_EQ(sim.elapsed(), 20ms);  // returned when idle, not at the deadline
}

TEST_F(HubTest, RunWithATimeoutReturnsFalseAtTheDeadline) {
  grove::test::SimulatedHub sim;
  bool finished = false;
  auto slow = grove::spawn([&] {
    grove::this_fiber::sleep(100ms);
    finished = true;
  });
  EXPECT_FALSE(grove::hub().run(30ms));
  EXPECT_EQ(sim.elapsed(), 30ms);
  EXPECT_FALSE(finished);
  EXPECT_TRUE(grove::hub().run(1s));  // the rest of the work
  EXPECT_TRUE(finished);
  EXPECT_EQ(sim.elapsed(), 100ms);
}

TEST_F(HubTest, RunWithATimeoutOnAnIdleHubReturnsAtOnce) {
  grove::test::SimulatedHub sim;
  EXPECT_TRUE(grove::hub().run(1h));  // its own deadline does not keep the hub busy
  EXPECT_EQ(sim.elapsed(), 0ms);
  EXPECT_THROW((void)grove::hub().run(-1ms), grove::UsageError);
}

TEST_F(HubTest, RunWithATimeoutLeavesFibersBlockedOnEachOtherAlone) {
  grove::Event never;
  auto waiter = grove::spawn([&] { never.wait(); });
  EXPECT_TRUE(grove::hub().run(1s));  // idle: the waiter can never go on
  EXPECT_FALSE(waiter.dead());
  waiter.kill();
}
