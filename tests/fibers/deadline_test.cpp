// deadline_test.cpp — grove::Deadline as the one timeout parameter of the
// fibers module's blocking calls: a duration or a time point converts to it,
// and a negative or NaN duration is a UsageError naming the call, raised
// before the call waits or changes anything (even when it could complete at
// once). A zero duration is a poll (no time passes) and a TimePoint is an
// absolute deadline; timings run on the Simulation (virtual time) except
// where real threads or signals are involved. The I/O calls are covered by
// tests/io/run_op_test.cpp, MailboxConfig::block_timeout by
// tests/mailbox/mailbox_test.cpp.

#include <grove/async_result.hpp>
#include <grove/barrier.hpp>
#include <grove/condition.hpp>
#include <grove/deadline.hpp>
#include <grove/dummy_semaphore.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/group.hpp>
#include <grove/hub.hpp>
#include <grove/lock.hpp>
#include <grove/pool.hpp>
#include <grove/semaphore.hpp>
#include <grove/signal.hpp>
#include <grove/this_fiber.hpp>
#include <grove/thread_pool.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>
#include <hub_fixture.hpp>
#include <simulated_hub.hpp>
#include <usage_error_of.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using DeadlineTest = grove::test::HubTest;

const auto kNaN = std::chrono::duration<double>(std::nan(""));

using grove::test::usage_error_of;

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

TEST_F(DeadlineTest, PoolAddStartAndWaitAvailableTakeADeadline) {
  grove::test::SimulatedHub sim;
  grove::Pool pool(1);
  (void)pool.spawn([] { grove::this_fiber::sleep(10ms); });
  auto f = grove::create([] {});
  expect_rejects("Pool::add", [&](grove::Deadline d) { pool.add(f, d); });
  expect_rejects("Pool::start", [&](grove::Deadline d) { pool.start(f, d); });
  expect_rejects("Pool::wait_available", [&](grove::Deadline d) { (void)pool.wait_available(d); });
  EXPECT_FALSE(pool.contains(f));
  EXPECT_FALSE(f.started()) << "a rejected start starts nothing";
  // Zero is a poll: the pool is full now, and no time passes.
  const auto t0 = sim.now();
  EXPECT_FALSE(pool.wait_available(0ms));
  EXPECT_THROW(pool.add(f, 0ms), grove::PoolFull);
  EXPECT_EQ(sim.now(), t0);
  // A time point: the slot frees when the member ends, at 10 ms.
  EXPECT_TRUE(pool.wait_available(t0 + 1s));
  EXPECT_EQ(sim.now() - t0, 10ms);
  pool.start(f, sim.now() + 1s);
  EXPECT_TRUE(f.started());
  pool.join();
}

TEST_F(DeadlineTest, TryLockForAndTryLockUntilTakeADeadline) {
  grove::test::SimulatedHub sim;
  grove::Lock lock;
  grove::RLock rlock;
  grove::Semaphore sem(1);
  expect_rejects("Lock::try_lock_for", [&](grove::Deadline d) { (void)lock.try_lock_for(d); });
  expect_rejects("RLock::try_lock_for", [&](grove::Deadline d) { (void)rlock.try_lock_for(d); });
  expect_rejects("Semaphore::try_lock_for", [&](grove::Deadline d) { (void)sem.try_lock_for(d); });
  EXPECT_FALSE(lock.locked());
  EXPECT_FALSE(rlock.locked());
  EXPECT_EQ(sem.available(), 1u);
  // The std::timed_mutex names still take any duration (std::unique_lock
  // calls try_lock_for) and a time point on the hub's or another clock.
  std::unique_lock hold_lock(lock, 1s);
  std::unique_lock hold_rlock(rlock, 1s);
  std::unique_lock hold_sem(sem, 1s);
  ASSERT_TRUE(hold_lock.owns_lock() && hold_rlock.owns_lock() && hold_sem.owns_lock());
  auto other = grove::spawn([&] {
    const auto t0 = sim.now();
    EXPECT_FALSE(lock.try_lock_for(0ms));  // zero: a poll
    EXPECT_FALSE(rlock.try_lock_for(0ms));
    EXPECT_FALSE(sem.try_lock_for(0ms));
    EXPECT_FALSE(sem.try_lock_until(std::chrono::system_clock::now() - 1s));  // past, on another clock: a poll
    EXPECT_EQ(sim.now(), t0);
    EXPECT_FALSE(lock.try_lock_until(t0 + 5ms));
    EXPECT_EQ(sim.now() - t0, 5ms);
    EXPECT_TRUE(lock.try_lock_until(t0 + 1s));  // released at 20 ms
    EXPECT_EQ(sim.now() - t0, 20ms);
    EXPECT_TRUE(rlock.try_lock_for(1s));
    EXPECT_TRUE(sem.try_lock_until(sim.now() + 1s));
    lock.unlock();
    rlock.unlock();
    sem.unlock();
  });
  grove::this_fiber::sleep(20ms);
  hold_lock.unlock();
  hold_rlock.unlock();
  hold_sem.unlock();
  other.join();
}

