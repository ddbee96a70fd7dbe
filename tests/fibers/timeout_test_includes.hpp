#pragma once
// timeout_test_includes.hpp — what the Timeout suites (timeout_*test.cpp, one executable fibers_timeout_test) include;
// the fixture and helpers are in ../common/timeout_test_support.hpp.

#include <grove/timeout.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include "simulated_hub.hpp"
#include "timeout_test_support.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace std::chrono_literals;

namespace {

using namespace grove::test;  // TimeoutTest, SimulatedHub, MyError

}  // namespace
