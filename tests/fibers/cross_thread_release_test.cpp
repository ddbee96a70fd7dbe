// cross_thread_release_test.cpp — set/release from another OS thread:
// Event::set, Semaphore/BoundedSemaphore::release wake fibers of the owning
// hub; counts stay exact under several releasing threads; a queued wake
// outlives neither its primitive nor its hub; RLock::release from another
// thread is a UsageError that leaves the lock held.

#include <grove/event.hpp>
#include <grove/lock.hpp>
#include <grove/semaphore.hpp>

#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

class CrossThreadReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override { grove::Hub::destroy_current(); }
  void TearDown() override {
    EXPECT_EQ(grove::hub().fiber_count(), 0u);
    grove::Hub::destroy_current();
  }
};

TEST_F(CrossThreadReleaseTest, EventSetFromAThreadWakesAWaitingFiber) {
  grove::Event ev;
  auto waiter = grove::spawn([&] { return ev.wait(10s); });
  grove::this_fiber::yield();  // parked on the event
  std::thread setter([&] {
    std::this_thread::sleep_for(5ms);
    ev.set();
  });
  EXPECT_TRUE(waiter.get());
  setter.join();
  EXPECT_TRUE(ev.is_set());
}

TEST_F(CrossThreadReleaseTest, EventSetFromAThreadWakesMainAndIsSeenAtOnceByIsSet) {
  grove::Event ev;
  std::atomic<bool> seen_set{false};
  std::thread setter([&] {
    std::this_thread::sleep_for(5ms);
    ev.set();
    seen_set = ev.is_set();
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(ev.wait(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  setter.join();
  EXPECT_TRUE(seen_set);
  ev.clear();
  EXPECT_FALSE(ev.is_set());
}

TEST_F(CrossThreadReleaseTest, SemaphoreReleaseFromAThreadWakesAnAcquirer) {
  grove::Semaphore sem(0);
  auto acquirer = grove::spawn([&] { return sem.acquire(10s); });
  grove::this_fiber::yield();
  std::thread releaser([&] { sem.release(); });
  EXPECT_TRUE(acquirer.get());
  releaser.join();
  EXPECT_EQ(sem.available(), 0u);
}

TEST_F(CrossThreadReleaseTest, ReleasesFromSeveralThreadsAreCountedExactly) {
  constexpr int kThreads = 4;
  constexpr int kEach = 2000;
  grove::Semaphore sem(0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) sem.release();
    });
  // Two fibers share the acquiring, so wakes go to parked fibers too.
  auto take = [&](int n) {
    int got = 0;
    for (int i = 0; i < n; ++i) got += sem.acquire(10s) ? 1 : 0;
    return got;
  };
  auto a = grove::spawn(take, kThreads * kEach / 2);
  auto b = grove::spawn(take, kThreads * kEach / 2);
  EXPECT_EQ(a.get() + b.get(), kThreads * kEach);
  for (auto& t : threads) t.join();
  EXPECT_EQ(sem.available(), 0u);
}

TEST_F(CrossThreadReleaseTest, BoundedSemaphoreOverReleaseFromAThreadThrowsThereAndChangesNothing) {
  grove::BoundedSemaphore sem(1);
  ASSERT_TRUE(sem.try_acquire());
  int threw = 0;
  std::thread releaser([&] {
    sem.release();  // fine: gives the permit back
    try {
      sem.release();  // one too many
    } catch (const grove::UsageError&) {
      ++threw;
    }
  });
  releaser.join();
  EXPECT_EQ(threw, 1);
  EXPECT_EQ(sem.available(), 1u);
}

TEST_F(CrossThreadReleaseTest, AQueuedWakeDoesNotOutliveItsEvent) {
  auto ev = std::make_unique<grove::Event>();
  EXPECT_FALSE(ev->wait(1ms));  // a fiber of this hub has waited: wakes are posted here
  std::thread setter([&] { ev->set(); });
  setter.join();  // the wake is queued on the hub, not run yet
  ev.reset();
  grove::this_fiber::sleep(2ms);  // runs the queued wake: it finds no event (ASan checks)
  SUCCEED();
}

TEST_F(CrossThreadReleaseTest, AReleaseAfterTheHubIsGoneIsDroppedButCounted) {
  grove::Semaphore sem(0);
  EXPECT_FALSE(sem.acquire(1ms));  // binds the semaphore to this hub
  grove::Hub::destroy_current();
  std::thread releaser([&] { sem.release(2); });
  releaser.join();
  EXPECT_EQ(sem.available(), 2u);
  EXPECT_TRUE(sem.acquire(1ms));  // a fresh hub uses it as before
}

TEST_F(CrossThreadReleaseTest, RLockReleaseFromAnotherThreadIsAUsageErrorAndTheLockStaysHeld) {
  grove::RLock lock;
  lock.acquire();
  bool threw = false;
  std::thread other([&] {
    try {
      lock.release();
    } catch (const grove::UsageError& e) {
      threw = std::string(e.what()).find("only the fiber that holds it") != std::string::npos;
    }
  });
  other.join();
  EXPECT_TRUE(threw);
  EXPECT_TRUE(lock.owned());
  EXPECT_EQ(lock.depth(), 1u);
  lock.release();
  EXPECT_FALSE(lock.locked());
}

TEST_F(CrossThreadReleaseTest, RLockReleaseFromAThreadWithItsOwnHubIsAUsageError) {
  grove::RLock lock;
  lock.acquire();
  bool threw = false;
  std::thread other([&] {
    grove::hub();  // this thread has a hub of its own
    try {
      lock.release();
    } catch (const grove::UsageError&) {
      threw = true;
    }
    grove::Hub::destroy_current();
  });
  other.join();
  EXPECT_TRUE(threw);
  EXPECT_TRUE(lock.owned());
  lock.release();
}

}  // namespace
