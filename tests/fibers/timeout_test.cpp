// timeout_test.cpp — grove::Timeout scopes, with_timeout / with_timeout_or,
// nesting, races and durations (the blocking calls' shared timeout checks
// are in blocking_ops_timeout_test.cpp).

#include <grove/timeout.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include "timeout_test_support.hpp"

#include <chrono>
#include <cmath>
#include <memory>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace std::chrono_literals;

namespace {

using namespace grove::test;

// --------------------------------------------------------- firing points

TEST_F(TimeoutTest, FiresDuringSleep) {
  auto t0 = SteadyClock::now();
  grove::Timeout t(40ms);
  EXPECT_TRUE(t.pending());
  EXPECT_FALSE(t.expired());
  try {
    grove::this_fiber::sleep(1s);
    FAIL() << "the Timeout did not fire";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == t);
    EXPECT_TRUE(e.expired());
    EXPECT_FALSE(e.pending());
    EXPECT_EQ(e.duration(), t.duration());
    EXPECT_STREQ(e.what(), t.what());
  }
  auto took = ms_since(t0);
  EXPECT_GE(took, 40);
  EXPECT_LT(took, 140);
  EXPECT_TRUE(t.expired());
  EXPECT_FALSE(t.pending());
  // It fired once: the next blocking call is not interrupted again.
  auto t1 = SteadyClock::now();
  EXPECT_NO_THROW(grove::this_fiber::sleep(30ms));
  EXPECT_GE(ms_since(t1), 30);
}

