#pragma once
// timeout_test_support.hpp — what the Timeout suites (timeout_test.cpp,
// blocking_ops_timeout_test.cpp) share: the TimeoutTest fixture, a steady
// clock stopwatch, a thread hog and a test exception.

#include <grove/duration.hpp>
#include <grove/exit_reason.hpp>
#include <grove/hub.hpp>

#include <gtest/gtest.h>

#include "exit_reason_printer.hpp"
#include "hub_fixture.hpp"

#include <chrono>
#include <ostream>
#include <stdexcept>
#include <thread>

namespace grove::test {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

inline long long ms_since(SteadyClock::time_point t0) {
  return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - t0).count();
}

struct MyError : std::runtime_error {
  explicit MyError(int code) : std::runtime_error("my error"), code(code) {}
  int code;
};

// hog_until() blocks the whole OS thread (no fiber switch), so that every
// timer due meanwhile fires in the same iteration of the hub's loop.
inline void hog_until(grove::TimePoint t) { std::this_thread::sleep_until(t); }

class TimeoutTest : public HubTest {
 protected:
  // expect_no_timer_left() checks that no timer is armed (a cancelled or
  // fired Timeout, a finished wait left nothing behind) — exactly, on the
  // hub's count, with no wall-clock bound.
  static void expect_no_timer_left() { EXPECT_EQ(grove::hub().timer_count(), 0u) << "a timer was still armed"; }
};

}  // namespace grove::test
