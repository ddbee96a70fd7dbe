// registry_across_hubs_test.cpp — one name registry per Runtime
// (registry.hpp): a name registered on one hub is found from another,
// taken names clash across hubs, a stopped actor's name is unbound, and a
// thread outside the Runtime keeps its own names.

#include <grove/runtime.hpp>

#include <grove/actor.hpp>
#include <grove/registry.hpp>

#include "hub_fixture.hpp"
#include "runtime_test_support.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::HubId;
using grove::Runtime;
using grove::test::Quit;
using grove::test::Where;
using grove::test::WhereActor;
using grove::test::WhereMsg;
using RegistryAcrossHubsTest = grove::test::HubTest;

// names_on(rt, hub) is registered_names() as hub sees it.
std::vector<std::string> names_on(Runtime& rt, HubId hub) {
  return rt.spawn_on(hub, [] { return grove::registered_names(); }).get();
}

TEST_F(RegistryAcrossHubsTest, ANameRegisteredOnOneHubIsFoundFromTheOther) {
  Runtime rt({.hubs = 2});
  auto actor = rt.spawn_actor_on<WhereActor>(HubId{0});
  rt.spawn_on(HubId{0}, [actor] { grove::register_name("logger", actor); }).get();
  // whereis on hub 1 gives a ref to the actor of hub 0, which answers there.
  auto found = rt.spawn_on(HubId{1}, [] {
                   auto ref = grove::whereis<WhereMsg>("logger");
                   if (!ref) return std::size_t{99};
                   return ref->ask<std::size_t>(Where{}, 10s).get();
                 }).get();
  EXPECT_EQ(found, 0u);
  EXPECT_EQ(names_on(rt, HubId{1}), std::vector<std::string>{"logger"});
  // A thread outside the Runtime (main) has names of its own.
  EXPECT_FALSE(grove::whereis<WhereMsg>("logger").has_value());
}

TEST_F(RegistryAcrossHubsTest, ATakenNameClashesAcrossHubs) {
  Runtime rt({.hubs = 2});
  auto first = rt.spawn_actor_on<WhereActor>(HubId{0});
  auto second = rt.spawn_actor_on<WhereActor>(HubId{1});
  rt.spawn_on(HubId{0}, [first] { grove::register_name("svc", first); }).get();
  auto clash = rt.spawn_on(HubId{1}, [second] {
    try {
      grove::register_name("svc", second);
    } catch (const grove::UsageError& e) {
      return std::string(e.what());
    }
    return std::string("registered twice");
  });
  EXPECT_NE(clash.get().find("is taken by a live actor"), std::string::npos);
  // Unregistered from hub 1, the name is free for hub 1's actor.
  EXPECT_TRUE(rt.spawn_on(HubId{1}, [] { return grove::unregister_name("svc"); }).get());
  rt.spawn_on(HubId{1}, [second] { grove::register_name("svc", second); }).get();
  EXPECT_EQ(
      rt.spawn_on(HubId{0}, [] { return grove::whereis<WhereMsg>("svc")->ask<std::size_t>(Where{}, 10s).get(); }).get(),
      1u);
}

TEST_F(RegistryAcrossHubsTest, AnActorRegisteredFromAnotherHubLosesItsNameWhenItStops) {
  Runtime rt({.hubs = 2});
  auto actor = rt.spawn_actor_on<WhereActor>(HubId{0});
  // Hub 1 registers hub 0's actor: the unbinding hook joins it on hub 0.
  rt.spawn_on(HubId{1}, [actor] { grove::register_name("worker", actor); }).get();
  EXPECT_EQ(names_on(rt, HubId{0}), std::vector<std::string>{"worker"});
  actor.ask(Quit{}, 10s).get();
  std::vector<std::string> left = names_on(rt, HubId{1});
  for (int i = 0; i < 1000 && !left.empty(); ++i) {
    std::this_thread::sleep_for(1ms);
    left = names_on(rt, HubId{1});
  }
  EXPECT_TRUE(left.empty());
  EXPECT_FALSE(rt.spawn_on(HubId{1}, [] { return grove::whereis<WhereMsg>("worker").has_value(); }).get());
}

TEST_F(RegistryAcrossHubsTest, EachRuntimeHasItsOwnNamespace) {
  Runtime a({.hubs = 1});
  Runtime b({.hubs = 1});
  auto actor = a.spawn_actor_on<WhereActor>(HubId{0});
  a.spawn_on(HubId{0}, [actor] { grove::register_name("only-in-a", actor); }).get();
  EXPECT_EQ(names_on(a, HubId{0}), std::vector<std::string>{"only-in-a"});
  EXPECT_TRUE(names_on(b, HubId{0}).empty());
}

TEST_F(RegistryAcrossHubsTest, RegisteringAnActorOfAnotherThreadsHubOutsideTheRuntimeIsAUsageError) {
  Runtime rt({.hubs = 1});
  auto actor = rt.spawn_actor_on<WhereActor>(HubId{0});
  try {
    grove::register_name("from-main", actor);  // main is no hub of the Runtime
    ADD_FAILURE() << "no UsageError";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("register_name"), std::string::npos) << e.what();
  }
}

}  // namespace
