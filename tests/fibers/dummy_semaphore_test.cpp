// dummy_semaphore_test.cpp — grove::DummySemaphore (gevent.lock.DummySemaphore): every call succeeds at once,
// never blocks and never switches fibers.

#include <grove/dummy_semaphore.hpp>  // first: proves the header is self-contained

#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <limits>
#include <mutex>
#include <thread>

using namespace std::chrono_literals;

namespace {

using DummySemaphoreTest = grove::test::HubTest;

TEST_F(DummySemaphoreTest, AcquiresWithoutLimitAndNeverSwitches) {
  grove::DummySemaphore sem(3);  // the value is ignored, as gevent's
  bool other_ran = false;
  auto other = grove::spawn([&] { other_ran = true; });
  for (int i = 0; i < 1000; ++i) sem.acquire();  // no release: still never blocks
  EXPECT_TRUE(sem.acquire(1s));
  EXPECT_TRUE(sem.try_acquire());
  sem.wait();
  EXPECT_TRUE(sem.wait(0ms));
  EXPECT_FALSE(other_ran);  // not one of those calls let another fiber run
  EXPECT_FALSE(sem.locked());
  EXPECT_EQ(sem.available(), std::numeric_limits<std::size_t>::max());
  sem.release();
  sem.release(5);
  EXPECT_EQ(sem.available(), std::numeric_limits<std::size_t>::max());
  other.join();
  EXPECT_TRUE(other_ran);
}

TEST_F(DummySemaphoreTest, IsLockableAndTimedLockableForAnyNumberOfFibers) {
  grove::DummySemaphore sem;
  int inside = 0;
  int most = 0;
  std::vector<grove::Fiber<>> fibers;
  for (int i = 0; i < 5; ++i) {
    fibers.push_back(grove::spawn([&] {
      std::lock_guard hold(sem);
      most = std::max(most, ++inside);
      grove::this_fiber::sleep(1ms);
      --inside;
    }));
  }
  for (auto& f : fibers) f.join();
  EXPECT_EQ(most, 5);  // nobody waited for anybody
  std::unique_lock lock(sem, std::defer_lock);
  EXPECT_TRUE(lock.try_lock_for(1ms));
  lock.unlock();
  EXPECT_TRUE(lock.try_lock_until(std::chrono::steady_clock::now()));
  EXPECT_TRUE(sem.try_lock());
  sem.unlock();
}

TEST_F(DummySemaphoreTest, UsableFromAnotherThread) {
  grove::DummySemaphore sem;
  std::thread t([&] {
    sem.acquire();
    sem.release();
  });
  t.join();
  EXPECT_FALSE(sem.locked());
}

}  // namespace
