// mailbox_allocation_test.cpp — a warmed-up actor mailbox allocates nothing
// per message for small trivially-copyable messages (docs/benchmarks.md): not for
// the Mailbox itself, nor for an actor's send/receive round trip. This
// binary replaces the global operator new/delete to count allocations.

#include <grove/mailbox.hpp>

#include <grove/actor.hpp>
#include <grove/fiber.hpp>

#include "mailbox_test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "allocation_counter.hpp"  // replaces global operator new/delete in this binary

namespace {

long count_allocations(auto&& fn) {
  allocations = 0;
  counting = true;
  fn();
  counting = false;
  return allocations.load();
}

class MailboxAllocationTest : public grove::test::MailboxTest {};

TEST_F(MailboxAllocationTest, TheCounterSeesAllocations) {
  EXPECT_GE(count_allocations([] { delete new int(1); }), 1);
}

TEST_F(MailboxAllocationTest, SendAndReceiveAllocateNothingOnceWarm) {
  grove::Mailbox<std::int64_t> box;
  std::int64_t sum = 0;
  auto round = [&](int n) {
    for (int i = 0; i < n; ++i) box.send(i);
    for (int i = 0; i < n; ++i) box.receive([](grove::SystemSignal&) {}, [&](std::int64_t& v) { sum += v; });
  };
  round(64);  // warm-up: the ring grows to its steady size
  EXPECT_EQ(count_allocations([&] {
              for (int r = 0; r < 1000; ++r) round(64);
            }),
            0);
}

TEST_F(MailboxAllocationTest, ReserveMakesABurstAllocationFree) {
  grove::Mailbox<std::int64_t> box(grove::MailboxConfig{.reserve = 100});
  EXPECT_EQ(count_allocations([&] {
              for (int i = 0; i < 100; ++i) box.send(i);
            }),
            0);
  std::int64_t sum = 0;
  for (int i = 0; i < 100; ++i) box.receive([](grove::SystemSignal&) {}, [&](std::int64_t& v) { sum += v; });
  EXPECT_EQ(sum, 4950);
}

TEST_F(MailboxAllocationTest, AParkedConsumerIsWokenWithoutAllocating) {
  grove::Mailbox<std::int64_t> box;
  std::int64_t sum = 0;
  constexpr int kMessages = 20000;
  auto consumer = grove::spawn([&] {
    for (int i = 0; i < 2 * kMessages; ++i)
      box.receive([](grove::SystemSignal&) {}, [&](std::int64_t& v) { sum += v; });
  });
  for (int i = 0; i < kMessages; ++i) {  // warm-up
    box.send(i);
    grove::this_fiber::yield();
  }
  EXPECT_EQ(count_allocations([&] {
              for (int i = 0; i < kMessages; ++i) {
                box.send(i);
                grove::this_fiber::yield();
              }
            }),
            0);
  consumer.join();
}

// A mailbox that starts empty grows by whole segments, never copying what
// is queued (W6's form in issue 11): a burst of 100 messages costs a few
// allocations, not one per message, and the next burst none.
TEST_F(MailboxAllocationTest, AnEmptyMailboxGrowsByAFewSegments) {
  grove::Mailbox<std::int64_t> box;
  std::int64_t sum = 0;
  auto drain = [&] {
    while (box.size() > 0) box.receive([](grove::SystemSignal&) {}, [&](std::int64_t& v) { sum += v; });
  };
  const long first = count_allocations([&] {
    for (int i = 0; i < 100; ++i) box.send(i);
  });
  EXPECT_GE(first, 1);
  EXPECT_LE(first, 4);  // segments of 16, 16, 32 and 64 slots
  drain();
  EXPECT_EQ(sum, 4950);
  EXPECT_EQ(count_allocations([&] {
              for (int i = 0; i < 100; ++i) box.send(i);
            }),
            0);
  drain();
  EXPECT_EQ(sum, 2 * 4950);
}

// Two actors bouncing a counter (W4) allocate nothing per message.
struct Bounce {
  std::int64_t limit = 0;
  std::int64_t last = 0;
  grove::ActorRef<std::int64_t> a, b;
};

class Bouncer final : public grove::Actor<std::int64_t> {
 public:
  Bouncer(Bounce& bounce, bool first) : bounce_(bounce), first_(first) {}
  void receive(std::int64_t& v) override {
    if (v < 0) return stop();
    if (v >= bounce_.limit) {
      bounce_.last = v;
      return;
    }
    (first_ ? bounce_.b : bounce_.a).send(v + 1);
  }

 private:
  Bounce& bounce_;
  bool first_;
};

TEST_F(MailboxAllocationTest, ActorPingPongAllocatesNothingPerMessage) {
  Bounce bounce;
  bounce.a = grove::spawn_actor<Bouncer>(bounce, true);
  bounce.b = grove::spawn_actor<Bouncer>(bounce, false);
  bounce.limit = 1000;
  bounce.b.send(1);
  grove::hub().run();  // warm-up
  ASSERT_EQ(bounce.last, 1000);
  bounce.limit = 101000;
  const long n = count_allocations([&] {
    bounce.b.send(1000);
    grove::hub().run();
  });
  EXPECT_EQ(bounce.last, 101000);
  EXPECT_EQ(n, 0);
  bounce.a.send(-1);
  bounce.b.send(-1);
  bounce.a.fiber().join();
  bounce.b.fiber().join();
}

}  // namespace