TEST_F(DeadlineTest, DummySemaphoreRejectsBadDurationsLikeASemaphore) {
  grove::DummySemaphore sem;
  expect_rejects("DummySemaphore::acquire", [&](grove::Deadline d) { (void)sem.acquire(d); });
  expect_rejects("DummySemaphore::wait", [&](grove::Deadline d) { (void)sem.wait(d); });
  expect_rejects("DummySemaphore::try_lock_for", [&](grove::Deadline d) { (void)sem.try_lock_for(d); });
  EXPECT_TRUE(sem.acquire(0ms));
  EXPECT_TRUE(sem.wait(grove::hub().now() + 1s));
  EXPECT_TRUE(sem.try_lock_for(std::chrono::duration<double>(0.5)));
}

TEST_F(DeadlineTest, HubRunAndShutdownTakeADeadline) {
  expect_rejects("Hub::shutdown", [&](grove::Deadline d) { grove::hub().shutdown(d); });
  EXPECT_FALSE(grove::hub().is_shut_down()) << "a rejected shutdown shuts nothing down";
  grove::test::SimulatedHub sim;
  expect_rejects("Hub::run", [&](grove::Deadline d) { (void)grove::hub().run(d); });
  auto f = grove::spawn([] { grove::this_fiber::sleep(10ms); });
  const auto t0 = sim.now();
  EXPECT_FALSE(grove::hub().run(0ms));  // a poll: the sleeper is not done
  EXPECT_EQ(sim.now(), t0);
  EXPECT_FALSE(grove::hub().run(t0 + 5ms));
  EXPECT_EQ(sim.now() - t0, 5ms);
  EXPECT_TRUE(grove::hub().run(t0 + 1s));
  EXPECT_EQ(sim.now() - t0, 10ms);
  EXPECT_TRUE(f.dead());
}

TEST_F(DeadlineTest, FiberGetKillAndStartsTakeADeadline) {
  grove::test::SimulatedHub sim;
  auto sleeper = grove::spawn([] {
    grove::this_fiber::sleep(10ms);
    return 7;
  });
  std::vector<grove::Fiber<>> fibers{sleeper};
  expect_rejects("Fiber::get", [&](grove::Deadline d) { (void)sleeper.get(d); });
  expect_rejects("Fiber::kill", [&](grove::Deadline d) { (void)sleeper.kill(d); });
  expect_rejects("Fiber::kill", [&](grove::Deadline d) { (void)grove::kill(sleeper, grove::Timeout(1s), d); });
  expect_rejects("killall", [&](grove::Deadline d) { (void)grove::killall(fibers, d); });
  auto unstarted = grove::create([] { return 1; });
  const auto live = grove::hub().fiber_count();
  expect_rejects("Fiber::start_later", [&](grove::Deadline d) { unstarted.start_later(d); });
  expect_rejects("spawn_later", [&](grove::Deadline d) { (void)grove::spawn_later(d, [] {}); });
  EXPECT_FALSE(unstarted.started());
  EXPECT_EQ(grove::hub().fiber_count(), live) << "a rejected spawn_later makes no fiber";
  EXPECT_FALSE(sleeper.dead()) << "a rejected kill sends nothing";
  // Zero is a poll; a time point is absolute.
  const auto t0 = sim.now();
  EXPECT_THROW((void)sleeper.get(0ms), grove::Timeout);
  EXPECT_EQ(sim.now(), t0);
  EXPECT_EQ(sleeper.get(t0 + 1s), 7);
  EXPECT_EQ(sim.now() - t0, 10ms);
  unstarted.start_later(t0 + 15ms);
  EXPECT_EQ(unstarted.get(), 1);
  EXPECT_EQ(sim.now() - t0, 15ms);
  auto later = grove::spawn_later(t0 + 20ms, [] { return 2; });
  EXPECT_EQ(later.get(), 2);
  EXPECT_EQ(sim.now() - t0, 20ms);
  // A fiber that takes 5 ms to die: kill(0ms) does not wait for it.
  auto slow = grove::spawn([] {
    try {
      grove::this_fiber::sleep(1h);
    } catch (const grove::FiberExit&) {
      grove::this_fiber::sleep(5ms);  // a cleanup that blocks a while
      throw;
    }
  });
  grove::this_fiber::yield();
  const auto t1 = sim.now();
  EXPECT_FALSE(slow.kill(0ms));
  EXPECT_EQ(sim.now(), t1);
  EXPECT_TRUE(slow.join(t1 + 1s));
  EXPECT_EQ(sim.now() - t1, 5ms);
  std::vector<grove::Fiber<>> more{grove::spawn([] { grove::this_fiber::sleep(1h); })};
  grove::this_fiber::yield();
  EXPECT_TRUE(grove::killall(more, sim.now() + 1s));
}

