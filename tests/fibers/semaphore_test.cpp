// semaphore_test.cpp — grove::Semaphore and grove::BoundedSemaphore: every
// call, the standard lock names, no lost permit when a woken waiter times
// out or is killed, and the seed's BoundedSemaphore scenario.

#include <grove/semaphore.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/group.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using SemaphoreTest = grove::test::HubTest;

TEST_F(SemaphoreTest, CountsPermits) {
  grove::Semaphore sem(2);
  EXPECT_EQ(sem.available(), 2u);
  EXPECT_FALSE(sem.locked());
  sem.acquire();
  EXPECT_TRUE(sem.try_acquire());
  EXPECT_EQ(sem.available(), 0u);
  EXPECT_TRUE(sem.locked());
  EXPECT_FALSE(sem.try_acquire());
  sem.release();
  EXPECT_EQ(sem.available(), 1u);
  sem.release(3);  // an unbounded Semaphore may grow past its start
  EXPECT_EQ(sem.available(), 4u);
  sem.release(0);
  EXPECT_EQ(sem.available(), 4u);
  EXPECT_EQ(grove::Semaphore().available(), 1u);
}

TEST_F(SemaphoreTest, AcquireBlocksUntilARelease) {
  grove::Semaphore sem(0);
  std::vector<std::string> log;
  auto releaser = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    log.push_back("release");
    sem.release();
  });
  sem.acquire();
  log.push_back("acquired");
  EXPECT_EQ(log, (std::vector<std::string>{"release", "acquired"}));
  EXPECT_EQ(sem.available(), 0u);
  releaser.join();
}

