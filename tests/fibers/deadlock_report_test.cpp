// deadlock_report_test.cpp — LoopExit's message as a wait-for graph
// (fibers/deadlock_report.cpp, detail::WaitEdge in detail/fiber_base.hpp):
// who waits on what, which fiber holds it, and the cycle when there is one.

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/lock.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using DeadlockReportTest = grove::test::HubTest;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(DeadlockReportTest, MainJoiningAFiberThatWaitsOnAnEventNamesBothEdges) {
  grove::Event never;
  auto worker = grove::spawn([&] { never.wait(); });
  worker.set_name("worker-3");
  try {
    worker.join();
    ADD_FAILURE() << "no LoopExit";
  } catch (const grove::LoopExit& e) {
    const std::string what = e.what();
    EXPECT_TRUE(has(what, "main waits on join of 'worker-3'")) << what;
    EXPECT_TRUE(has(what, "worker-3 waits on Event::wait")) << what;
    EXPECT_FALSE(has(what, "cycle")) << what;
  }
  worker.kill();
}

TEST_F(DeadlockReportTest, ALockOrderDeadlockNamesBothFibersAndTheCycle) {
  grove::Lock a;
  grove::Lock b;
  auto first = grove::spawn([&] {
    std::lock_guard hold_a(a);
    grove::this_fiber::sleep(1ms);
    std::lock_guard hold_b(b);
  });
  first.set_name("worker-1");
  auto second = grove::spawn([&] {
    std::lock_guard hold_b(b);
    grove::this_fiber::sleep(1ms);
    std::lock_guard hold_a(a);
  });
  second.set_name("worker-2");
  try {
    grove::joinall(std::vector<grove::Fiber<>>{first, second});
    ADD_FAILURE() << "no LoopExit";
  } catch (const grove::LoopExit& e) {
    const std::string what = e.what();
    EXPECT_TRUE(has(what, "worker-1 waits on Lock held by 'worker-2'")) << what;
    EXPECT_TRUE(has(what, "worker-2 waits on Lock held by 'worker-1'")) << what;
    EXPECT_TRUE(has(what, "main waits on join of 'worker-1'")) << what;
    EXPECT_TRUE(has(what, "deadlock cycle: 'worker-1' -> 'worker-2' -> 'worker-1'") ||
                has(what, "deadlock cycle: 'worker-2' -> 'worker-1' -> 'worker-2'"))
        << what;
  }
  first.kill();
  second.kill();
}

TEST_F(DeadlockReportTest, AnRLockHeldByAFiberThatEndedIsSaidSo) {
  grove::RLock lock;
  auto holder = grove::spawn([&] { lock.acquire(); });  // ends holding it
  holder.set_name("leaver");
  holder.join();
  auto waiter = grove::spawn([&] { lock.acquire(); });
  waiter.set_name("blocked");
  try {
    waiter.join();
    ADD_FAILURE() << "no LoopExit";
  } catch (const grove::LoopExit& e) {
    const std::string what = e.what();
    EXPECT_TRUE(has(what, "blocked waits on RLock held by a fiber that has ended")) << what;
  }
  waiter.kill();
}

TEST_F(DeadlockReportTest, TheEdgeIsGoneOnceTheWaitEnds) {
  grove::Lock lock;
  auto holder = grove::spawn([&] {
    std::lock_guard hold(lock);
    grove::this_fiber::sleep(5ms);
  });
  grove::this_fiber::sleep(1ms);
  lock.acquire();  // waits, then takes it
  lock.release();
  holder.join();
  grove::Event never;
  try {
    never.wait();
    ADD_FAILURE() << "no LoopExit";
  } catch (const grove::LoopExit& e) {
    EXPECT_TRUE(has(e.what(), "main waits on Event::wait")) << e.what();
  }
}

}  // namespace
