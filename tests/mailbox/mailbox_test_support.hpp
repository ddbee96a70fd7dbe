#pragma once
// mailbox_test_support.hpp — what the mailbox suites share: a fixture that
// gives every test a fresh hub and checks no fiber is left behind, a type
// that counts its live instances (leak checks), and elapsed-time helpers.

#include <grove/fiber.hpp>
#include <grove/hub.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace grove::test {

class MailboxTest : public HubTest {
 protected:
  std::vector<std::string> log;
};

using SteadyClock = std::chrono::steady_clock;

inline long long ms_since(SteadyClock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t0).count();
}

// Tracked counts its live instances, so a test can check that a queue
// destroys exactly what it holds.
struct Tracked {
  static inline int live = 0;
  int value;
  explicit Tracked(int v = 0) : value(v) { ++live; }
  Tracked(const Tracked& o) : value(o.value) { ++live; }
  Tracked(Tracked&& o) noexcept : value(o.value) {
    o.value = -1;
    ++live;
  }
  Tracked& operator=(const Tracked&) = default;
  Tracked& operator=(Tracked&&) = default;
  ~Tracked() { --live; }
  friend bool operator<(const Tracked& a, const Tracked& b) { return a.value < b.value; }
};

}  // namespace grove::test
