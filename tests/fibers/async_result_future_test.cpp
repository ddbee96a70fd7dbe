// async_result_future_test.cpp — AsyncResult's concurrent.futures forms
// (async_result.hpp): result(), result(timeout), done(), cancel(),
// cancelled(), exception(), as gevent's AsyncResult.

#include <grove/async_result.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"
#include "simulated_hub.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

namespace {

using AsyncResultFutureTest = grove::test::HubTest;
using grove::test::SimulatedHub;

TEST_F(AsyncResultFutureTest, ResultWaitsLikeGet) {
  SimulatedHub sim;
  grove::AsyncResult<std::string> r;
  EXPECT_FALSE(r.done());
  auto producer = grove::spawn([r]() mutable {
    grove::this_fiber::sleep(10ms);
    r.set("v");
  });
  const auto t0 = sim.now();
  EXPECT_EQ(r.result(), "v");
  EXPECT_EQ(sim.now() - t0, 10ms);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.result(0ms), "v");
  producer.join();
}

TEST_F(AsyncResultFutureTest, ResultWithATimeoutThrowsTimeout) {
  SimulatedHub sim;
  grove::AsyncResult<int> r;
  // A second handle: a set may still come, so the wait is a timeout, not LoopExit.
  grove::AsyncResult<int> keep = r;  // NOLINT(performance-unnecessary-copy-initialization): the handle is the point
  const auto t0 = sim.now();
  EXPECT_THROW((void)r.result(25ms), grove::Timeout);
  EXPECT_EQ(sim.now() - t0, 25ms);
  EXPECT_THROW((void)r.result(-1ms), grove::UsageError);
  EXPECT_FALSE(r.done());
  EXPECT_FALSE(keep.done());
}

TEST_F(AsyncResultFutureTest, CancelNeverCancelsAsInGevent) {
  grove::AsyncResult<void> r;
  EXPECT_FALSE(r.cancel());
  EXPECT_FALSE(r.cancelled());
  EXPECT_FALSE(r.done());
  r.set();
  EXPECT_FALSE(r.cancel());
  EXPECT_FALSE(r.cancelled());
  EXPECT_TRUE(r.done());
  r.result();
}

TEST_F(AsyncResultFutureTest, ExceptionAndResultOfAFailure) {
  grove::AsyncResult<int> r;
  EXPECT_EQ(r.exception(), nullptr);
  r.set_exception(std::runtime_error("bad"));
  EXPECT_TRUE(r.done());
  EXPECT_NE(r.exception(), nullptr);
  EXPECT_THROW((void)r.result(), std::runtime_error);
  EXPECT_THROW((void)r.result(1s), std::runtime_error);
}

}  // namespace
