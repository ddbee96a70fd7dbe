// placement_test.cpp — Placement: local, round_robin, hash(key) and
// least_loaded put actors on the hubs they promise; load() follows placed
// actors as they start and stop.

#include <grove/placement.hpp>

#include <grove/runtime.hpp>

#include "hub_fixture.hpp"
#include "runtime_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using grove::HubId;
using grove::Placement;
using grove::Runtime;
namespace t = grove::test;
using PlacementTest = grove::test::HubTest;

TEST_F(PlacementTest, LocalIsTheCallersHubAndHubZeroFromOutside) {
  Runtime rt({.hubs = 3});
  EXPECT_EQ(t::where(rt.spawn_actor<t::WhereActor>(Placement::local)), 0u);
  EXPECT_EQ(t::where(rt.spawn_actor<t::WhereActor>(Placement{})), 0u) << "local is the default";
  for (std::size_t i = 0; i < 3; ++i) {
    auto r = rt.spawn_on(HubId{i}, [&rt] { return t::where(rt.spawn_actor<t::WhereActor>(Placement::local)); });
    EXPECT_EQ(r.get(), i);
  }
}

TEST_F(PlacementTest, RoundRobinTakesTheHubsInTurn) {
  Runtime rt({.hubs = 3});
  std::vector<std::size_t> got;
  for (int i = 0; i < 9; ++i) got.push_back(t::where(rt.spawn_actor<t::WhereActor>(Placement::round_robin)));
  EXPECT_EQ(got, (std::vector<std::size_t>{0, 1, 2, 0, 1, 2, 0, 1, 2}));
  for (HubId h : rt.hubs()) EXPECT_EQ(rt.load(h), 3);
}

TEST_F(PlacementTest, HashSendsEqualKeysToEqualHubsAndSpreadsKeys) {
  Runtime rt({.hubs = 3});
  std::vector<int> per_hub(3, 0);
  for (int k = 0; k < 60; ++k) {
    const std::string key = "room-" + std::to_string(k);
    const HubId placed = rt.place(Placement::hash(key));
    EXPECT_EQ(rt.place(Placement::hash(key)), placed) << key;
    ++per_hub[placed.index];
  }
  for (int n : per_hub) EXPECT_GE(n, 5) << "hash placement left a hub nearly empty";
  // Integers spread too (std::hash is the identity on them; the key is mixed).
  std::vector<int> int_hubs(3, 0);
  for (int k = 0; k < 60; ++k) ++int_hubs[rt.place(Placement::hash(k * 3)).index];
  for (int n : int_hubs) EXPECT_GE(n, 5);
  auto a = rt.spawn_actor<t::WhereActor>(Placement::hash(std::string("lobby")));
  auto b = rt.spawn_actor<t::WhereActor>(Placement::hash(std::string("lobby")));
  EXPECT_EQ(t::where(a), t::where(b));
  EXPECT_EQ(t::where(a), rt.place(Placement::hash(std::string("lobby"))).index);
}

TEST_F(PlacementTest, LeastLoadedAvoidsTheLoadedHub) {
  Runtime rt({.hubs = 2});
  for (int i = 0; i < 6; ++i) (void)rt.spawn_actor_on<t::WhereActor>(HubId{0});
  EXPECT_EQ(rt.load(HubId{0}), 6);
  // With two hubs both are always drawn, so the emptier one wins each time.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t::where(rt.spawn_actor<t::WhereActor>(Placement::least_loaded)), 1u);
  EXPECT_EQ(rt.load(HubId{1}), 6);
}

TEST_F(PlacementTest, LeastLoadedKeepsFourHubsEven) {
  Runtime rt({.hubs = 4});
  for (int i = 0; i < 400; ++i) (void)rt.spawn_actor<t::WhereActor>(Placement::least_loaded);
  for (HubId h : rt.hubs()) {
    EXPECT_GE(rt.load(h), 90) << "hub " << h.index;
    EXPECT_LE(rt.load(h), 110) << "hub " << h.index;
  }
}

TEST_F(PlacementTest, LoadDropsWhenAPlacedActorStops) {
  Runtime rt({.hubs = 2});
  auto a = rt.spawn_actor_on<t::WhereActor>(HubId{1});
  (void)rt.spawn_actor_on<t::WhereActor>(HubId{1});
  EXPECT_EQ(rt.load(HubId{1}), 2);
  // Stopped and joined on its own hub: its end has run by then.
  rt.spawn_on(HubId{1}, [a] {
      a.send(t::Quit{});
      a.fiber().join();
    }).get();
  EXPECT_EQ(rt.load(HubId{1}), 1);
}

}  // namespace
