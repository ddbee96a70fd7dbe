#pragma once
// supervision_test_support.hpp — a fixture with a fresh hub and zeroed
// dead-letter counters, and helpers to wait for a supervisor to settle.

#include <grove/dead_letters.hpp>
#include <grove/exit_reason.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "exit_reason_printer.hpp"
#include "hub_fixture.hpp"

#include <chrono>
#include <ostream>

class SupervisionTest : public grove::test::HubTest {
 protected:
  void SetUp() override {
    HubTest::SetUp();
    grove::dead_letters().reset();
  }
};

// eventually(pred) sleeps in small steps until pred() holds or 1 s passed.
template <class P>
bool eventually(P pred, std::chrono::milliseconds limit = std::chrono::milliseconds(1000)) {
  const auto deadline = grove::hub().now() + limit;
  while (!pred()) {
    if (grove::hub().now() >= deadline) return false;
    grove::this_fiber::sleep(std::chrono::milliseconds(1));
  }
  return true;
}

// settle() lets the supervisor handle what is pending.
inline void settle() { grove::this_fiber::sleep(std::chrono::milliseconds(5)); }
