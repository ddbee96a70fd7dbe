#pragma once
// queue_test_support.hpp — what the Queue suites (queue_test.cpp, queue_close_test.cpp; one executable
// mailbox_queue_test) share.

#include <grove/queue.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include "mailbox_test_support.hpp"
#include "simulated_hub.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>
#include <ranges>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using grove::test::ms_since;
using grove::test::SteadyClock;
using grove::test::Tracked;

namespace {

// A queue is an input range (range-for, std::ranges algorithms and views).
static_assert(std::ranges::input_range<grove::Queue<int>>);
static_assert(std::input_iterator<grove::Queue<int>::iterator>);

using QueueTest = grove::test::MailboxTest;
using grove::test::SimulatedHub;  // timing assertions run on virtual time

}  // namespace
