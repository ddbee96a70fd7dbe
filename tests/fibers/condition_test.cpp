// condition_test.cpp — grove::Condition on a Lock and on an RLock: wait and
// notify, notify(n) and notify_all in FIFO order, wait_for(pred), timeouts
// on virtual time, the lock held again after every exit (kill included),
// notifications passed on by a waiter that leaves, and misuse.

#include <grove/condition.hpp>

#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/lock.hpp>
#include <grove/testing/simulation.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <vector>

using namespace std::chrono_literals;

namespace {

class ConditionTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(grove::hub().fiber_count(), 0u); }
  grove::testing::Simulation sim;
};

TEST_F(ConditionTest, WaitReleasesTheLockAndNotifyWakesTheWaiterWithTheLockHeldAgain) {
  grove::Lock lock;
  grove::Condition cond(lock);
  std::vector<int> log;
  auto waiter = grove::spawn([&] {
    std::unique_lock hold(cond);
    log.push_back(1);
    EXPECT_TRUE(cond.wait());
    EXPECT_TRUE(lock.owned());
    log.push_back(3);
  });
  grove::this_fiber::yield();
  EXPECT_FALSE(lock.locked());  // released while waiting
  {
    std::lock_guard hold(cond);
    log.push_back(2);
    cond.notify();
  }
  waiter.join();
  EXPECT_EQ(log, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(lock.locked());
}

TEST_F(ConditionTest, NotifyNWakesTheOldestNWaitersAndNotifyAllTheRest) {
  grove::Condition cond;  // its own RLock
  std::vector<int> woken;
  std::vector<grove::Fiber<>> fibers;
  for (int i = 0; i < 4; ++i)
    fibers.push_back(grove::spawn([&, i] {
      std::unique_lock hold(cond);
      cond.wait();
      woken.push_back(i);
    }));
  grove::this_fiber::yield();
  EXPECT_EQ(cond.waiting(), 4u);
  {
    std::lock_guard hold(cond);
    cond.notify(2);
  }
  grove::this_fiber::yield();
  EXPECT_EQ(woken, (std::vector<int>{0, 1}));
  {
    std::lock_guard hold(cond);
    cond.notify_all();
  }
  for (auto& f : fibers) f.join();
  EXPECT_EQ(woken, (std::vector<int>{0, 1, 2, 3}));
}

TEST_F(ConditionTest, WaitForChecksThePredicateUnderTheLock) {
  grove::Lock lock;
  grove::Condition cond(lock);
  std::deque<int> items;
  auto consumer = grove::spawn([&] {
    std::unique_lock hold(cond);
    cond.wait_for([&] { return items.size() >= 2; });
    return items.front() + items.back();
  });
  for (int v : {10, 20}) {
    grove::this_fiber::sleep(1s);
    std::lock_guard hold(cond);
    items.push_back(v);
    cond.notify();
  }
  EXPECT_EQ(consumer.get(), 30);
}

TEST_F(ConditionTest, WaitWithATimeoutReturnsFalseWithTheLockHeld) {
  grove::Lock lock;
  grove::Condition cond(lock);
  std::unique_lock hold(cond);
  const auto t0 = sim.now();
  EXPECT_FALSE(cond.wait(5s));
  EXPECT_EQ(sim.now() - t0, 5s);
  EXPECT_TRUE(lock.owned());
  EXPECT_FALSE(cond.wait_for([] { return false; }, 2s));
  EXPECT_EQ(cond.waiting(), 0u);
}

TEST_F(ConditionTest, AnRLockHeldSeveralTimesIsReleasedFullyAndRestoredToItsDepth) {
  grove::RLock rlock;
  grove::Condition cond(rlock);
  auto waiter = grove::spawn([&] {
    rlock.acquire();
    rlock.acquire();
    cond.wait();
    EXPECT_EQ(rlock.depth(), 2u);
    rlock.release();
    rlock.release();
  });
  grove::this_fiber::yield();
  EXPECT_FALSE(rlock.locked());
  {
    std::lock_guard hold(cond);
    cond.notify();
  }
  waiter.join();
  EXPECT_FALSE(rlock.locked());
}

TEST_F(ConditionTest, AKilledWaiterRetakesTheLockBeforeItUnwinds) {
  grove::Lock lock;
  grove::Condition cond(lock);
  bool held_while_unwinding = false;
  auto waiter = grove::spawn([&] {
    std::unique_lock hold(cond);
    struct Check {
      grove::Lock& lock;
      bool& out;
      ~Check() { out = lock.owned(); }
    } check{lock, held_while_unwinding};
    cond.wait();
  });
  grove::this_fiber::yield();
  lock.acquire();  // main holds the lock: the killed waiter must wait for it
  waiter.kill(false);
  grove::this_fiber::yield();
  EXPECT_FALSE(waiter.dead());
  lock.release();
  waiter.join();
  EXPECT_TRUE(held_while_unwinding);
  EXPECT_FALSE(lock.locked());
}

TEST_F(ConditionTest, ANotificationTakenByAWaiterThatLeavesGoesToTheNextOne) {
  grove::Lock lock;
  grove::Condition cond(lock);
  bool second_woke = false;
  auto first = grove::spawn([&] {
    std::unique_lock hold(cond);
    cond.wait();
  });
  auto second = grove::spawn([&] {
    std::unique_lock hold(cond);
    second_woke = cond.wait(1h);
  });
  grove::this_fiber::yield();
  {
    std::lock_guard hold(cond);
    cond.notify();  // picks `first`
  }
  first.kill();  // it leaves before running: the notification moves on
  second.join();
  EXPECT_TRUE(second_woke);
}

TEST_F(ConditionTest, ATimeoutScopeEndsAWaitWithTheLockHeld) {
  grove::Lock lock;
  grove::Condition cond(lock);
  std::unique_lock hold(cond);
  EXPECT_THROW(
      {
        grove::Timeout t(3s);
        cond.wait();
      },
      grove::Timeout);
  EXPECT_TRUE(lock.owned());
  EXPECT_EQ(cond.waiting(), 0u);
}

TEST_F(ConditionTest, WaitOrNotifyWithoutTheLockIsAUsageError) {
  grove::Lock lock;
  grove::Condition cond(lock);
  EXPECT_THROW(cond.wait(), grove::UsageError);
  EXPECT_THROW(cond.notify(), grove::UsageError);
  EXPECT_THROW(cond.notify_all(), grove::UsageError);
}

}  // namespace
