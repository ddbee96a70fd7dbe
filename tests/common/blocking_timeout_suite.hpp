#pragma once
// blocking_timeout_suite.hpp — the one timeout suite every blocking
// primitive runs (gevent's AbstractGenericWaitTestCase). A module's test
// describes each blocking call as a BlockingOp and instantiates the suite:
//
//   INSTANTIATE_TEST_SUITE_P(Queue, BlockingTimeout, ::testing::Values(
//       BlockingCase{"get", [] { return std::make_unique<QueueGetOp>(); }}),
//       [](const auto& info) { return info.param.name; });
//
// Each case checks that the call expires when due, that a call completed
// first never sees its timer fire later, and that a completion racing the
// deadline is handled exactly once (no lost completion, no double wake).

#include <grove/duration.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace grove::test {

// BlockingOp is one blocking call with a timeout, on a fresh object.
struct BlockingOp {
  virtual ~BlockingOp() = default;
  // wait(timeout) makes the blocking call; true if it completed, false if
  // it timed out (calls that throw grove::Timeout are adapted to false).
  virtual bool wait(Duration timeout) = 0;
  // complete() makes the pending (or next) wait succeed; it is called from
  // another fiber and must not block.
  virtual void complete() = 0;
};

struct BlockingCase {
  std::string name;
  std::function<std::unique_ptr<BlockingOp>()> make;
};

class BlockingTimeout : public HubTest, public ::testing::WithParamInterface<BlockingCase> {};

using namespace std::chrono_literals;

inline Duration since(TimePoint t0) { return Clock::now() - t0; }

TEST_P(BlockingTimeout, ExpiresWhenDue) {
  auto op = GetParam().make();
  const TimePoint t0 = Clock::now();
  EXPECT_FALSE(op->wait(50ms));
  EXPECT_GE(since(t0), 50ms);
  EXPECT_LT(since(t0), 150ms);
}

TEST_P(BlockingTimeout, CompletionBeforeDeadlineWinsAndTimerNeverFires) {
  auto op = GetParam().make();
  auto completer = spawn([&] {
    this_fiber::sleep(10ms);
    op->complete();
  });
  const TimePoint t0 = Clock::now();
  EXPECT_TRUE(op->wait(100ms));
  EXPECT_LT(since(t0), 90ms);
  completer.join();
  // Sleeping past the old deadline must not be interrupted by its timer.
  EXPECT_NO_THROW(this_fiber::sleep(150ms));
}

TEST_P(BlockingTimeout, ZeroTimeoutDoesNotBlock) {
  auto op = GetParam().make();
  const TimePoint t0 = Clock::now();
  EXPECT_FALSE(op->wait(0ms));
  EXPECT_LT(since(t0), 50ms);
}

TEST_P(BlockingTimeout, CompletionRacingTheDeadlineIsHandledOnce) {
  for (int round = 0; round < 5; ++round) {
    auto op = GetParam().make();
    // The completer is due at the same instant as the waiter's deadline.
    auto completer = spawn_later(20ms, [&] { op->complete(); });
    const bool completed = op->wait(20ms);
    completer.join();
    if (!completed) {
      // Timed out: the completion must still be there for the next call.
      EXPECT_TRUE(op->wait(50ms)) << "round " << round << ": completion lost";
    }
    // Either way the fiber is not woken a second time by a stale timer.
    EXPECT_NO_THROW(this_fiber::sleep(40ms)) << "round " << round;
  }
}

}  // namespace grove::test
