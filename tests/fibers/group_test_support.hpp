#pragma once
// group_test_support.hpp — what the Group and Pool suites (group_test.cpp, group_pool_test.cpp; one executable
// fibers_group_test) share.

#include <grove/group.hpp>

#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/links.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"
#include "simulated_hub.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>
#include <numeric>
#include <ranges>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

using GroupTest = grove::test::HubTest;

struct Boom : std::runtime_error {
  explicit Boom(int n) : std::runtime_error("boom " + std::to_string(n)), n(n) {}
  int n;
};

}  // namespace
