// barrier_test.cpp — grove::Barrier: a round completes when every party
// has arrived, arrival indices, the action, reuse across rounds, breaking
// (timeout, abort, a throwing action), reset, and a killed waiter that
// withdraws its arrival. Timeouts run on virtual time.

#include <grove/barrier.hpp>

#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/testing/simulation.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;

namespace {

class BarrierTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(grove::hub().fiber_count(), 0u); }
  grove::testing::Simulation sim;
};

TEST_F(BarrierTest, NobodyPassesUntilEveryPartyHasArrived) {
  int actions = 0;
  grove::Barrier barrier(3, [&] { ++actions; });
  std::vector<std::size_t> indices;
  std::vector<grove::Fiber<>> fibers;
  for (int i = 0; i < 2; ++i) fibers.push_back(grove::spawn([&] { indices.push_back(barrier.wait()); }));
  grove::this_fiber::yield();
  EXPECT_EQ(barrier.n_waiting(), 2u);
  EXPECT_TRUE(indices.empty());
  EXPECT_EQ(actions, 0);
  indices.push_back(barrier.wait());  // main is the last party
  EXPECT_EQ(actions, 1);
  grove::joinall(fibers);
  std::sort(indices.begin(), indices.end());
  EXPECT_EQ(indices, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(barrier.n_waiting(), 0u);
}

TEST_F(BarrierTest, TheBarrierIsReusedRoundAfterRound) {
  grove::Barrier barrier(2);
  std::vector<int> log;
  auto other = grove::spawn([&] {
    for (int round = 0; round < 3; ++round) {
      barrier.wait();
      log.push_back(round);
    }
  });
  for (int round = 0; round < 3; ++round) {
    grove::this_fiber::sleep(1s);
    barrier.wait();
  }
  other.join();
  EXPECT_EQ(log, (std::vector<int>{0, 1, 2}));
}

TEST_F(BarrierTest, AWaitThatTimesOutBreaksTheBarrierForEveryWaiter) {
  grove::Barrier barrier(3);
  auto other = grove::spawn([&] { EXPECT_THROW(barrier.wait(), grove::BrokenBarrier); });
  grove::this_fiber::yield();
  const auto t0 = sim.now();
  EXPECT_THROW(barrier.wait(2s), grove::BrokenBarrier);
  EXPECT_EQ(sim.now() - t0, 2s);
  other.join();
  EXPECT_TRUE(barrier.broken());
  EXPECT_THROW(barrier.wait(), grove::BrokenBarrier);
  barrier.reset();
  EXPECT_FALSE(barrier.broken());
}

TEST_F(BarrierTest, AbortWakesWaitersWithBrokenBarrierAndResetMakesItWhole) {
  grove::Barrier barrier(2);
  auto waiter = grove::spawn([&] { EXPECT_THROW(barrier.wait(), grove::BrokenBarrier); });
  grove::this_fiber::yield();
  barrier.abort();
  waiter.join();
  barrier.reset();
  auto again = grove::spawn([&] { return barrier.wait(); });
  EXPECT_EQ(barrier.wait() + again.get(), 1u);  // indices 0 and 1
}

TEST_F(BarrierTest, AnActionThatThrowsBreaksTheBarrierAndLeavesTheLastWait) {
  grove::Barrier barrier(2, [] { throw std::runtime_error("action failed"); });
  auto waiter = grove::spawn([&] { EXPECT_THROW(barrier.wait(), grove::BrokenBarrier); });
  grove::this_fiber::yield();
  EXPECT_THROW(barrier.wait(), std::runtime_error);
  waiter.join();
  EXPECT_TRUE(barrier.broken());
}

TEST_F(BarrierTest, AKilledWaiterWithdrawsItsArrivalWithoutBreakingTheBarrier) {
  grove::Barrier barrier(2);
  auto quitter = grove::spawn([&] { barrier.wait(); });
  grove::this_fiber::yield();
  EXPECT_EQ(barrier.n_waiting(), 1u);
  quitter.kill();
  EXPECT_EQ(barrier.n_waiting(), 0u);
  EXPECT_FALSE(barrier.broken());
  auto partner = grove::spawn([&] { return barrier.wait(); });
  grove::this_fiber::yield();
  EXPECT_FALSE(partner.dead());  // still one party short
  EXPECT_EQ(barrier.wait(), 1u);
  EXPECT_EQ(partner.get(), 0u);
}

TEST_F(BarrierTest, ZeroPartiesIsAUsageError) { EXPECT_THROW(grove::Barrier(0), grove::UsageError); }

}  // namespace