TEST_F(TimeoutTest, FiresDuringJoinAndLeavesTheJoinedFiberRunning) {
  auto worker = grove::spawn([] {
    grove::this_fiber::sleep(80ms);
    return 5;
  });
  auto t0 = SteadyClock::now();
  {
    grove::Timeout t(20ms);
    try {
      worker.join();
      FAIL() << "the Timeout did not fire during join";
    } catch (const grove::Timeout& e) {
      EXPECT_TRUE(e == t);
    }
  }
  EXPECT_LT(ms_since(t0), 70);
  EXPECT_FALSE(worker.dead()) << "a Timeout of the joiner must not touch the joined fiber";
  EXPECT_EQ(worker.get(), 5);
  EXPECT_EQ(worker.exit_reason(), grove::ExitReason::normal());
  EXPECT_GE(ms_since(t0), 80);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(TimeoutTest, FiresDuringJoinInsideSpawnedFiber) {
  auto worker = grove::spawn([] { grove::this_fiber::sleep(80ms); });
  auto joiner = grove::spawn([&] {
    grove::Timeout t(20ms);
    try {
      worker.join();
    } catch (const grove::Timeout& e) {
      return e == t;
    }
    return false;
  });
  EXPECT_TRUE(joiner.get());
  EXPECT_FALSE(worker.dead());
  worker.join();
  EXPECT_EQ(worker.exit_reason(), grove::ExitReason::normal());
}

TEST_F(TimeoutTest, FiresDuringEventWait) {
  grove::Event ev;
  auto t0 = SteadyClock::now();
  grove::Timeout t(30ms);
  EXPECT_THROW(ev.wait(), grove::Timeout);
  EXPECT_GE(ms_since(t0), 30);
  EXPECT_TRUE(t.expired());
  // The interrupted waiter left the event's wait list: set() is harmless.
  ev.set();
  EXPECT_TRUE(ev.wait());
}

TEST_F(TimeoutTest, FiresDuringEventWaitWithLongerOwnTimeout) {
  grove::Event ev;
  grove::Timeout t(20ms);
  auto t0 = SteadyClock::now();
  EXPECT_THROW(ev.wait(500ms), grove::Timeout);
  EXPECT_LT(ms_since(t0), 120);
  expect_no_timer_left();  // the wait's own 500 ms timer went with it
}

// ------------------------------------------------------------- cancelling

TEST_F(TimeoutTest, CancelledTimeoutNeverFires) {
  grove::Timeout t(20ms);
  EXPECT_TRUE(t.pending());
  t.cancel();
  EXPECT_FALSE(t.pending());
  EXPECT_NO_THROW(grove::this_fiber::sleep(60ms));  // well past the deadline
  EXPECT_FALSE(t.expired());
  t.cancel();  // twice is fine
  expect_no_timer_left();
}

TEST_F(TimeoutTest, ScopeExitCancels) {
  {
    grove::Timeout t(20ms);
    grove::this_fiber::sleep(5ms);
  }
  EXPECT_NO_THROW(grove::this_fiber::sleep(60ms));
  expect_no_timer_left();
}

TEST_F(TimeoutTest, ScopeExitCancelsInSpawnedFiber) {
  auto f = grove::spawn([] {
    {
      grove::Timeout t(20ms);
      grove::this_fiber::yield();
    }
    grove::this_fiber::sleep(60ms);
    return 1;
  });
  EXPECT_EQ(f.get(), 1);
  EXPECT_TRUE(f.successful());
}

TEST_F(TimeoutTest, KilledFiberCancelsItsTimeout) {
  bool caught_timeout = false;
  auto victim = grove::spawn([&] {
    grove::Timeout t(40ms);
    try {
      grove::this_fiber::sleep(1h);
    } catch (const grove::Timeout&) {
      caught_timeout = true;
    }
  });
  grove::this_fiber::sleep(10ms);
  victim.kill();
  EXPECT_EQ(victim.exit_reason(), grove::ExitReason::killed());
  EXPECT_FALSE(caught_timeout);
  grove::this_fiber::sleep(60ms);  // past the dead scope's deadline: nothing fires
  expect_no_timer_left();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// --------------------------------------------------------- deferred, start

TEST_F(TimeoutTest, DeferredDoesNotFireUntilStart) {
  grove::Timeout t(30ms, grove::deferred);
  EXPECT_FALSE(t.pending());
  EXPECT_FALSE(t.expired());
  EXPECT_NO_THROW(grove::this_fiber::sleep(60ms));
  EXPECT_FALSE(t.expired());
  auto t0 = SteadyClock::now();
  t.start();
  EXPECT_TRUE(t.pending());
  try {
    grove::this_fiber::sleep(1s);
    FAIL() << "the started Timeout did not fire";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == t);
  }
  auto took = ms_since(t0);
  EXPECT_GE(took, 30);
  EXPECT_LT(took, 130);
}

TEST_F(TimeoutTest, StartReArmsFromNow) {
  grove::Timeout t(50ms);
  grove::this_fiber::sleep(30ms);
  auto restart = SteadyClock::now();
  t.start();  // the old deadline (20 ms from here) no longer applies
  EXPECT_TRUE(t.pending());
  try {
    grove::this_fiber::sleep(1s);
    FAIL() << "the re-armed Timeout did not fire";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == t);
  }
  auto took = ms_since(restart);
  EXPECT_GE(took, 50);
  EXPECT_LT(took, 150);
}

TEST_F(TimeoutTest, StartAfterFiringArmsAgain) {
  grove::Timeout t(20ms);
  EXPECT_THROW(grove::this_fiber::sleep(1s), grove::Timeout);
  EXPECT_TRUE(t.expired());
  t.start();
  EXPECT_TRUE(t.pending());
  EXPECT_FALSE(t.expired());
  auto t0 = SteadyClock::now();
  EXPECT_THROW(grove::this_fiber::sleep(1s), grove::Timeout);
  EXPECT_GE(ms_since(t0), 20);
  EXPECT_TRUE(t.expired());
}

TEST_F(TimeoutTest, ThrownCopyCannotBeStarted) {
  grove::Timeout t(10ms);
  try {
    grove::this_fiber::sleep(1s);
  } catch (grove::Timeout& e) {
    EXPECT_THROW(e.start(), grove::UsageError);
    EXPECT_NO_THROW(e.cancel());
    EXPECT_TRUE(e == t);
  }
}

// -------------------------------------------------------------- accessors