TEST_F(SemaphoreTest, WaitersAreServedInOrder) {
  grove::Semaphore sem(0);
  std::vector<int> order;
  std::vector<grove::Fiber<>> fibers;
  for (int i = 0; i < 4; ++i)
    fibers.push_back(grove::spawn([&, i] {
      sem.acquire();
      order.push_back(i);
    }));
  grove::this_fiber::yield();
  for (int i = 0; i < 4; ++i) sem.release();
  for (auto& f : fibers) f.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST_F(SemaphoreTest, ReleaseOfManyWakesThatManyWaiters) {
  grove::Semaphore sem(0);
  int done = 0;
  std::vector<grove::Fiber<>> fibers;
  for (int i = 0; i < 5; ++i)
    fibers.push_back(grove::spawn([&] {
      sem.acquire();
      ++done;
    }));
  grove::this_fiber::yield();
  sem.release(3);
  grove::this_fiber::sleep(2ms);
  EXPECT_EQ(done, 3);
  sem.release(2);
  for (auto& f : fibers) f.join();
  EXPECT_EQ(done, 5);
  EXPECT_EQ(sem.available(), 0u);
}

TEST_F(SemaphoreTest, AcquireWithTimeout) {
  grove::Semaphore sem(0);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(sem.acquire(20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 20ms);
  EXPECT_FALSE(sem.acquire(0ms));
  sem.release();
  EXPECT_TRUE(sem.acquire(0ms));
  auto releaser = grove::spawn([&] { sem.release(); });
  EXPECT_TRUE(sem.acquire(100ms));
  releaser.join();
  EXPECT_THROW((void)sem.acquire(-1ms), grove::UsageError);
}

TEST_F(SemaphoreTest, WaitDoesNotTakeAPermit) {
  grove::Semaphore sem(0);
  auto waiter = grove::spawn([&] {
    sem.wait();
    return sem.available();
  });
  grove::this_fiber::sleep(2ms);
  EXPECT_FALSE(waiter.dead());
  sem.release();
  EXPECT_EQ(waiter.get(), 1u);
  EXPECT_EQ(sem.available(), 1u);
  EXPECT_TRUE(sem.wait(0ms));
  EXPECT_TRUE(sem.try_acquire());
  EXPECT_FALSE(sem.wait(10ms));
}

TEST_F(SemaphoreTest, AWakeGivenToAWaiterThatWasKilledIsPassedOn) {
  grove::Semaphore sem(0);
  auto first = grove::spawn([&] { sem.acquire(); });
  auto second = grove::spawn([&] { sem.acquire(); });
  grove::this_fiber::yield();  // both parked, first in line
  sem.release();               // wakes `first`...
  first.kill(false);           // ...which dies before it can look
  second.join();               // the permit reached `second`
  EXPECT_TRUE(first.dead());
  EXPECT_EQ(sem.available(), 0u);
}

TEST_F(SemaphoreTest, AWakeGivenToAWaiterWhoseTimeoutFiredIsKeptOrPassedOn) {
  grove::Semaphore sem(0);
  std::vector<bool> got;
  auto a = grove::spawn([&] { got.push_back(sem.acquire(5ms)); });
  auto b = grove::spawn([&] { sem.acquire(); });
  grove::this_fiber::yield();
  // Release exactly when a's deadline passes: whichever happens first,
  // the permit is used by a or b, never lost.
  auto releaser = grove::spawn_later(5ms, [&] {
    sem.release();
    sem.release();
  });
  releaser.join();
  a.join();
  b.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(sem.available(), got[0] ? 0u : 1u);
}

TEST_F(SemaphoreTest, TimeoutScopeInterruptsAcquire) {
  grove::Semaphore sem(0);
  grove::Timeout t(10ms);
  EXPECT_THROW(sem.acquire(), grove::Timeout);
  EXPECT_EQ(sem.available(), 0u);
}

TEST_F(SemaphoreTest, MainBlockedForeverIsALoopExit) {
  grove::Semaphore sem(0);
  EXPECT_THROW(sem.acquire(), grove::LoopExit);
}

TEST_F(SemaphoreTest, StandardLockNamesWork) {
  grove::Semaphore sem(1);
  {
    std::lock_guard hold(sem);
    EXPECT_TRUE(sem.locked());
  }
  EXPECT_FALSE(sem.locked());
  {
    std::unique_lock hold(sem, std::try_to_lock);
    EXPECT_TRUE(hold.owns_lock());
    std::unique_lock other(sem, std::defer_lock);
    EXPECT_FALSE(other.try_lock_for(5ms));
    EXPECT_FALSE(other.try_lock_until(std::chrono::steady_clock::now() + 5ms));
    EXPECT_FALSE(other.try_lock_until(std::chrono::system_clock::now() - 5ms));
  }
  EXPECT_TRUE(sem.try_lock());
  sem.unlock();
  sem.lock();
  sem.unlock();
  EXPECT_EQ(sem.available(), 1u);
}

TEST_F(SemaphoreTest, BoundedSemaphoreRejectsAnExtraRelease) {
  grove::BoundedSemaphore sem(2);
  sem.acquire();
  sem.release();
  EXPECT_EQ(sem.available(), 2u);
  try {
    sem.release();
    FAIL() << "expected UsageError";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("BoundedSemaphore::release"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("initial value 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sem.available(), 2u);
  sem.acquire();
  EXPECT_THROW(sem.release(2), grove::UsageError);
  EXPECT_EQ(sem.available(), 1u);  // nothing changed
  sem.release(1);
  EXPECT_EQ(sem.available(), 2u);
  grove::Semaphore& base = sem;  // the bound holds through the base class too
  EXPECT_THROW(base.release(), grove::UsageError);
}

// The seed's "Locks and Semaphores": BoundedSemaphore(2) guarding workers
// run through a pool (gevent's Pool() without a size is a Group here).
TEST_F(SemaphoreTest, SeedBoundedSemaphore) {
  grove::BoundedSemaphore sem(2);
  std::vector<std::string> out;
  auto worker1 = [&](int n) {
    sem.acquire();
    out.push_back("Worker " + std::to_string(n) + " acquired semaphore");
    grove::this_fiber::sleep(0ms);
    sem.release();
    out.push_back("Worker " + std::to_string(n) + " released semaphore");
  };
  auto worker2 = [&](int n) {
    {
      std::lock_guard with(sem);
      out.push_back("Worker " + std::to_string(n) + " acquired semaphore");
      grove::this_fiber::sleep(0ms);
    }
    out.push_back("Worker " + std::to_string(n) + " released semaphore");
  };
  grove::Group pool;
  pool.map(worker1, std::vector<int>{0, 1});
  pool.map(worker2, std::vector<int>{3, 4, 5});
  EXPECT_EQ(out, (std::vector<std::string>{"Worker 0 acquired semaphore", "Worker 1 acquired semaphore",
                                           "Worker 0 released semaphore", "Worker 1 released semaphore",
                                           "Worker 3 acquired semaphore", "Worker 4 acquired semaphore",
                                           "Worker 3 released semaphore", "Worker 4 released semaphore",
                                           "Worker 5 acquired semaphore", "Worker 5 released semaphore"}));
  EXPECT_EQ(sem.available(), 2u);
}

}  // namespace
