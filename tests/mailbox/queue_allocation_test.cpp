// queue_allocation_test.cpp — a warmed-up queue allocates nothing per put or
// get, blocking included (docs/benchmarks.md). This binary replaces the global
// operator new/delete to count allocations made while `counting` is set;
// no other test binary does.

#include <grove/queue.hpp>

#include <grove/channel.hpp>
#include <grove/fiber.hpp>
#include <grove/joinable_queue.hpp>
#include <grove/lifo_queue.hpp>
#include <grove/priority_queue.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include "mailbox_test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "allocation_counter.hpp"  // replaces global operator new/delete in this binary

namespace {

// CountAllocations counts operator new calls made during its lifetime.
class CountAllocations {
 public:
  CountAllocations() {
    allocations = 0;
    counting = true;
  }
  ~CountAllocations() { counting = false; }
  long stop() {
    counting = false;
    return allocations.load();
  }
};

class QueueAllocationTest : public grove::test::MailboxTest {};

TEST_F(QueueAllocationTest, TheCounterSeesAllocations) {
  CountAllocations count;
  auto* p = new int(1);
  delete p;
  std::string s(100, 'x');
  EXPECT_GE(count.stop(), 2);
}

// The W5 shape, scaled down: producers and one consumer through a bounded
// queue, every put and get blocking often, after one warm-up round.
TEST_F(QueueAllocationTest, BlockingPutAndGetThroughAWarmBoundedQueueAllocateNothing) {
  constexpr int producers = 10;
  constexpr std::int64_t per_round = 10'000;  // per producer: 1e5 items a round
  grove::Queue<std::int64_t> q(1000);
  int round = 0;
  std::int64_t sum = 0;
  std::vector<grove::Fiber<>> fibers;
  for (int p = 0; p < producers; ++p)
    fibers.push_back(grove::spawn([&] {
      for (int r = 0; r < 2; ++r) {
        while (round != r) grove::this_fiber::yield();
        for (std::int64_t i = 0; i < per_round; ++i) q.put(i);
      }
    }));
  fibers.push_back(grove::spawn([&] {
    for (std::int64_t i = 0; i < 2 * producers * per_round; ++i) sum += q.get();
  }));
  // Round 0 warms up the ring buffer and the fiber stacks.
  while (q.size() != 0 || sum != producers * (per_round * (per_round - 1) / 2)) grove::this_fiber::yield();
  long during = 0;
  {
    CountAllocations count;
    round = 1;
    while (sum != 2 * producers * (per_round * (per_round - 1) / 2)) grove::this_fiber::yield();
    during = count.stop();
  }
  grove::joinall(fibers);
  EXPECT_EQ(sum, 2 * producers * (per_round * (per_round - 1) / 2));
  EXPECT_EQ(during, 0) << "a warm queue must not allocate per put/get";
}

// The main fiber as producer: 1e5 puts that block on a full queue, against
// one consumer fiber.
TEST_F(QueueAllocationTest, MainFiberProducerAllocatesNothing) {
  grove::Queue<std::int64_t> q(64);
  constexpr std::int64_t warm = 1000, items = 100'000;
  std::int64_t got = 0;
  auto consumer = grove::spawn([&] {
    for (std::int64_t i = 0; i < warm + items; ++i) got += q.get();
  });
  for (std::int64_t i = 0; i < warm; ++i) q.put(1);
  long during = 0;
  {
    CountAllocations count;
    for (std::int64_t i = 0; i < items; ++i) q.put(1);
    during = count.stop();
  }
  consumer.join();
  EXPECT_EQ(got, warm + items);
  EXPECT_EQ(during, 0);
}

// The other storages are just as allocation-free once warm, and so is the
// channel's rendezvous.
TEST_F(QueueAllocationTest, LifoPriorityJoinableAndChannelAllocateNothingWhenWarm) {
  grove::LifoQueue<int> lifo(16);
  grove::PriorityQueue<int> prio(16);
  grove::JoinableQueue<int> joinable(16);
  grove::Channel<int> channel;
  auto cycle = [&] {
    for (int i = 0; i < 16; ++i) {
      lifo.put(i);
      prio.put(16 - i);
      joinable.put(i);
    }
    for (int i = 0; i < 16; ++i) {
      lifo.get();
      prio.get();
      joinable.get();
      joinable.task_done();
    }
  };
  long sum = 0;
  auto getter = grove::spawn([&] {
    for (int i = 0; i < 2000; ++i) sum += channel.get();
  });
  cycle();
  for (int i = 0; i < 1000; ++i) channel.put(1);
  long during = 0;
  {
    CountAllocations count;
    for (int r = 0; r < 100; ++r) cycle();
    for (int i = 0; i < 1000; ++i) channel.put(1);
    joinable.join();
    during = count.stop();
  }
  getter.join();
  EXPECT_EQ(sum, 2000);
  EXPECT_EQ(during, 0);
}

}  // namespace
