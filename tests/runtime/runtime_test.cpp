// runtime_test.cpp — Runtime: hub threads start and end with it, spawn_on /
// call_on / spawn_actor_on run on the hub asked for and hand results and
// errors back to any thread, and misuse is a UsageError that says so.

#include <grove/runtime.hpp>

#include <grove/async_result.hpp>
#include <grove/deadline.hpp>
#include <grove/event.hpp>
#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include "hub_fixture.hpp"
#include "runtime_test_support.hpp"
#include "usage_error_of.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::HubId;
using grove::Runtime;
using grove::test::HubTest;
namespace t = grove::test;

using grove::test::usage_error_of;

using RuntimeTest = HubTest;

TEST_F(RuntimeTest, EachHubIsItsOwnThreadAndEndsWithStop) {
  const std::size_t before = t::thread_count();
  Runtime rt({.hubs = 3});
  EXPECT_TRUE(rt.running());
  EXPECT_EQ(rt.size(), 3u);
  EXPECT_EQ(t::thread_count(), before + 3);
  rt.stop();
  EXPECT_FALSE(rt.running());
  EXPECT_EQ(t::thread_count(), before) << "a hub thread outlived Runtime::stop()";
  rt.stop();  // a second stop does nothing
}

TEST_F(RuntimeTest, DestructorStopsARunningRuntime) {
  const std::size_t before = t::thread_count();
  {
    Runtime rt({.hubs = 2});
    EXPECT_EQ(t::thread_count(), before + 2);
  }
  EXPECT_EQ(t::thread_count(), before);
}

TEST_F(RuntimeTest, HubsListsEveryHubInOrder) {
  Runtime rt({.hubs = 3});
  EXPECT_EQ(rt.hubs(), (std::vector<HubId>{HubId{0}, HubId{1}, HubId{2}}));
}

TEST_F(RuntimeTest, DefaultConfigHasOneHubPerCoreAndNoSpinOnSmallMachines) {
  const Runtime::Config c;
  EXPECT_EQ(c.hubs, std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_FALSE(c.pin);
  if (std::thread::hardware_concurrency() <= 2) {
    EXPECT_EQ(c.spin, grove::Duration::zero());
  }
}

TEST_F(RuntimeTest, PinnedHubsRun) {
  Runtime rt({.hubs = 2, .pin = true});
  EXPECT_EQ(rt.spawn_on(HubId{1}, [] { return grove::this_hub().index; }).get(), 1u);
}

TEST_F(RuntimeTest, SpawnOnRunsOnTheHubAskedForInItsThread) {
  Runtime rt({.hubs = 3});
  std::set<std::thread::id> threads;
  for (HubId h : rt.hubs()) {
    auto [id, thread] =
        rt.spawn_on(h, [] { return std::make_pair(grove::this_hub(), std::this_thread::get_id()); }).get();
    EXPECT_EQ(id, h);
    EXPECT_NE(thread, std::this_thread::get_id());
    threads.insert(thread);
  }
  EXPECT_EQ(threads.size(), 3u) << "two hubs share a thread";
}

TEST_F(RuntimeTest, SpawnOnFromAFiberOfAnotherHubParksOnlyThatFiber) {
  Runtime rt({.hubs = 2});
  auto chained = rt.spawn_on(HubId{0}, [&rt] {
    auto inner = rt.spawn_on(HubId{1}, [] { return grove::this_hub().index * 10 + 7; });
    return inner.get() + grove::this_hub().index;
  });
  EXPECT_EQ(chained.get(), 17u);
}

TEST_F(RuntimeTest, SpawnOnFromPlainThreadsAtOnce) {
  constexpr int kThreads = 4;
  constexpr int kCalls = 50;
  Runtime rt({.hubs = 2});
  std::vector<long> sums(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&rt, &sums, t] {
      for (int i = 0; i < kCalls; ++i) {
        const HubId h{static_cast<std::size_t>(i % 2)};
        sums[t] += rt.spawn_on(h, [i] { return static_cast<long>(i + grove::this_hub().index * 1000); }).get();
      }
      grove::Hub::destroy_current();  // the hub this thread's waits made
    });
  }
  for (auto& th : threads) th.join();
  const long expected = (kCalls * (kCalls - 1) / 2) + (kCalls / 2) * 1000;
  for (long s : sums) EXPECT_EQ(s, expected);
}

TEST_F(RuntimeTest, SpawnOnOwnHubWorks) {
  Runtime rt({.hubs = 2});
  auto r = rt.spawn_on(HubId{1}, [&rt] { return rt.spawn_on(grove::this_hub(), [] { return 5; }).get(); });
  EXPECT_EQ(r.get(), 5);
}

TEST_F(RuntimeTest, SpawnOnHandsBackTheFunctionsException) {
  Runtime rt({.hubs = 2});
  auto r = rt.spawn_on(HubId{1}, []() -> int { throw std::runtime_error("boom on hub 1"); });
  try {
    (void)r.get();
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom on hub 1");
  }
}

