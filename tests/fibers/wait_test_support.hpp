#pragma once
// wait_test_support.hpp — what the wait suites (wait_test.cpp, wait_any_test.cpp; one executable fibers_wait_test)
// share.

#include <grove/wait.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include <gtest/gtest.h>

#include "exit_reason_printer.hpp"
#include "hub_fixture.hpp"
#include "simulated_hub.hpp"

#include <algorithm>
#include <chrono>
#include <list>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using SteadyClock = std::chrono::steady_clock;

inline long long ms_since(SteadyClock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t0).count();
}

struct Boom : std::runtime_error {
  explicit Boom(int n) : std::runtime_error("boom " + std::to_string(n)), n(n) {}
  int n;
};

using WaitTest = grove::test::HubTest;
using grove::test::SimulatedHub;  // timing assertions run on virtual time

inline grove::Fiber<int> sleeper(std::chrono::milliseconds d, int v) {
  return grove::spawn([d, v] {
    grove::this_fiber::sleep(d);
    return v;
  });
}

}  // namespace