TEST_F(TimeoutTest, AccessorsAndWhat) {
  grove::Timeout a(50ms, grove::deferred);
  EXPECT_EQ(a.duration(), grove::Duration(50ms));
  EXPECT_STREQ(a.what(), "grove::Timeout: 50ms elapsed");
  grove::Timeout b(2s, grove::deferred);
  EXPECT_STREQ(b.what(), "grove::Timeout: 2s elapsed");
  grove::Timeout c(1500us, grove::deferred);
  EXPECT_STREQ(c.what(), "grove::Timeout: 1500us elapsed");
  grove::Timeout never(std::chrono::hours::max(), grove::deferred);
  EXPECT_STREQ(never.what(), "grove::Timeout (never)");
  EXPECT_EQ(never.duration(), grove::Duration::max());
  grove::Timeout d(0.25 * 1s, grove::deferred);  // floating-point durations
  EXPECT_EQ(d.duration(), grove::Duration(250ms));

  EXPECT_NE(a.id(), b.id());
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(a == a);
  const grove::TimeoutError& as_timeout = a;  // an Interrupt, not a std::exception
  EXPECT_STREQ(as_timeout.what(), "grove::Timeout: 50ms elapsed");
}

TEST_F(TimeoutTest, BadDurationsAreUsageErrors) {
  EXPECT_THROW(grove::Timeout(-1ms), grove::UsageError);
  EXPECT_THROW(grove::Timeout(std::chrono::duration<double>(std::nan("")), grove::deferred), grove::UsageError);
  EXPECT_THROW(grove::with_timeout(-5ms, [] { return 1; }), grove::UsageError);
}

// A Timeout is an Interrupt, not a std::exception (errors.hpp); it is
// caught as a grove::TimeoutError.
TEST_F(TimeoutTest, CaughtAsTimeoutError) {
  grove::Timeout t(10ms);
  try {
    grove::this_fiber::sleep(1s);
    FAIL();
  } catch (const grove::TimeoutError& e) {
    EXPECT_STREQ(e.what(), "grove::Timeout: 10ms elapsed");
    EXPECT_NE(dynamic_cast<const grove::Timeout*>(&e), nullptr);
  }
}

// ------------------------------------------------------- custom exception

TEST_F(TimeoutTest, CustomExceptionIsThrownInstead) {
  auto t0 = SteadyClock::now();
  grove::Timeout t(25ms, MyError(42));
  EXPECT_TRUE(t.pending());
  try {
    grove::this_fiber::sleep(1s);
    FAIL() << "nothing was thrown";
  } catch (const MyError& e) {
    EXPECT_EQ(e.code, 42);
  } catch (const grove::Timeout&) {
    FAIL() << "a Timeout was thrown instead of the custom exception";
  }
  EXPECT_GE(ms_since(t0), 25);
  EXPECT_TRUE(t.expired());
}

TEST_F(TimeoutTest, CustomExceptionInSpawnedFiberEndsIt) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto f = grove::spawn([] {
    grove::Timeout t(20ms, MyError(7));
    grove::this_fiber::sleep(1s);
  });
  f.join();
  EXPECT_FALSE(f.successful());
  try {
    f.get();
    FAIL();
  } catch (const MyError& e) {
    EXPECT_EQ(e.code, 7);
  }
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::exception);
}

// ------------------------------------------------------------------ nesting

TEST_F(TimeoutTest, NestedInnerShorterFiresThenOuterStillFires) {
  auto t0 = SteadyClock::now();
  grove::Timeout outer(120ms);
  {
    grove::Timeout inner(20ms);
    try {
      grove::this_fiber::sleep(1s);
      FAIL() << "the inner Timeout did not fire";
    } catch (const grove::Timeout& e) {
      EXPECT_TRUE(e == inner);
      EXPECT_FALSE(e == outer);
      EXPECT_TRUE(inner.expired());
      EXPECT_TRUE(outer.pending());
      EXPECT_FALSE(outer.expired());
    }
    EXPECT_LT(ms_since(t0), 100);
  }
  try {
    grove::this_fiber::sleep(1s);
    FAIL() << "the outer Timeout did not fire";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == outer);
  }
  auto took = ms_since(t0);
  EXPECT_GE(took, 120);
  EXPECT_LT(took, 220);
}

TEST_F(TimeoutTest, NestedInnerShorterFiresAndCancelledOuterNever) {
  grove::Timeout outer(60ms);
  {
    grove::Timeout inner(10ms);
    EXPECT_THROW(grove::this_fiber::sleep(1s), grove::Timeout);
  }
  outer.cancel();
  EXPECT_NO_THROW(grove::this_fiber::sleep(100ms));
  EXPECT_FALSE(outer.expired());
}

