// kill_test.cpp — kill with a timeout (gevent's kill(block=True, timeout=t))
// and what a killed fiber's handle reports afterwards.

#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include "hub_fixture.hpp"
#include "simulated_hub.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

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

// A fiber that swallows FiberExit until stop is set (a bug in user code).
auto stubborn_body(bool& stop, int& shots) {
  return [&stop, &shots] {
    while (!stop) {
      try {
        grove::this_fiber::sleep(1ms);
      } catch (const grove::FiberExit&) {
        ++shots;
      }
    }
  };
}

// ----------------------------------------------- grove::kill (gevent.kill)

TEST_F(KillTest, FreeKillDoesNotWaitByDefaultAsGeventKill) {
  std::vector<std::string> order;
  auto f = grove::spawn([&] {
    try {
      grove::this_fiber::sleep(1h);
    } catch (const grove::FiberExit&) {
      order.push_back("victim unwinds");
      throw;
    }
  });
  grove::this_fiber::yield();
  grove::kill(f);
  order.push_back("killer goes on");
  EXPECT_FALSE(f.dead());
  f.join();
  EXPECT_EQ(order, (std::vector<std::string>{"killer goes on", "victim unwinds"}));
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::killed);
}

TEST_F(KillTest, FreeKillWithAnExceptionAndBlock) {
  auto f = grove::spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  grove::kill(f, std::runtime_error("go away"), true);
  EXPECT_TRUE(f.dead());
  EXPECT_EQ(f.exit_reason().to_string(), "exception: go away");
  EXPECT_THROW(f.get(), std::runtime_error);
}

TEST_F(KillTest, FreeKillWithATimeoutOnVirtualTime) {
  grove::test::SimulatedHub sim;
  bool stop = false;
  int shots = 0;
  grove::Fiber<> stubborn = grove::spawn(stubborn_body(stop, shots));
  grove::this_fiber::yield();
  const auto t0 = sim.now();
  EXPECT_FALSE(grove::kill(stubborn, 20ms));
  EXPECT_EQ(sim.now() - t0, 20ms);
  EXPECT_EQ(shots, 1);
  stop = true;
  auto quick = grove::spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  EXPECT_TRUE(grove::kill(quick, std::runtime_error("now"), 20ms));
  stubborn.join();
}

TEST_F(KillTest, FreeKillOfAnUnstartedFiberMeansItNeverRuns) {
  bool ran = false;
  auto f = grove::create([&] { ran = true; });
  grove::kill(f);
  EXPECT_TRUE(f.dead());
  grove::this_fiber::sleep(1ms);
  EXPECT_FALSE(ran);
}

// ------------------------------------------------------ killall(timeout)

TEST_F(KillTest, KillallWithATimeoutReturnsWhetherAllDiedOnVirtualTime) {
  grove::test::SimulatedHub sim;
  bool stop = false;
  int shots = 0;
  std::vector<grove::Fiber<>> fibers{grove::spawn([] { grove::this_fiber::sleep(1h); }),
                                     grove::spawn(stubborn_body(stop, shots))};
  grove::this_fiber::yield();
  const auto t0 = sim.now();
  EXPECT_FALSE(grove::killall(fibers, 50ms));
  EXPECT_EQ(sim.now() - t0, 50ms);
  EXPECT_TRUE(fibers[0].dead());
  EXPECT_FALSE(fibers[1].dead());
  stop = true;
  EXPECT_TRUE(grove::killall(fibers, 50ms));
}

TEST_F(KillTest, KillallWithAnExceptionAndATimeout) {
  std::vector<grove::Fiber<>> fibers{grove::spawn([] { grove::this_fiber::sleep(1h); }),
                                     grove::spawn([] { grove::this_fiber::sleep(1h); })};
  grove::this_fiber::yield();
  EXPECT_TRUE(grove::killall(fibers, std::runtime_error("all stop"), 1s));
  for (auto& f : fibers) EXPECT_EQ(f.exit_reason().to_string(), "exception: all stop");
  EXPECT_THROW((void)grove::killall(fibers, -1ms), grove::UsageError);
}

}  // namespace
