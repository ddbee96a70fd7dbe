// lock_test.cpp — grove::Lock (non-reentrant, owner-checked) and
// grove::RLock (reentrant): every call, misuse as UsageError instead of a
// deadlock, mutual exclusion across switches, and the standard lock names.

#include <grove/lock.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using LockTest = grove::test::HubTest;

TEST_F(LockTest, AcquireAndRelease) {
  grove::Lock lock;
  EXPECT_FALSE(lock.locked());
  EXPECT_FALSE(lock.owned());
  lock.acquire();
  EXPECT_TRUE(lock.locked());
  EXPECT_TRUE(lock.owned());
  lock.release();
  EXPECT_FALSE(lock.locked());
  EXPECT_TRUE(lock.try_acquire());
  EXPECT_TRUE(lock.owned());
  lock.release();
  EXPECT_TRUE(lock.acquire(0ms));
  lock.release();
}

TEST_F(LockTest, ReacquiringFromTheHolderThrowsInsteadOfDeadlocking) {
  grove::Lock lock;
  lock.acquire();
  try {
    lock.acquire();
    FAIL() << "expected UsageError";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("RLock"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)lock.acquire(10ms), grove::UsageError);
  EXPECT_FALSE(lock.try_acquire());  // held: by the caller, as it happens
  EXPECT_TRUE(lock.owned());
  lock.release();
}

TEST_F(LockTest, ReleasingALockYouDoNotHoldThrows) {
  grove::Lock lock;
  EXPECT_THROW(lock.release(), grove::UsageError);  // not held at all
  auto holder = grove::spawn([&] {
    lock.acquire();
    grove::this_fiber::sleep(20ms);
    lock.release();
  });
  grove::this_fiber::sleep(2ms);
  EXPECT_TRUE(lock.locked());
  EXPECT_FALSE(lock.owned());
  EXPECT_THROW(lock.release(), grove::UsageError);
  EXPECT_TRUE(lock.locked());  // unchanged
  holder.join();
  EXPECT_FALSE(lock.locked());
}

TEST_F(LockTest, OtherFibersWaitForTheHolder) {
  grove::Lock lock;
  std::vector<std::string> log;
  auto holder = grove::spawn([&] {
    std::lock_guard hold(lock);
    log.push_back("holder in");
    grove::this_fiber::sleep(10ms);
    log.push_back("holder out");
  });
  auto waiter = grove::spawn([&] {
    std::lock_guard hold(lock);
    log.push_back("waiter in");
  });
  grove::joinall(std::vector<grove::Fiber<>>{holder, waiter});
  EXPECT_EQ(log, (std::vector<std::string>{"holder in", "holder out", "waiter in"}));
}

TEST_F(LockTest, MutualExclusionAcrossSwitches) {
  grove::Lock lock;
  int inside = 0;
  int max_inside = 0;
  int total = 0;
  std::vector<grove::Fiber<>> fibers;
  for (int i = 0; i < 10; ++i) {
    fibers.push_back(grove::spawn([&] {
      for (int k = 0; k < 5; ++k) {
        std::lock_guard hold(lock);
        ++inside;
        max_inside = std::max(max_inside, inside);
        grove::this_fiber::yield();
        ++total;
        --inside;
      }
    }));
  }
  grove::joinall(fibers);
  EXPECT_EQ(max_inside, 1);
  EXPECT_EQ(total, 50);
}

TEST_F(LockTest, AcquireWithTimeoutWhileAnotherFiberHoldsIt) {
  grove::Lock lock;
  auto holder = grove::spawn(grove::Launch::dispatch, [&] {
    lock.acquire();
    grove::this_fiber::sleep(30ms);
    lock.release();
  });
  EXPECT_FALSE(lock.acquire(10ms));
  EXPECT_FALSE(lock.try_lock());
  std::unique_lock later(lock, std::defer_lock);
  EXPECT_TRUE(later.try_lock_for(200ms));
  EXPECT_TRUE(lock.owned());
  later.unlock();
  EXPECT_FALSE(lock.locked());
  holder.join();
  EXPECT_TRUE(lock.try_lock_until(std::chrono::steady_clock::now()));
  lock.unlock();
}

TEST_F(LockTest, RLockIsReentrant) {
  grove::RLock lock;
  EXPECT_FALSE(lock.locked());
  EXPECT_EQ(lock.depth(), 0u);
  lock.acquire();
  EXPECT_TRUE(lock.acquire(0ms));
  EXPECT_TRUE(lock.try_acquire());
  {
    std::lock_guard again(lock);
    EXPECT_EQ(lock.depth(), 4u);
  }
  EXPECT_EQ(lock.depth(), 3u);
  EXPECT_TRUE(lock.owned());
  lock.release();
  lock.release();
  EXPECT_TRUE(lock.locked());
  lock.release();
  EXPECT_FALSE(lock.locked());
  EXPECT_FALSE(lock.owned());
  EXPECT_EQ(lock.depth(), 0u);
  EXPECT_THROW(lock.release(), grove::UsageError);
}

TEST_F(LockTest, RLockBlocksOtherFibersUntilFullyReleased) {
  grove::RLock lock;
  std::vector<std::string> log;
  lock.acquire();
  lock.acquire();
  auto other = grove::spawn([&] {
    EXPECT_FALSE(lock.try_acquire());
    EXPECT_FALSE(lock.acquire(1ms));
    lock.acquire();
    log.push_back("other in");
    EXPECT_EQ(lock.depth(), 1u);
    lock.release();
  });
  grove::this_fiber::sleep(5ms);
  log.push_back("main releases once");
  lock.release();
  grove::this_fiber::sleep(5ms);
  log.push_back("main releases twice");
  lock.release();
  other.join();
  EXPECT_EQ(log, (std::vector<std::string>{"main releases once", "main releases twice", "other in"}));
}

TEST_F(LockTest, RLockReleaseByAnotherFiberThrows) {
  grove::RLock lock;
  lock.acquire();
  auto intruder = grove::spawn([&] {
    EXPECT_FALSE(lock.owned());
    EXPECT_THROW(lock.release(), grove::UsageError);
  });
  intruder.join();
  EXPECT_EQ(lock.depth(), 1u);
  lock.unlock();
  EXPECT_TRUE(lock.try_lock_for(0ms));
  EXPECT_TRUE(lock.try_lock_until(std::chrono::steady_clock::now()));
  lock.unlock();
  lock.unlock();
}

}  // namespace
