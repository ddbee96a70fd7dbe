// kill_test.cpp — kill with a timeout (gevent's kill(block=True, timeout=t))
// and what a killed fiber's handle reports afterwards.

#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include "hub_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

using namespace std::chrono_literals;

namespace {

using KillTest = grove::test::HubTest;

TEST_F(KillTest, KillWithATimeoutReturnsOnceTheFiberDied) {
  auto f = grove::spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  EXPECT_TRUE(f.kill(1s));
  EXPECT_TRUE(f.dead());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::killed);
}

// A fiber that swallows FiberExit cannot hold its killer forever.
TEST_F(KillTest, KillWithATimeoutGivesUpOnAFiberThatIgnoresIt) {
  bool stop = false;
  int shots = 0;
  auto stubborn = grove::spawn([&] {
    while (!stop) {
      try {
        grove::this_fiber::sleep(1ms);
      } catch (const grove::FiberExit&) {
        ++shots;  // swallowed: a bug in user code
      }
    }
  });
  grove::this_fiber::yield();
  EXPECT_FALSE(stubborn.kill(20ms));
  EXPECT_FALSE(stubborn.dead());
  EXPECT_EQ(shots, 1);
  stop = true;
  stubborn.join();
}

TEST_F(KillTest, KillWithACustomExceptionAndATimeout) {
  auto f = grove::spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  EXPECT_TRUE(f.kill(std::runtime_error("stop now"), 1s));
  EXPECT_EQ(f.exit_reason().to_string(), "exception: stop now");
  EXPECT_THROW(f.get(), std::runtime_error);
}

TEST_F(KillTest, NegativeKillTimeoutIsAUsageError) {
  auto f = grove::spawn([] { grove::this_fiber::sleep(1h); });
  EXPECT_THROW((void)f.kill(-1ms), grove::UsageError);
  f.kill();
}

// get() on a killed Fiber<T> has no value: it throws FiberKilled, an
// ordinary error, so the caller goes on (a rethrown FiberExit would have
// ended the caller silently).
TEST_F(KillTest, GetOnAKilledFiberIsAnErrorInTheCaller) {
  auto victim = grove::spawn([] {
    grove::this_fiber::sleep(1h);
    return 1;
  });
  victim.set_name("victim");
  bool caller_went_on = false;
  auto caller = grove::spawn([&] {
    try {
      (void)victim.get();
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("victim"), std::string::npos) << e.what();
    }
    caller_went_on = true;
  });
  grove::this_fiber::yield();
  victim.kill();
  caller.join();
  EXPECT_TRUE(caller_went_on);
  try {
    (void)victim.get();
    FAIL();
  } catch (const grove::FiberKilled& e) {
    EXPECT_EQ(e.reason().kind(), grove::ExitReason::Kind::killed);
  }
}

}  // namespace
