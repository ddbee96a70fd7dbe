// scheduling_policy_test.cpp — the hub's two seams without the test kit:
// a policy's pick() chooses the next fiber (park, yield, dispatch and the
// loop), its clock drives every deadline, on_idle() decides what an idle
// hub does; installing one is refused on a busy hub; the unhandled handler.

#include <grove/scheduling_policy.hpp>  // first: proves the header is self-contained

#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using SchedulingPolicyTest = grove::test::HubTest;

// Lifo runs the newest ready fiber first.
struct Lifo : grove::SchedulingPolicy {
  std::size_t pick(std::size_t ready) override {
    ++picks;
    return ready - 1;
  }
  int picks = 0;
};

// ManualClock jumps to every deadline at once (a minimal virtual clock).
struct ManualClock : grove::SchedulingPolicy {
  grove::TimePoint now() override { return t; }
  grove::IdleAction on_idle(grove::TimePoint next) override {
    if (next == grove::TimePoint::max()) return grove::IdleAction::wait;
    t = next;
    return grove::IdleAction::advanced;
  }
  grove::TimePoint t = grove::TimePoint(std::chrono::hours(1));
};

TEST_F(SchedulingPolicyTest, PickChoosesTheNextFiber) {
  auto lifo = std::make_shared<Lifo>();
  grove::Hub::create({.policy = lifo});
  std::vector<int> log;
  for (int i = 0; i < 3; ++i) grove::spawn([&log, i] { log.push_back(i); });
  grove::hub().run();
  EXPECT_EQ(log, (std::vector<int>{2, 1, 0}));
  EXPECT_GT(lifo->picks, 0);
}

TEST_F(SchedulingPolicyTest, DispatchUnderAPolicyLetsItChoose) {
  grove::Hub::create({.policy = std::make_shared<Lifo>()});
  std::vector<std::string> log;
  grove::spawn([&] { log.push_back("posted"); });
  grove::spawn(grove::Launch::dispatch, [&] { log.push_back("dispatched"); });
  log.push_back("spawner");
  grove::hub().run();
  // The queue is [dispatched, spawner, posted] (dispatch puts both at the
  // head): Lifo picks its tail, posted; then the tail of [dispatched, spawner].
  EXPECT_EQ(log, (std::vector<std::string>{"posted", "spawner", "dispatched"}));
}

TEST_F(SchedulingPolicyTest, ThePolicysClockDrivesEveryDeadline) {
  auto clock = std::make_shared<ManualClock>();
  grove::Hub::create({.policy = clock});
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(grove::hub().now(), grove::TimePoint(1h));
  grove::this_fiber::sleep(10min);
  EXPECT_EQ(grove::hub().now(), grove::TimePoint(1h + 10min));
  grove::Event never;
  EXPECT_FALSE(never.wait(1min));
  EXPECT_EQ(grove::hub().now(), grove::TimePoint(1h + 11min));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST_F(SchedulingPolicyTest, IdleAnswerEndsRunEvenWithTimersArmed) {
  struct AlwaysIdle : grove::SchedulingPolicy {
    grove::IdleAction on_idle(grove::TimePoint) override { return grove::IdleAction::idle; }
  };
  grove::Hub::create({.policy = std::make_shared<AlwaysIdle>()});
  auto sleeper = grove::spawn([] { grove::this_fiber::sleep(1h); });
  const auto t0 = std::chrono::steady_clock::now();
  grove::hub().run();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_FALSE(sleeper.dead());
  EXPECT_EQ(grove::hub().timer_count(), 1u);
  sleeper.kill();
}

TEST_F(SchedulingPolicyTest, TheDefaultPolicyIsThePlainHub) {
  grove::Hub::create({.policy = std::make_shared<grove::SchedulingPolicy>()});
  std::vector<int> log;
  for (int i = 0; i < 3; ++i) grove::spawn([&log, i] { log.push_back(i); });
  const auto t0 = std::chrono::steady_clock::now();
  grove::this_fiber::sleep(20ms);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 20ms);
  EXPECT_EQ(log, (std::vector<int>{0, 1, 2}));
}

TEST_F(SchedulingPolicyTest, SetPolicyIsRefusedOnABusyHubAndSaysWhatToDo) {
  auto sleeper = grove::spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  try {
    grove::hub().set_policy(std::make_shared<Lifo>());
    FAIL() << "set_policy should refuse a hub with a live fiber";
  } catch (const grove::UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("1 live fiber(s) and 1 armed timer(s)"), std::string::npos) << what;
    EXPECT_NE(what.find("HubConfig::policy"), std::string::npos) << what;
  }
  std::string from_fiber;
  grove::spawn([&] {
    try {
      grove::hub().set_policy(nullptr);
    } catch (const grove::UsageError& e) {
      from_fiber = e.what();
    }
  }).join();
  EXPECT_NE(from_fiber.find("from the main fiber"), std::string::npos) << from_fiber;
  sleeper.kill();
  grove::hub().set_policy(std::make_shared<Lifo>());  // idle now: accepted
  EXPECT_NE(grove::hub().policy(), nullptr);
  grove::hub().set_policy(nullptr);
  EXPECT_EQ(grove::hub().policy(), nullptr);
}

TEST_F(SchedulingPolicyTest, TheUnhandledHandlerIsToldBeforeThePolicyApplies) {
  std::vector<std::string> told;
  grove::Hub::create({.unhandled = grove::UnhandledPolicy::ignore,
                      .on_unhandled = [&](const std::string& fiber, std::exception_ptr e) {
                        try {
                          std::rethrow_exception(e);
                        } catch (const std::exception& x) {
                          told.push_back(fiber + ": " + x.what());
                        }
                      }});
  grove::spawn([] { throw std::runtime_error("lost"); }).set_name("careless");
  auto joined = grove::spawn([] { throw std::runtime_error("seen"); });
  EXPECT_THROW(joined.get(), std::runtime_error);  // joined while alive: handled
  grove::hub().run();
  EXPECT_EQ(told, (std::vector<std::string>{"careless: lost"}));
}

}  // namespace
