// supervisor_across_hubs_test.cpp — a Supervisor on one hub with children
// placed on another (ChildOptions::hub): they start and restart there, the
// restart intensity counts their crashes, and stopping the supervisor stops
// them on their hub.

#include <grove/runtime.hpp>

#include <grove/actor.hpp>
#include <grove/supervisor.hpp>
#include <grove/this_fiber.hpp>

#include "hub_fixture.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <utility>
#include <variant>

namespace {

using namespace std::chrono_literals;
using grove::HubId;
using grove::Runtime;
using SupervisorAcrossHubsTest = grove::test::HubTest;

struct Crash {};
struct Where {};
using CrashyMsg = std::variant<Crash, Where>;

// Crashy counts its incarnations (process-wide) and answers Where with its
// hub and that count.
std::atomic<int> crashy_starts{0};
class Crashy : public grove::Actor<CrashyMsg> {
 protected:
  void on_start() override { crashy_starts.fetch_add(1); }
  void receive(CrashyMsg& m) override {
    grove::match(
        m, [&](Crash&) { throw std::runtime_error("crash"); },
        [&](Where&) { reply(std::make_pair(grove::this_hub().index, crashy_starts.load())); });
  }
};
using Place = std::pair<std::size_t, int>;

Runtime::Config quiet() { return {.hubs = 2, .hub = {.unhandled = grove::UnhandledPolicy::ignore}}; }

TEST_F(SupervisorAcrossHubsTest, AnActorChildOnAnotherHubIsRestartedThere) {
  Runtime rt(quiet());
  crashy_starts = 0;
  auto r = rt.spawn_on(HubId{0}, [] {
    auto child = grove::actor_child<Crashy>("crashy", {.hub = 1});
    grove::Supervisor sup({.intensity = 3, .period = 10s}, {child});
    sup.start();
    const Place first = child.ref.ask<Place>(Where{}, 10s).get();
    child.ref.send(Crash{});
    // Queued behind the crash: the restarted incarnation answers it.
    const Place second = child.ref.ask<Place>(Where{}, 10s).get();
    const std::size_t restarts = sup.restart_count();
    const bool alive = sup.running();
    sup.stop();
    return std::make_tuple(first, second, restarts, alive, grove::this_hub().index);
  });
  const auto [first, second, restarts, alive, sup_hub] = r.get();
  EXPECT_EQ(first, (Place{1, 1}));
  EXPECT_EQ(second, (Place{1, 2}));  // a new incarnation, on hub 1 again
  EXPECT_EQ(restarts, 1u);
  EXPECT_TRUE(alive);
  EXPECT_EQ(sup_hub, 0u);
}

TEST_F(SupervisorAcrossHubsTest, RestartIntensityCountsCrashesOnTheOtherHub) {
  Runtime rt(quiet());
  crashy_starts = 0;
  auto r = rt.spawn_on(HubId{0}, [] {
    auto child = grove::actor_child<Crashy>("crashy", {.hub = 1});
    grove::Supervisor sup({.intensity = 2, .period = 60s}, {child});
    grove::Fiber<> f = sup.start();
    for (int i = 0; i < 2; ++i) {
      child.ref.send(Crash{});
      (void)child.ref.ask<Place>(Where{}, 10s).get();  // answered by the next incarnation
    }
    const bool running_after_two = sup.running();
    child.ref.send(Crash{});  // the third restart exceeds the intensity
    const bool ended = f.join(10s);
    bool gave_up = false;
    try {
      f.get();
    } catch (const grove::SupervisorGaveUp&) {
      gave_up = true;
    }
    return std::make_tuple(running_after_two, ended, gave_up, sup.restart_count());
  });
  const auto [running_after_two, ended, gave_up, restarts] = r.get();
  EXPECT_TRUE(running_after_two);
  EXPECT_TRUE(ended);
  EXPECT_TRUE(gave_up);
  EXPECT_EQ(restarts, 3u);             // the one that exceeded the intensity is counted too, as on one hub
  EXPECT_EQ(crashy_starts.load(), 3);  // it was not started
}

TEST_F(SupervisorAcrossHubsTest, AFiberChildOnAnotherHubRestartsThereAndStopsWithTheSupervisor) {
  Runtime rt(quiet());
  struct Seen {
    std::atomic<int> starts{0};
    std::atomic<int> wrong_hub{0};
    std::atomic<bool> unwound{false};
  };
  auto seen = std::make_shared<Seen>();
  auto r = rt.spawn_on(HubId{0}, [seen] {
    auto child = grove::fiber_child("ticker", {.hub = 1}, [seen] {
      if (grove::this_hub().index != 1) seen->wrong_hub.fetch_add(1);
      if (seen->starts.fetch_add(1) == 0) throw std::runtime_error("first run fails");
      struct Unwound {
        Seen& s;
        ~Unwound() { s.unwound = true; }
      } guard{*seen};
      grove::this_fiber::sleep(60s);
    });
    grove::Supervisor sup({.intensity = 3, .period = 10s}, {child});
    sup.start();
    for (int i = 0; i < 10'000 && seen->starts.load() < 2; ++i) grove::this_fiber::sleep(1ms);
    const std::size_t restarts = sup.restart_count();
    sup.stop();  // the shutdown reaches the child on hub 1, and waits for it
    return std::make_pair(restarts, seen->unwound.load());
  });
  const auto [restarts, unwound] = r.get();
  EXPECT_EQ(seen->starts.load(), 2);
  EXPECT_EQ(seen->wrong_hub.load(), 0);
  EXPECT_EQ(restarts, 1u);
  EXPECT_TRUE(unwound);
}

TEST_F(SupervisorAcrossHubsTest, AChildOnAHubOutOfRangeIsAUsageError) {
  Runtime rt(quiet());
  auto r = rt.spawn_on(HubId{0}, [] {
    grove::Supervisor sup({}, {grove::fiber_child("lost", {.hub = 5}, [] {})});
    try {
      sup.start();
    } catch (const grove::UsageError& e) {
      return std::string(e.what());
    }
    return std::string("started");
  });
  const std::string& what = r.get();
  EXPECT_NE(what.find("out of range"), std::string::npos) << what;
}

}  // namespace
