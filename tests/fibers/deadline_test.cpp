// deadline_test.cpp — grove::Deadline as the one timeout parameter of the
// fibers module's blocking calls: a duration or a time point converts to it,
// and a negative or NaN duration is a UsageError naming the call, raised
// before the call waits or changes anything (even when it could complete at
// once). The I/O calls are covered by tests/io/run_op_test.cpp.

#include <grove/async_result.hpp>
#include <grove/barrier.hpp>
#include <grove/condition.hpp>
#include <grove/deadline.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/lock.hpp>
#include <grove/semaphore.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>
#include <hub_fixture.hpp>

#include <chrono>
#include <cmath>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using DeadlineTest = grove::test::HubTest;

const auto kNaN = std::chrono::duration<double>(std::nan(""));

// usage_error_of(fn) is the message of the grove::UsageError fn throws, or
// a marker saying what happened instead.
std::string usage_error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const grove::UsageError& e) {
    return e.what();
  } catch (...) {
    return "<other exception>";
  }
  return "<no exception>";
}

// expect_rejects(call, fn) checks that fn, given a negative and a NaN
// duration, throws UsageError naming call and saying why.
template <class Fn>
void expect_rejects(const std::string& call, Fn fn) {
  const std::string negative = usage_error_of([&] { fn(grove::Deadline(-1ms)); });
  EXPECT_NE(negative.find(call), std::string::npos) << negative;
  EXPECT_NE(negative.find("negative"), std::string::npos) << negative;
  const std::string nan = usage_error_of([&] { fn(grove::Deadline(kNaN)); });
  EXPECT_NE(nan.find(call), std::string::npos) << nan;
  EXPECT_NE(nan.find("NaN"), std::string::npos) << nan;
}

TEST_F(DeadlineTest, EventAndAsyncResultRejectBadDurationsEvenWhenReady) {
  grove::Event e;
  e.set();  // would return at once: the bad timeout is still misuse
  expect_rejects("Event::wait", [&](grove::Deadline d) { (void)e.wait(d); });
  grove::AsyncResult<int> r;
  r.set(7);
  expect_rejects("AsyncResult::wait", [&](grove::Deadline d) { (void)r.wait(d); });
  expect_rejects("AsyncResult::get", [&](grove::Deadline d) { (void)r.get(d); });
  // Good timeouts still work: a duration, a time point, never.
  EXPECT_TRUE(e.wait(0ms));
  EXPECT_EQ(r.get(grove::hub().now() + 1ms), 7);
  EXPECT_TRUE(r.wait(grove::Deadline::never()));
}

TEST_F(DeadlineTest, LocksSemaphoresAndConditionRejectBadDurations) {
  grove::Semaphore sem(1);
  expect_rejects("Semaphore::acquire", [&](grove::Deadline d) { (void)sem.acquire(d); });
  expect_rejects("Semaphore::wait", [&](grove::Deadline d) { (void)sem.wait(d); });
  EXPECT_EQ(sem.available(), 1u) << "a rejected acquire takes no permit";
  grove::Lock lock;
  expect_rejects("Lock::acquire", [&](grove::Deadline d) { (void)lock.acquire(d); });
  EXPECT_FALSE(lock.locked());
  grove::RLock rlock;
  expect_rejects("RLock::acquire", [&](grove::Deadline d) { (void)rlock.acquire(d); });
  EXPECT_FALSE(rlock.locked());
  grove::Condition cond;
  std::unique_lock hold(cond);
  expect_rejects("Condition::wait", [&](grove::Deadline d) { (void)cond.wait(d); });
  expect_rejects("Condition::wait_for", [&](grove::Deadline d) { (void)cond.wait_for([] { return true; }, d); });
  EXPECT_TRUE(hold.owns_lock());
}

TEST_F(DeadlineTest, BarrierJoinAndWaitAnyRejectBadDurations) {
  grove::Barrier barrier(2);
  expect_rejects("Barrier::wait", [&](grove::Deadline d) { (void)barrier.wait(d); });
  EXPECT_EQ(barrier.n_waiting(), 0u) << "a rejected wait does not arrive";
  EXPECT_FALSE(barrier.broken());
  auto f = grove::spawn([] { grove::this_fiber::sleep(1ms); });
  expect_rejects("Fiber::join", [&](grove::Deadline d) { (void)f.join(d); });
  std::vector<grove::Fiber<>> fibers{f};
  expect_rejects("joinall", [&](grove::Deadline d) { (void)grove::joinall(fibers, d); });
  expect_rejects("wait_any", [&](grove::Deadline d) { (void)grove::wait_any(fibers, d); });
  expect_rejects("iwait", [&](grove::Deadline d) { (void)grove::iwait(fibers, d); });
  f.join();
}

TEST_F(DeadlineTest, ATimePointIsAnAbsoluteDeadline) {
  grove::Event e;
  const auto at = grove::hub().now() + 5ms;
  EXPECT_FALSE(e.wait(at));
  EXPECT_GE(grove::hub().now(), at);
  // A time point already past is a poll.
  EXPECT_FALSE(e.wait(grove::hub().now() - 1s));
}

}  // namespace