TEST_F(DeadlineTest, GroupJoinKillAndKilloneTakeADeadline) {
  grove::test::SimulatedHub sim;
  grove::Group group;
  auto member = group.spawn([] { grove::this_fiber::sleep(10ms); });
  expect_rejects("Group::join", [&](grove::Deadline d) { (void)group.join(d); });
  expect_rejects("Group::kill", [&](grove::Deadline d) { (void)group.kill(d); });
  expect_rejects("Group::killone", [&](grove::Deadline d) { (void)group.killone(member, d); });
  EXPECT_FALSE(member.dead()) << "a rejected kill sends nothing";
  const auto t0 = sim.now();
  EXPECT_FALSE(group.join(0ms));
  EXPECT_EQ(sim.now(), t0);
  EXPECT_TRUE(group.join(t0 + 1s));
  EXPECT_EQ(sim.now() - t0, 10ms);
  auto a = group.spawn([] { grove::this_fiber::sleep(1h); });
  (void)group.spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  EXPECT_TRUE(group.killone(a, sim.now() + 1s));
  EXPECT_TRUE(group.kill(sim.now() + 1s));
  EXPECT_TRUE(group.empty());
}

TEST_F(DeadlineTest, ThreadPoolJoinAndGracefulShutdownWaitTakeADeadline) {
  // Real threads and a signal handler: real time, no Simulation.
  grove::ThreadPool pool(1);
  expect_rejects("ThreadPool::join", [&](grove::Deadline d) { (void)pool.join(d); });
  auto r = pool.spawn([] { return 3; });
  EXPECT_TRUE(pool.join(grove::hub().now() + 10s));
  EXPECT_EQ(r.get(), 3);
  grove::Group group;
  grove::GracefulShutdown shutdown({SIGUSR2}, {.grace = 1s}, group);
  expect_rejects("GracefulShutdown::wait", [&](grove::Deadline d) { (void)shutdown.wait(d); });
  EXPECT_FALSE(shutdown.wait(0ms));  // a poll: not triggered
  EXPECT_FALSE(shutdown.triggered());
  shutdown.trigger();
  EXPECT_TRUE(shutdown.wait(grove::hub().now() + 10s));
}

TEST_F(DeadlineTest, WithTimeoutWithinAndWithTimeoutOrTakeADeadline) {
  grove::test::SimulatedHub sim;
  int runs = 0;
  auto work = [&] {
    ++runs;
    grove::this_fiber::sleep(10ms);
    return 7;
  };
  // Rejected before fn runs, naming the call.
  expect_rejects("with_timeout", [&](grove::Deadline d) { (void)grove::with_timeout(d, work); });
  expect_rejects("within", [&](grove::Deadline d) { (void)grove::within(d, work); });
  expect_rejects("with_timeout_or", [&](grove::Deadline d) { (void)grove::with_timeout_or(d, -1, work); });
  EXPECT_EQ(runs, 0);
  // A time point is absolute: the Timeout fires at it.
  auto t0 = sim.now();
  EXPECT_FALSE(grove::within(t0 + 4ms, work));
  EXPECT_EQ(sim.now() - t0, 4ms);
  t0 = sim.now();
  EXPECT_EQ(grove::with_timeout_or(t0 + 3ms, -1, work), -1);
  EXPECT_EQ(sim.now() - t0, 3ms);
  t0 = sim.now();
  EXPECT_THROW((void)grove::with_timeout(t0 + 2ms, work), grove::Timeout);
  EXPECT_EQ(sim.now() - t0, 2ms);
  // A time point already passed fires at fn's first suspension.
  t0 = sim.now();
  EXPECT_FALSE(grove::within(t0 - 1ms, work));
  EXPECT_EQ(sim.now(), t0);
  // Enough time, or no deadline: fn's result.
  t0 = sim.now();
  EXPECT_EQ(grove::with_timeout(t0 + 1s, work), 7);
  EXPECT_EQ(grove::with_timeout(grove::Deadline::never(), work), 7);
  EXPECT_TRUE(grove::within(std::chrono::duration<double>(0.5), work));
  EXPECT_EQ(grove::with_timeout_or(15ms, -1, work), 7);
  EXPECT_EQ(sim.now() - t0, 40ms);
  EXPECT_EQ(runs, 8);
}

TEST_F(DeadlineTest, TimeoutAndSleepTakeADurationAndRejectBadOnesByName) {
  // The re-armable Timeout and gevent's sleep(seconds) keep a duration
  // (timeout.hpp says why); a bad one is still a UsageError naming the call.
  auto rejects = [](const std::string& call, const std::function<void(std::chrono::duration<double>)>& fn) {
    const std::string negative = usage_error_of([&] { fn(std::chrono::duration<double>(-0.001)); });
    EXPECT_NE(negative.find(call + ": the duration is negative"), std::string::npos) << negative;
    const std::string nan = usage_error_of([&] { fn(kNaN); });
    EXPECT_NE(nan.find(call + ": the duration is NaN"), std::string::npos) << nan;
  };
  rejects("Timeout", [](auto d) { grove::Timeout t(d); });
  rejects("Timeout", [](auto d) { grove::Timeout t(d, grove::deferred); });
  rejects("Timeout", [](auto d) { grove::Timeout t(d, grove::weak); });
  rejects("this_fiber::sleep", [](auto d) { grove::this_fiber::sleep(d); });
  rejects("this_fiber::sleep", [](auto d) { grove::this_fiber::sleep(d, grove::weak); });
}

}  // namespace
