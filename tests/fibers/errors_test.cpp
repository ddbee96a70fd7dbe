// errors_test.cpp — grove's error family (errors.hpp): every error is a
// grove::Error, every timeout a grove::TimeoutError, and the two
// interrupts (FiberExit, Timeout) are not std::exceptions, so a user's
// `catch (const std::exception&)` cannot swallow a kill or a timeout.

#include <grove/errors.hpp>

#include <grove/async_result.hpp>
#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "hub_fixture.hpp"
#include "log_capture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <type_traits>

using namespace std::chrono_literals;

namespace {

using ErrorsTest = grove::test::HubTest;

static_assert(std::is_base_of_v<grove::Error, grove::UsageError>);
static_assert(std::is_base_of_v<grove::Error, grove::LoopExit>);
static_assert(std::is_base_of_v<std::exception, grove::Error>);
static_assert(!std::is_base_of_v<std::exception, grove::FiberExit>);
static_assert(!std::is_base_of_v<std::exception, grove::Timeout>);
static_assert(std::is_base_of_v<grove::Interrupt, grove::FiberExit>);
static_assert(std::is_base_of_v<grove::Interrupt, grove::Timeout>);
static_assert(std::is_base_of_v<grove::TimeoutError, grove::Timeout>);

// gevent: a greenlet whose body catches Exception around a sleep is still
// killed by kill(): GreenletExit is a BaseException.
TEST_F(ErrorsTest, BroadCatchDoesNotStopAKill) {
  int caught = 0;
  bool after_sleep = false;
  auto f = grove::spawn([&] {
    for (int i = 0; i < 3; ++i) {
      try {
        grove::this_fiber::sleep(10s);
      } catch (const std::exception&) {
        ++caught;  // an ordinary error handler: must not see the kill
      }
    }
    after_sleep = true;
  });
  grove::this_fiber::yield();
  f.kill();
  EXPECT_TRUE(f.dead());
  EXPECT_EQ(caught, 0);
  EXPECT_FALSE(after_sleep);
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::killed);
}

// gevent: Timeout is a BaseException too; `except Exception` does not stop it.
TEST_F(ErrorsTest, BroadCatchDoesNotStopATimeout) {
  int caught = 0;
  bool timed_out = false;
  try {
    grove::Timeout t(5ms);
    try {
      grove::this_fiber::sleep(10s);
    } catch (const std::exception&) {
      ++caught;
    }
  } catch (const grove::Timeout&) {
    timed_out = true;
  }
  EXPECT_TRUE(timed_out);
  EXPECT_EQ(caught, 0);
}

TEST_F(ErrorsTest, OneCatchHandlesEveryTimeout) {
  grove::AsyncResult<int> never;
  try {
    (void)never.get(1ms);
    FAIL() << "get(timeout) returned";
  } catch (const grove::TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("Timeout"), std::string::npos) << e.what();
  }
  try {
    grove::Timeout t(1ms);
    grove::this_fiber::sleep(1s);
    FAIL() << "the Timeout did not fire";
  } catch (const grove::TimeoutError&) {
  }
}

TEST_F(ErrorsTest, TimeoutWithAMessage) {
  try {
    grove::Timeout t(1ms, "the backend did not answer");
    grove::this_fiber::sleep(1s);
    FAIL() << "the Timeout did not fire";
  } catch (const grove::Timeout& e) {
    EXPECT_STREQ(e.what(), "the backend did not answer");
  }
}

// gevent's `with Timeout(d, False):` ends the block quietly; grove::within
// is its C++ form (a scope object cannot swallow an exception).
TEST_F(ErrorsTest, WithinEndsQuietlyWhenItsTimeFires) {
  bool finished = false;
  EXPECT_FALSE(grove::within(2ms, [&] {
    grove::this_fiber::sleep(1s);
    finished = true;
  }));
  EXPECT_FALSE(finished);
  EXPECT_TRUE(grove::within(1s, [&] { finished = true; }));
  EXPECT_TRUE(finished);
}

TEST_F(ErrorsTest, WithinLetsAnOuterTimeoutThrough) {
  try {
    grove::Timeout outer(2ms);
    (void)grove::within(1s, [] { grove::this_fiber::sleep(1s); });
    FAIL() << "the outer Timeout did not fire";
  } catch (const grove::Timeout&) {
  }
}

TEST_F(ErrorsTest, DescribeNamesEveryKind) {
  EXPECT_EQ(grove::describe(std::make_exception_ptr(std::runtime_error("plain"))), "plain");
  EXPECT_EQ(grove::describe(std::make_exception_ptr(grove::FiberExit{})), "grove::FiberExit");
  EXPECT_EQ(grove::describe(std::make_exception_ptr(42)),
            "an exception of a type not derived from std::exception");
  EXPECT_EQ(grove::describe(nullptr), "no exception");
}

TEST_F(ErrorsTest, KilledFiberExitReasonDescribesAnEscapedTimeout) {
  auto f = grove::spawn([] {
    grove::Timeout t(1ms, "slow step");
    grove::this_fiber::sleep(1s);
  });
  f.join();
  EXPECT_EQ(f.exit_reason().to_string(), "exception: slow step");
}

// An exception thrown by an AsyncResult callback has no caller to go to:
// it is logged, and the other callbacks still run.
TEST_F(ErrorsTest, AThrowingAsyncResultCallbackIsLogged) {
  grove::test::LogCapture log;
  grove::AsyncResult<int> r;
  int second = 0;
  r.add_callback([](const grove::AsyncResult<int>&) { throw std::runtime_error("callback broke"); });
  r.add_callback([&](const grove::AsyncResult<int>& self) { second = self.get(); });
  r.set(7);
  EXPECT_EQ(second, 7);
  EXPECT_NE(log.text().find("callback broke"), std::string::npos) << log.text();
}

}  // namespace