TEST_F(TimeoutTest, NestedOuterShorterFires) {
  auto t0 = SteadyClock::now();
  grove::Timeout outer(20ms);
  try {
    grove::Timeout inner(200ms);
    try {
      grove::this_fiber::sleep(1s);
    } catch (const grove::Timeout& e) {
      EXPECT_FALSE(e == inner);
      EXPECT_TRUE(inner.pending());
      EXPECT_FALSE(inner.expired());
      throw;  // not ours: pass it on
    }
    FAIL() << "no Timeout fired";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == outer);
    EXPECT_TRUE(outer.expired());
  }
  EXPECT_LT(ms_since(t0), 150);
  EXPECT_NO_THROW(grove::this_fiber::sleep(250ms));  // the inner scope is gone, never fires
}

// Both deadlines pass while the thread is busy, so both timers fire in one
// hub iteration. The inner one is raised first; the outer one must still be
// raised at the fiber's next suspension point, since it was never cancelled.
TEST_F(TimeoutTest, NestedBothDueInSameIterationOuterStillFires) {
  auto t0 = SteadyClock::now();
  grove::Timeout outer(30ms);
  bool inner_caught = false;
  try {
    {
      grove::Timeout inner(20ms);
      hog_until(grove::hub().now() + 50ms);  // both are due now
      try {
        grove::this_fiber::sleep(1s);
      } catch (const grove::Timeout& e) {
        inner_caught = e == inner;
      }
    }
    grove::this_fiber::sleep(300ms);
    FAIL() << "the outer Timeout expired (expired()=" << outer.expired() << ", pending()=" << outer.pending()
           << ") but was never raised";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == outer);
  }
  EXPECT_TRUE(inner_caught);
  EXPECT_LT(ms_since(t0), 200);
}

// ----------------------------------------------------- main and spawned fibers

TEST_F(TimeoutTest, EachFiberGetsOnlyItsOwnTimeout) {
  grove::Timeout main_t(400ms);  // pending in main throughout
  std::vector<grove::Fiber<int>> fs;
  std::vector<long long> at(3, -1);
  auto t0 = SteadyClock::now();
  for (int i = 0; i < 3; ++i) {
    fs.push_back(grove::spawn([i, &at, t0] {
      grove::Timeout t(milliseconds(20 * (i + 1)));
      try {
        grove::this_fiber::sleep(1s);
      } catch (const grove::Timeout& e) {
        at[i] = ms_since(t0);
        return e == t ? i : -1;
      }
      return -2;
    }));
  }
  grove::joinall(fs);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(fs[i].value(), i);
    EXPECT_GE(at[i], 20 * (i + 1));
  }
  EXPECT_LT(at[0], at[1]);
  EXPECT_LT(at[1], at[2]);
  EXPECT_TRUE(main_t.pending());
  EXPECT_FALSE(main_t.expired());
  main_t.cancel();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(TimeoutTest, TimeoutInSpawnedFiberDoesNotHitMain) {
  auto f = grove::spawn([] {
    grove::Timeout t(15ms);
    grove::this_fiber::sleep(1s);  // uncaught: ends the fiber
  });
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  EXPECT_NO_THROW(f.join());
  EXPECT_FALSE(f.successful());
  EXPECT_THROW(f.get(), grove::Timeout);
  EXPECT_NO_THROW(grove::this_fiber::sleep(20ms));
}

// ---------------------------------------------------------- with_timeout

TEST_F(TimeoutTest, WithTimeoutReturnsValueWhenFast) {
  int v = grove::with_timeout(100ms, [] {
    grove::this_fiber::sleep(5ms);
    return 42;
  });
  EXPECT_EQ(v, 42);
  EXPECT_EQ(grove::with_timeout(100ms, [](int a, int b) { return a + b; }, 2, 3), 5);
  std::string s = grove::with_timeout(100ms, [](std::string x) { return x + "!"; }, std::string("hi"));
  EXPECT_EQ(s, "hi!");
  bool ran = false;
  grove::with_timeout(50ms, [&] { ran = true; });
  EXPECT_TRUE(ran);
  // No Timeout lingers once with_timeout has returned.
  EXPECT_NO_THROW(grove::this_fiber::sleep(130ms));
}

