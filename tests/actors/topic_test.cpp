// topic_test.cpp — Topic: subscribe, unsubscribe, publish, size; dead
// subscribers are removed.

#include <grove/topic.hpp>

#include <grove/actor.hpp>

#include "actors_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using grove::test::ActorTest;
using grove::test::Msg;
using grove::test::Probe;
using grove::test::ProbeConfig;
namespace t = grove::test;

TEST_F(ActorTest, PublishReachesEverySubscriberInOrder) {
  std::vector<std::string> log1, log2;
  auto a = grove::spawn_actor<Probe>(ProbeConfig{.log = &log1});
  auto b = grove::spawn_actor<Probe>(ProbeConfig{.log = &log2});
  grove::Topic<Msg> topic;
  EXPECT_TRUE(topic.empty());
  EXPECT_TRUE(topic.subscribe(a));
  EXPECT_TRUE(topic.subscribe(b));
  EXPECT_FALSE(topic.subscribe(a));  // once only
  EXPECT_EQ(topic.size(), 2u);
  EXPECT_EQ(topic.publish(1), 2u);
  EXPECT_EQ(topic.publish(std::string("two")), 2u);
  EXPECT_EQ(topic.publish(t::Stop{}), 2u);
  a.fiber().join();
  b.fiber().join();
  const std::vector<std::string> expected{"start", "int 1", "two", "stop"};
  EXPECT_EQ(log1, expected);
  EXPECT_EQ(log2, expected);
}

TEST_F(ActorTest, UnsubscribedActorsGetNothingMore) {
  std::vector<std::string> log;
  auto a = grove::spawn_actor<Probe>(ProbeConfig{.log = &log});
  grove::Topic<Msg> topic;
  topic.subscribe(a);
  topic.publish(1);
  EXPECT_TRUE(topic.unsubscribe(a));
  EXPECT_FALSE(topic.unsubscribe(a));
  EXPECT_EQ(topic.publish(2), 0u);
  EXPECT_EQ(topic.size(), 0u);
  a.send(t::Stop{});
  a.fiber().join();
  EXPECT_EQ(log, (std::vector<std::string>{"start", "int 1", "stop"}));
}

TEST_F(ActorTest, DeadSubscribersAreRemovedWithoutDeadLetters) {
  auto a = grove::spawn_actor<Probe>();
  auto b = grove::spawn_actor<Probe>();
  grove::Topic<Msg> topic;
  topic.subscribe(a);
  topic.subscribe(b);
  a.send(t::Stop{});
  a.fiber().join();
  EXPECT_EQ(topic.size(), 1u);
  EXPECT_EQ(topic.publish(5), 1u);
  b.fiber().kill();
  EXPECT_EQ(topic.publish(6), 0u);
  EXPECT_EQ(topic.size(), 0u);
  EXPECT_EQ(grove::dead_letters().count(grove::DeadLetterReason::dead_actor), 0u);
}

TEST_F(ActorTest, ACopyOfATopicSharesItsSubscribers) {
  auto a = grove::spawn_actor<Probe>();
  grove::Topic<Msg> topic;
  auto copy = topic;
  copy.subscribe(a);
  EXPECT_EQ(topic.size(), 1u);
  EXPECT_THROW(topic.subscribe(grove::ActorRef<Msg>()), grove::UsageError);
  a.fiber().kill();
}

TEST_F(ActorTest, AFullSubscriberDoesNotStopThePublish) {
  grove::Event gate;
  auto full = grove::spawn_actor<Probe>(
      grove::ActorOptions{.name = "full", .mailbox = {.capacity = 1, .overflow = grove::Overflow::fail}});
  std::vector<std::string> log;
  auto ok = grove::spawn_actor<Probe>(ProbeConfig{.log = &log});
  grove::Topic<Msg> topic;
  topic.subscribe(full);
  topic.subscribe(ok);
  EXPECT_EQ(topic.publish(1), 2u);
  EXPECT_EQ(topic.publish(2), 1u);  // full refuses: counted as a dead letter
  EXPECT_EQ(grove::dead_letters().count(grove::DeadLetterReason::rejected), 1u);
  ok.send(t::Stop{});
  ok.fiber().join();
  EXPECT_EQ(log, (std::vector<std::string>{"start", "int 1", "int 2", "stop"}));
  full.fiber().kill();
}

}  // namespace