TEST_F(RuntimeTest, CallOnRunsInTheHubsContext) {
  Runtime rt({.hubs = 2});
  EXPECT_EQ(rt.call_on(HubId{1}, [] { return grove::this_hub().index; }).get(), 1u);
  auto blocked = rt.call_on(HubId{1}, [] { grove::this_fiber::yield(); });
  EXPECT_THROW(blocked.get(), grove::UsageError) << "blocking in a hub's context is a UsageError";
}

TEST_F(RuntimeTest, AFiberKilledByStopReportsFiberKilled) {
  Runtime rt({.hubs = 2});
  grove::AsyncResult<void> started;
  auto r = rt.spawn_on(HubId{1}, [started]() mutable {
    started.set();
    grove::Event never;
    never.wait();
  });
  started.get();
  rt.stop(100ms);
  EXPECT_THROW(r.get(), grove::FiberKilled);
}

TEST_F(RuntimeTest, SpawnActorOnPlacesTheActorOnThatHub) {
  Runtime rt({.hubs = 2});
  auto a = rt.spawn_actor_on<t::WhereActor>(HubId{1});
  auto b = rt.spawn_actor_on<t::WhereActor>(HubId{0}, grove::ActorOptions{.name = "b"});
  EXPECT_EQ(t::where(a), 1u);
  EXPECT_EQ(t::where(b), 0u);
  EXPECT_EQ(b.name(), "b");
  // From a fiber of the actor's own hub it is started at once.
  auto local = rt.spawn_on(HubId{0}, [&rt] { return t::where(rt.spawn_actor_on<t::WhereActor>(HubId{0})); });
  EXPECT_EQ(local.get(), 0u);
}

TEST_F(RuntimeTest, ZeroHubsIsAUsageError) {
  EXPECT_NE(usage_error_of([] { Runtime rt({.hubs = 0}); }).find("at least one hub"), std::string::npos);
  EXPECT_NE(usage_error_of([] { Runtime rt({.hubs = 1, .spin = -1ms}); }).find("spin is negative"), std::string::npos);
}

TEST_F(RuntimeTest, HubIndexOutOfRangeIsAUsageError) {
  Runtime rt({.hubs = 2});
  const std::string msg = usage_error_of([&] { (void)rt.spawn_on(HubId{2}, [] {}); });
  EXPECT_NE(msg.find("hub index 2 is out of range"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2 hub(s)"), std::string::npos) << msg;
  EXPECT_THROW((void)rt.spawn_actor_on<t::WhereActor>(HubId{7}), grove::UsageError);
  EXPECT_THROW((void)rt.call_on(HubId{9}, [] {}), grove::UsageError);
  EXPECT_THROW((void)rt.load(HubId{2}), grove::UsageError);
}

TEST_F(RuntimeTest, SpawningOnAStoppedRuntimeIsAUsageError) {
  Runtime rt({.hubs = 2});
  rt.stop();
  const std::string msg = usage_error_of([&] { (void)rt.spawn_on(HubId{0}, [] {}); });
  EXPECT_NE(msg.find("Runtime is stopped"), std::string::npos) << msg;
  EXPECT_THROW((void)rt.spawn_actor_on<t::WhereActor>(HubId{0}), grove::UsageError);
  EXPECT_THROW((void)rt.spawn_actor<t::WhereActor>(grove::Placement::round_robin), grove::UsageError);
  EXPECT_THROW((void)rt.place(grove::Placement::local), grove::UsageError);
}

TEST_F(RuntimeTest, StopFromOneOfItsOwnHubsIsAUsageError) {
  Runtime rt({.hubs = 2});
  auto r = rt.spawn_on(HubId{1}, [&rt] { rt.stop(); });
  try {
    r.get();
    FAIL() << "stop() from a hub returned";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("own hubs"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(rt.running());
  // A bad grace is a UsageError naming the call, and stops nothing.
  for (const grove::Deadline bad :
       {grove::Deadline(-1ms), grove::Deadline(std::chrono::duration<double>(std::nan("")))})
    EXPECT_NE(usage_error_of([&] { rt.stop(bad); }).find("Runtime::stop: the duration is"), std::string::npos);
  EXPECT_TRUE(rt.running());
  rt.stop(grove::Clock::now() + 5s);  // a time point: one deadline for every hub
  EXPECT_FALSE(rt.running());
}

// No migration: a fiber handle is used only on its own hub; joining it from
// another hub (or from main) is a UsageError; the cross-hub form is the
// AsyncResult that spawn_on returns.
TEST_F(RuntimeTest, JoiningAFiberOfAnotherHubIsAUsageError) {
  Runtime rt({.hubs = 2});
  auto actor = rt.spawn_actor_on<t::WhereActor>(HubId{0});
  grove::Fiber<> fiber = actor.fiber();
  EXPECT_NE(usage_error_of([&] { fiber.join(); }).find("another OS thread's hub"), std::string::npos);
  auto from_hub1 = rt.spawn_on(HubId{1}, [fiber]() mutable { fiber.join(); });
  EXPECT_THROW(from_hub1.get(), grove::UsageError);
  // On its own hub the same handle joins.
  auto on_hub0 = rt.spawn_on(HubId{0}, [fiber, actor]() mutable {
    actor.send(t::Quit{});
    fiber.join();
    return fiber.dead();
  });
  EXPECT_TRUE(on_hub0.get());
}

}  // namespace
