// watchdog_test.cpp — the watchdog (observe/grove/debug/watchdog.hpp). Its
// monitor is a real thread watching real time, so these tests bound wall
// time (short: a 150 ms loop, a 300 ms quiet run); nothing here can run
// on the Simulation's virtual clock.

#include <grove/debug/watchdog.hpp>
#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/introspect.hpp>
#include <grove/this_fiber.hpp>

#include "hub_fixture.hpp"

#include <chrono>
#include <mutex>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class WatchdogTest : public grove::test::HubTest {
 protected:
  struct Seen {
    grove::debug::BlockedReport report;
    Clock::time_point at;
  };
  std::mutex mutex;
  std::vector<Seen> seen;
  grove::debug::WatchdogConfig config() {
    return {.threshold = 100ms, .on_loop_blocked = [this](const grove::debug::BlockedReport& r) {
              std::lock_guard lock(mutex);
              seen.push_back({r, Clock::now()});
            }};
  }
};

// spin_for(d) keeps the CPU busy without yielding: the hub cannot turn.
void spin_for(std::chrono::milliseconds d) {
  const auto until = Clock::now() + d;
  volatile unsigned sink = 0;
  while (Clock::now() < until) sink = sink + 1;
}

TEST_F(WatchdogTest, ReportsA150MsLoopWithinTheThresholdNamingTheFiber) {
  grove::debug::Watchdog dog(config());
  grove::this_fiber::sleep(30ms);  // the monitor has seen the hub turn
  Clock::time_point started;
  const std::uint32_t line = __LINE__ + 1;
  auto spinner = grove::spawn([&] {
    started = Clock::now();
    spin_for(150ms);
  });
  spinner.set_name("spinner");
  spinner.join();
  grove::this_fiber::sleep(30ms);
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 1u);
  const grove::debug::BlockedReport& r = seen[0].report;
  EXPECT_LT(seen[0].at - started, 200ms);
  EXPECT_GE(r.blocked_for, 100ms);
  EXPECT_EQ(r.hub, grove::debug::snapshot_hub().number);
  ASSERT_TRUE(r.captured) << r.to_string();
  EXPECT_TRUE(r.in_fiber);
  EXPECT_EQ(r.fiber_id, spinner.id());
  EXPECT_EQ(r.fiber_name, "spinner");
  EXPECT_NE(r.spawn_file.find("watchdog_test.cpp"), std::string::npos);
  EXPECT_EQ(r.spawn_line, line);
  EXPECT_FALSE(r.stack.empty());
  const std::string text = r.to_string();
  EXPECT_NE(text.find("fiber " + std::to_string(spinner.id()) + " 'spinner'"), std::string::npos) << text;
  EXPECT_EQ(dog.reports(), 1u);
}

TEST_F(WatchdogTest, AHubThatKeepsTurningOrSleepsIsNotReported) {
  grove::debug::Watchdog dog(config());
  grove::Event done;
  std::vector<grove::Fiber<>> workers;
  for (int i = 0; i < 4; ++i)
    workers.push_back(grove::spawn([&, i] {
      while (!done.is_set()) {
        spin_for(std::chrono::milliseconds(2 + i));  // short runs: the loop turns
        grove::this_fiber::sleep(1ms);
      }
    }));
  grove::this_fiber::sleep(250ms);
  done.set();
  for (auto& w : workers) w.join();
  grove::this_fiber::sleep(250ms);  // idle: the hub waits for events
  EXPECT_EQ(dog.reports(), 0u);
  std::lock_guard lock(mutex);
  EXPECT_TRUE(seen.empty()) << seen.front().report.to_string();
}

TEST_F(WatchdogTest, MisuseIsAUsageError) {
  EXPECT_THROW(grove::debug::Watchdog({.threshold = 0ms}), grove::UsageError);
  grove::debug::Watchdog dog;
  EXPECT_THROW(grove::debug::Watchdog{}, grove::UsageError);
}

}  // namespace