TEST_F(TimeoutTest, WithTimeoutThrowsWhenSlow) {
  auto t0 = SteadyClock::now();
  bool after = false;
  EXPECT_THROW(grove::with_timeout(25ms,
                                   [&] {
                                     grove::this_fiber::sleep(1s);
                                     after = true;
                                     return 1;
                                   }),
               grove::Timeout);
  EXPECT_FALSE(after);
  auto took = ms_since(t0);
  EXPECT_GE(took, 25);
  EXPECT_LT(took, 125);
}

TEST_F(TimeoutTest, WithTimeoutOrReturnsFallbackWhenSlow) {
  auto t0 = SteadyClock::now();
  int v = grove::with_timeout_or(25ms, -1, [] {
    grove::this_fiber::sleep(1s);
    return 1;
  });
  EXPECT_EQ(v, -1);
  auto took = ms_since(t0);
  EXPECT_GE(took, 25);
  EXPECT_LT(took, 125);
  std::string s = grove::with_timeout_or(10ms, std::string("fallback"), [] {
    grove::this_fiber::sleep(1s);
    return std::string("value");
  });
  EXPECT_EQ(s, "fallback");
}

TEST_F(TimeoutTest, WithTimeoutOrReturnsValueWhenFast) {
  int v = grove::with_timeout_or(100ms, -1, [](int x) { return x * 2; }, 21);
  EXPECT_EQ(v, 42);
  EXPECT_NO_THROW(grove::this_fiber::sleep(120ms));
}

TEST_F(TimeoutTest, WithTimeoutOrLetsAnOuterTimeoutThrough) {
  grove::Timeout outer(20ms);
  try {
    grove::with_timeout_or(500ms, -1, [] {
      grove::this_fiber::sleep(1s);
      return 1;
    });
    FAIL() << "the outer Timeout was swallowed";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == outer);
  }
}

TEST_F(TimeoutTest, WithTimeoutOrLetsCustomExceptionsThrough) {
  EXPECT_THROW(grove::with_timeout_or(500ms, -1,
                                      [] {
                                        grove::Timeout t(10ms, MyError(3));
                                        grove::this_fiber::sleep(1s);
                                        return 1;
                                      }),
               MyError);
}

TEST_F(TimeoutTest, WithTimeoutInSpawnedFiber) {
  auto f = grove::spawn([] {
    return grove::with_timeout_or(20ms, std::string("late"), [] {
      grove::this_fiber::sleep(1s);
      return std::string("on time");
    });
  });
  auto g = grove::spawn([] { return grove::with_timeout(200ms, [] { return std::string("on time"); }); });
  EXPECT_EQ(f.get(), "late");
  EXPECT_EQ(g.get(), "on time");
}

// -------------------------------------------------------------- races

// The waiter's Timeout and a setter's wake-up are due at the same moment
// (offset 0) or within a millisecond of each other, with and without the
// thread being busy so both fire in the same hub iteration.
TEST_F(TimeoutTest, DeadlineRacingEventSetHasExactlyOneOutcome) {
  for (bool hog : {false, true}) {
    for (int offset : {-1, 0, 1}) {
      SCOPED_TRACE(testing::Message() << "hog=" << hog << " offset=" << offset << "ms");
      grove::Event ev;
      int woken = 0, timed_out = 0, foreign = 0, resumed = 0, stray = 0;
      grove::TimePoint base = grove::hub().now();
      auto waiter = grove::spawn([&] {
        grove::Timeout t(30ms);
        try {
          ev.wait();
          ++woken;
        } catch (const grove::Timeout& e) {
          if (e == t) ++timed_out;
          else ++foreign;
        }
        t.cancel();
        ++resumed;
        // Nothing is left pending for this fiber: a plain sleep runs its course.
        auto t1 = SteadyClock::now();
        try {
          grove::this_fiber::sleep(10ms);
        } catch (...) {
          ++stray;
        }
        EXPECT_GE(ms_since(t1), 10);
      });
      auto setter = grove::spawn([&] {
        grove::this_fiber::sleep_until(base + 30ms + milliseconds(offset));
        ev.set();
      });
      grove::Fiber<> hogger;
      if (hog) {
        hogger = grove::spawn([&] {
          grove::this_fiber::sleep_until(base + 25ms);
          hog_until(base + 40ms);
        });
      }
      grove::joinall(std::vector<grove::Fiber<>>{waiter, setter});
      if (hogger) hogger.join();
      EXPECT_EQ(woken + timed_out, 1);
      EXPECT_EQ(foreign, 0);
      EXPECT_EQ(resumed, 1);
      EXPECT_EQ(stray, 0);
      EXPECT_TRUE(ev.is_set()) << "the Event must stay set whatever the outcome";
      EXPECT_TRUE(waiter.successful());
      EXPECT_EQ(grove::hub().fiber_count(), 0u);
    }
  }
  expect_no_timer_left();
}

