// registry_test.cpp — register_name, whereis, unregister_name and automatic
// unregistration when an actor stops.

#include <grove/registry.hpp>

#include <grove/actor.hpp>

#include "actors_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>

namespace {

using grove::test::ActorTest;
using grove::test::Msg;
using grove::test::Probe;
namespace t = grove::test;

class IntActor final : public grove::Actor<int> {
  void receive(int&) override { stop(); }
};

TEST_F(ActorTest, RegisteredNameFindsTheActor) {
  auto ref = grove::spawn_actor<Probe>();
  EXPECT_FALSE(grove::whereis<Msg>("calc"));
  grove::register_name("calc", ref);
  auto found = grove::whereis<Msg>("calc");
  ASSERT_TRUE(found);
  EXPECT_TRUE(*found == ref);
  EXPECT_EQ(found->ask<int>(t::Add{1, 2}).get(), 3);
  EXPECT_EQ(grove::registered_names(), std::vector<std::string>{"calc"});
  ref.send(t::Stop{});
  ref.fiber().join();
}

TEST_F(ActorTest, ADuplicateLiveNameIsAUsageError) {
  auto a = grove::spawn_actor<Probe>();
  auto b = grove::spawn_actor<Probe>();
  grove::register_name("x", a);
  EXPECT_THROW(grove::register_name("x", b), grove::UsageError);
  EXPECT_TRUE(*grove::whereis<Msg>("x") == a);
  grove::hub().shutdown();
}

TEST_F(ActorTest, WhereisChecksTheMessageType) {
  auto ref = grove::spawn_actor<Probe>();
  grove::register_name("typed", ref);
  EXPECT_THROW(grove::whereis<int>("typed"), grove::UsageError);
  grove::hub().shutdown();
}

TEST_F(ActorTest, UnregisterFreesTheName) {
  auto a = grove::spawn_actor<Probe>();
  auto b = grove::spawn_actor<IntActor>();
  grove::register_name("n", a);
  EXPECT_TRUE(grove::unregister_name("n"));
  EXPECT_FALSE(grove::unregister_name("n"));
  EXPECT_FALSE(grove::whereis<Msg>("n"));
  grove::register_name("n", b);  // another type may take it now
  EXPECT_TRUE(grove::whereis<int>("n"));
  grove::hub().shutdown();
}

TEST_F(ActorTest, ANameIsReleasedWhenItsActorStops) {
  auto a = grove::spawn_actor<Probe>();
  grove::register_name("worker", a);
  a.send(t::Stop{});
  a.fiber().join();
  EXPECT_FALSE(grove::whereis<Msg>("worker"));
  EXPECT_TRUE(grove::registered_names().empty());
  auto b = grove::spawn_actor<Probe>();
  grove::register_name("worker", b);  // free again
  EXPECT_TRUE(*grove::whereis<Msg>("worker") == b);
  // The old actor's termination hook must not remove the new binding.
  EXPECT_FALSE(grove::unregister_name("nobody"));
  b.fiber().kill();
  EXPECT_FALSE(grove::whereis<Msg>("worker"));
}

TEST_F(ActorTest, ANameIsReleasedWhenItsActorCrashes) {
  auto a = grove::spawn_actor<Probe>();
  grove::register_name("fragile", a);
  a.send(t::Fail{});
  a.fiber().join();
  EXPECT_FALSE(grove::whereis<Msg>("fragile"));
}

TEST_F(ActorTest, ReRegisteringKeepsOnlyTheNewestBinding) {
  auto a = grove::spawn_actor<Probe>();
  grove::register_name("first", a);
  EXPECT_TRUE(grove::unregister_name("first"));
  grove::register_name("first", a);  // again, new token
  a.send(t::Stop{});
  a.fiber().join();
  EXPECT_FALSE(grove::whereis<Msg>("first"));
}

TEST_F(ActorTest, RegisteringADeadOrEmptyRefIsAUsageError) {
  auto a = grove::spawn_actor<Probe>();
  a.send(t::Stop{});
  a.fiber().join();
  EXPECT_THROW(grove::register_name("late", a), grove::UsageError);
  EXPECT_THROW(grove::register_name("empty", grove::ActorRef<Msg>()), grove::UsageError);
  auto b = grove::spawn_actor<Probe>();
  EXPECT_THROW(grove::register_name("", b), grove::UsageError);
  b.fiber().kill();
}

TEST_F(ActorTest, TheRegistryIsPerHubThread) {
  auto a = grove::spawn_actor<Probe>();
  grove::register_name("here", a);
  bool seen_elsewhere = true;
  std::thread([&] {
    seen_elsewhere = grove::whereis<Msg>("here").has_value();
    grove::Hub::destroy_current();
  }).join();
  EXPECT_FALSE(seen_elsewhere);
  EXPECT_TRUE(grove::whereis<Msg>("here"));
  a.fiber().kill();
}

}  // namespace
