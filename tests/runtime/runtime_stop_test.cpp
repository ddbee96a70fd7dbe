// runtime_stop_test.cpp — Runtime::stop under load: every message sent
// across hubs is either processed or counted as a dead letter, sends after
// stop are dead letters, and what an actor had queued is accounted for.

#include <grove/runtime.hpp>

#include <grove/async_result.hpp>
#include <grove/dead_letters.hpp>
#include <grove/event.hpp>
#include <grove/exit_reason.hpp>
#include <grove/this_fiber.hpp>

#include "hub_fixture.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::DeadLetterReason;
using grove::HubId;
using grove::Runtime;
using RuntimeStopTest = grove::test::HubTest;

struct Tick {
  std::uint64_t n;
};

// Sink counts what it processes; the one that makes the count reach
// warm_at sets warm (once: the count is shared).
class Sink : public grove::Actor<Tick> {
 public:
  Sink(std::atomic<std::uint64_t>* processed, grove::AsyncResult<void> warm, std::uint64_t warm_at)
      : processed_(processed), warm_(std::move(warm)), warm_at_(warm_at) {}

 protected:
  void receive(Tick& /*tick*/) override {
    if (processed_->fetch_add(1, std::memory_order_relaxed) + 1 == warm_at_) warm_.set();
  }

 private:
  std::atomic<std::uint64_t>* processed_;
  grove::AsyncResult<void> warm_;
  std::uint64_t warm_at_;
};

TEST_F(RuntimeStopTest, StopUnderLoadAccountsForEveryMessage) {
  constexpr std::uint64_t kPerSender = 100'000;
  constexpr std::size_t kSenders = 4;
  constexpr std::uint64_t kAfterStop = 10;
  grove::dead_letters().reset();
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> processed{0};
  grove::AsyncResult<void> warm;
  std::size_t finished = 0;
  std::size_t killed = 0;
  {
    Runtime rt({.hubs = 2});
    const std::vector<grove::ActorRef<Tick>> sinks{rt.spawn_actor_on<Sink>(HubId{0}, &processed, warm, 5'000),
                                                   rt.spawn_actor_on<Sink>(HubId{1}, &processed, warm, 5'000)};
    std::vector<grove::AsyncResult<void>> senders;
    for (std::size_t s = 0; s < kSenders; ++s) {
      const HubId from{s % 2};
      senders.push_back(rt.spawn_on(from, [to = sinks[1 - from.index], &sent] {
        for (std::uint64_t n = 0; n < kPerSender; ++n) {
          (void)to.send(Tick{n});
          sent.fetch_add(1, std::memory_order_relaxed);  // no suspension point since the send
          if (n % 64 == 63) grove::this_fiber::yield();
        }
      }));
    }
    warm.get(60s);  // both hubs are busy: stop them now
    rt.stop(200ms);
    for (auto& r : senders) {
      try {
        r.get();
        ++finished;
      } catch (const grove::FiberKilled&) {
        ++killed;
      }
    }
    // Sends to an actor whose hub has stopped are dead letters.
    for (std::uint64_t n = 0; n < kAfterStop; ++n) EXPECT_EQ(sinks[n % 2].send(Tick{n}), grove::SendStatus::dead);
  }
  EXPECT_EQ(finished + killed, kSenders);
  auto& dl = grove::dead_letters();
  const std::uint64_t dead = dl.total();
  EXPECT_GE(processed.load(), 5'000u);
  EXPECT_EQ(sent.load() + kAfterStop, processed.load() + dead)
      << "sent " << sent.load() << ", processed " << processed.load() << ", dead letters " << dead;
  EXPECT_EQ(dl.count(DeadLetterReason::dead_actor) + dl.count(DeadLetterReason::leftover), dead)
      << "only sends to stopped actors and queued leftovers may be dead letters";
  EXPECT_GE(dl.count(DeadLetterReason::dead_actor), kAfterStop);
  std::printf("[ stop ] sent %llu, processed %llu, dead letters %llu (%llu left queued), senders killed %zu\n",
              static_cast<unsigned long long>(sent.load()), static_cast<unsigned long long>(processed.load()),
              static_cast<unsigned long long>(dead),
              static_cast<unsigned long long>(dl.count(DeadLetterReason::leftover)), killed);
}

// Stuck blocks on its first message until it is killed.
class Stuck : public grove::Actor<Tick> {
 public:
  explicit Stuck(grove::AsyncResult<void> started) : started_(std::move(started)) {}

 protected:
  void receive(Tick& /*tick*/) override {
    started_.set();
    grove::Event never;
    never.wait();
  }

 private:
  grove::AsyncResult<void> started_;
};

TEST_F(RuntimeStopTest, WhatAnActorHadQueuedBecomesDeadLetters) {
  grove::dead_letters().reset();
  Runtime rt({.hubs = 2});
  grove::AsyncResult<void> started;
  auto stuck = rt.spawn_actor_on<Stuck>(HubId{1}, started);
  for (std::uint64_t n = 0; n < 5; ++n) EXPECT_EQ(stuck.send(Tick{n}), grove::SendStatus::delivered);
  started.get(30s);  // the first is being processed, four are queued
  rt.stop(100ms);
  auto& dl = grove::dead_letters();
  EXPECT_EQ(dl.count(DeadLetterReason::crashed), 1u) << "the message being processed when the hub stopped";
  EXPECT_EQ(dl.count(DeadLetterReason::leftover), 4u);
  EXPECT_EQ(stuck.send(Tick{9}), grove::SendStatus::dead);
  EXPECT_THROW((void)stuck.ask(Tick{10}, 10s).get(), grove::ActorDead);
  EXPECT_EQ(dl.count(DeadLetterReason::dead_actor), 2u);
  EXPECT_EQ(dl.total(), 7u);
}

}  // namespace