// A kill() that reaches a fiber whose Timeout has fired but not yet been
// raised (both in one hub iteration) must not be lost: the fiber handles the
// Timeout, and the FiberExit is raised at its next suspension point.
TEST_F(TimeoutTest, KillArrivingWhileTimeoutIsPendingIsNotLost) {
  grove::TimePoint base = grove::hub().now();
  bool caught_timeout = false;
  bool survived_kill = false;
  auto victim = grove::spawn([&] {
    try {
      grove::Timeout t(20ms);
      grove::this_fiber::sleep(1s);
    } catch (const grove::Timeout&) {
      caught_timeout = true;
    }
    grove::this_fiber::sleep(100ms);  // the kill must land here at the latest
    survived_kill = true;
  });
  auto killer = grove::spawn([&] {
    grove::this_fiber::sleep_until(base + 15ms);
    victim.kill();
  });
  auto hogger = grove::spawn([&] {
    grove::this_fiber::sleep_until(base + 5ms);
    hog_until(base + 35ms);  // killer's timer and victim's Timeout fire together
  });
  grove::joinall(std::vector<grove::Fiber<>>{victim, killer, hogger});
  EXPECT_FALSE(survived_kill) << "kill() was silently dropped because a Timeout was pending";
  EXPECT_EQ(victim.exit_reason(), grove::ExitReason::killed());
  (void)caught_timeout;  // either order of delivery is acceptable
}

// ------------------------------------------------------- zero and never

TEST_F(TimeoutTest, ZeroDurationFiresAtNextBlockingCall) {
  grove::Timeout t(0ms);
  EXPECT_TRUE(t.pending());
  int work = 0;
  for (int i = 0; i < 1000; ++i) work += i;  // no blocking call: nothing happens
  EXPECT_EQ(work, 499500);
  grove::Event set_ev;
  set_ev.set();
  EXPECT_TRUE(set_ev.wait());  // returns at once, does not block
  auto t0 = SteadyClock::now();
  EXPECT_THROW(grove::this_fiber::sleep(200ms), grove::Timeout);
  EXPECT_LT(ms_since(t0), 50);
  EXPECT_TRUE(t.expired());
}

TEST_F(TimeoutTest, ZeroDurationInSpawnedFiber) {
  auto f = grove::spawn([] {
    grove::Timeout t(0ms);
    try {
      grove::Event ev;
      ev.wait();
    } catch (const grove::Timeout& e) {
      return e == t;
    }
    return false;
  });
  EXPECT_TRUE(f.get());
}

TEST_F(TimeoutTest, MaxDurationNeverFires) {
  grove::Timeout a(grove::Duration::max());
  grove::Timeout b(std::chrono::hours::max());
  grove::Timeout c(std::chrono::duration<double>(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(a.pending());
  EXPECT_FALSE(b.pending());
  EXPECT_FALSE(c.pending());
  EXPECT_EQ(b.duration(), grove::Duration::max());
  EXPECT_NO_THROW(grove::this_fiber::sleep(30ms));
  b.start();
  EXPECT_FALSE(b.pending());
  expect_no_timer_left();  // nothing was armed
  EXPECT_FALSE(a.expired());
  EXPECT_FALSE(b.expired());
}

}  // namespace
