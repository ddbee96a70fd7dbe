// topic_across_hubs_test.cpp — a Runtime's Topic (topic.hpp): every
// subscriber on every hub gets every message, in each publisher's order,
// and a publish costs one cross-hub hop per other hub with subscribers,
// however many subscribers that hub has.

#include <grove/runtime.hpp>

#include <grove/actor.hpp>
#include <grove/topic.hpp>

#include "hub_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <variant>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::ActorRef;
using grove::HubId;
using grove::Runtime;
using TopicAcrossHubsTest = grove::test::HubTest;

struct News {
  std::size_t publisher;
  std::uint64_t n;
};
struct Tally {
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
  std::size_t hub = 0;
};
struct Report {
  std::uint64_t expected;
};
using ReaderMsg = std::variant<News, Report>;

// Reader checks that each publisher's numbers come in order; Report is
// answered once `expected` messages have arrived.
class Reader : public grove::Actor<ReaderMsg> {
 protected:
  void receive(ReaderMsg& m) override {
    grove::match(
        m,
        [&](News& news) {
          if (news.publisher >= next_.size()) next_.resize(news.publisher + 1, 0);
          if (news.n != next_[news.publisher]) ++tally_.out_of_order;
          next_[news.publisher] = news.n + 1;
          ++tally_.received;
          flush();
        },
        [&](Report& r) {
          expected_ = r.expected;
          pending_.push_back(defer_reply());
          flush();
        });
  }

 private:
  void flush() {
    if (pending_.empty() || tally_.received < expected_) return;
    tally_.hub = grove::this_hub().index;
    for (auto& p : pending_) p.reply(tally_);
    pending_.clear();
  }
  Tally tally_;
  std::uint64_t expected_ = 0;
  std::vector<std::uint64_t> next_;
  std::vector<Deferred> pending_;
};

// A topic made on hub 0, three readers on each of two hubs, one publisher
// on each hub: every reader gets all 2 x 1,000 messages in order, and the
// publishes crossed hubs once each, not once per remote reader.
TEST_F(TopicAcrossHubsTest, EveryReaderOnEveryHubGetsEveryMessageInOrderWithOneHopPerHub) {
  constexpr std::uint64_t kMessages = 1000;
  constexpr std::size_t kReadersPerHub = 3;
  Runtime rt({.hubs = 2});
  auto topic = rt.call_on(HubId{0}, [] { return grove::Topic<ReaderMsg>(); }).get();
  std::vector<ActorRef<ReaderMsg>> readers;
  for (std::size_t i = 0; i < 2 * kReadersPerHub; ++i) readers.push_back(rt.spawn_actor_on<Reader>(HubId{i % 2}));
  // Subscribed from hub 0 (hub 1's readers are added on hub 1).
  rt.spawn_on(HubId{0}, [topic, readers]() mutable {
      for (auto& r : readers) EXPECT_TRUE(topic.subscribe(r));
    }).get();
  EXPECT_EQ(topic.size(), readers.size());
  std::vector<grove::AsyncResult<void>> publishers;
  for (std::size_t p = 0; p < 2; ++p)
    publishers.push_back(rt.spawn_on(HubId{p}, [topic, p]() mutable {
      for (std::uint64_t n = 0; n < kMessages; ++n) {
        // Hub 1's readers were added there before this publisher started
        // (the subscribes were posted to hub 1 first).
        (void)topic.publish(News{p, n});
        if (n % 64 == 63) grove::this_fiber::yield();
      }
    }));
  for (auto& p : publishers) p.get();
  for (std::size_t i = 0; i < readers.size(); ++i) {
    const Tally t = readers[i].ask<Tally>(Report{2 * kMessages}, 30s).get();
    EXPECT_EQ(t.received, 2 * kMessages) << "reader " << i;
    EXPECT_EQ(t.out_of_order, 0u) << "reader " << i;
    EXPECT_EQ(t.hub, i % 2);
  }
  // One hop per publish from each hub to the other (2 hubs: 1 per publish).
  EXPECT_EQ(topic.cross_hub_posts(), 2 * kMessages);
}

TEST_F(TopicAcrossHubsTest, APublishHopsOncePerOtherHubWithSubscribers) {
  constexpr std::uint64_t kMessages = 200;
  Runtime rt({.hubs = 3});
  auto topic = rt.topic<ReaderMsg>();
  // Five readers on hub 1, one on hub 2, none on hub 0 (the publisher's).
  std::vector<ActorRef<ReaderMsg>> readers;
  for (int i = 0; i < 5; ++i) readers.push_back(rt.spawn_actor_on<Reader>(HubId{1}));
  readers.push_back(rt.spawn_actor_on<Reader>(HubId{2}));
  // Subscribed from hub 0, which then publishes: its later publishes follow
  // its subscribes on each hub.
  auto delivered_here = rt.spawn_on(HubId{0}, [topic, readers]() mutable {
    for (auto& r : readers) topic.subscribe(r);
    std::size_t local = 0;
    for (std::uint64_t n = 0; n < kMessages; ++n) local += topic.publish(News{0, n});
    return local;
  });
  EXPECT_EQ(delivered_here.get(), 0u);  // no reader on the publisher's hub
  for (auto& r : readers) {
    const Tally t = r.ask<Tally>(Report{kMessages}, 30s).get();
    EXPECT_EQ(t.received, kMessages);
    EXPECT_EQ(t.out_of_order, 0u);
  }
  EXPECT_EQ(topic.cross_hub_posts(), 2 * kMessages);  // hubs 1 and 2, not 6 readers
}

TEST_F(TopicAcrossHubsTest, MainPublishesToEveryHubAndUnsubscribeStopsDelivery) {
  Runtime rt({.hubs = 2});
  auto topic = rt.topic<ReaderMsg>();
  auto kept = rt.spawn_actor_on<Reader>(HubId{0});
  auto dropped = rt.spawn_actor_on<Reader>(HubId{1});
  EXPECT_TRUE(topic.subscribe(kept));  // from main: posted to hub 0
  EXPECT_TRUE(topic.subscribe(dropped));
  (void)topic.publish(News{0, 0});
  EXPECT_TRUE(topic.unsubscribe(dropped));
  (void)topic.publish(News{0, 1});
  rt.call_on(HubId{1}, [] {}).get();  // hub 1 has run what main posted it
  EXPECT_EQ(kept.ask<Tally>(Report{2}, 10s).get().received, 2u);
  // The second message followed the unsubscribe on hub 1: dropped got the
  // first one only.
  EXPECT_EQ(dropped.ask<Tally>(Report{1}, 10s).get().received, 1u);
  EXPECT_EQ(topic.size(), 1u);
}

TEST_F(TopicAcrossHubsTest, SubscribingAnActorOutsideTheRuntimeIsAUsageError) {
  Runtime rt({.hubs = 1});
  auto topic = rt.topic<ReaderMsg>();
  auto outsider = grove::spawn_actor<Reader>();  // on main's own hub
  try {
    topic.subscribe(outsider);
    ADD_FAILURE() << "no UsageError";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("spawn_actor_on"), std::string::npos) << e.what();
  }
  outsider.fiber().kill();
}

}  // namespace
