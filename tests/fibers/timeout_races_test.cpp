// timeout_races_test.cpp — a Timeout racing a completion or a kill, and zero and never durations.

#include "timeout_test_includes.hpp"

namespace {

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
  SimulatedHub sim;
  grove::Timeout t(0ms);
  EXPECT_TRUE(t.pending());
  int work = 0;
  for (int i = 0; i < 1000; ++i) work += i;  // no blocking call: nothing happens
  EXPECT_EQ(work, 499500);
  grove::Event set_ev;
  set_ev.set();
  EXPECT_TRUE(set_ev.wait());  // returns at once, does not block
  EXPECT_THROW(grove::this_fiber::sleep(200ms), grove::Timeout);
  EXPECT_EQ(sim.elapsed(), 0ms);  // at once, not after the sleep
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
  SimulatedHub sim;
  grove::Timeout a(grove::Duration::max());
  grove::Timeout b(std::chrono::hours::max());
  grove::Timeout c{std::chrono::duration<double>(std::numeric_limits<double>::infinity())};  // braces: no vexing parse
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
