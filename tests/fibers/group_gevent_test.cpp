// group_gevent_test.cpp — Group and Pool behaviours that follow gevent.pool
// to the letter (issue 18): a group kill shoots each member once, however
// often it is called; Pool::apply_async never blocks (a full pool queues the
// call); imap/imap_unordered raise a failed item's error at its place and
// go on with the others.

#include <grove/group.hpp>

#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using GroupGeventTest = grove::test::HubTest;

struct Boom : std::runtime_error {
  explicit Boom(int n) : std::runtime_error("boom " + std::to_string(n)), n(n) {}
  int n;
};

// A member that catches FiberExit, cleans up over several suspension points
// and then lets the exit go on, counting every FiberExit it is shot with.
// (Cleanup runs after the catch block: a fiber must not switch inside one.)
auto counting_member(int& shots, int cleanup_steps = 5) {
  return [&shots, cleanup_steps] {
    std::exception_ptr exit;
    try {
      grove::this_fiber::sleep(1h);
    } catch (const grove::FiberExit&) {
      ++shots;
      exit = std::current_exception();
    }
    for (int k = 0; k < cleanup_steps; ++k) {
      try {
        grove::this_fiber::yield();
      } catch (const grove::FiberExit&) {
        ++shots;
      }
    }
    if (exit) std::rethrow_exception(exit);
  };
}

// ------------------------------------------------------------ kill (bug 3)

// gevent's Group.kill skips a greenlet that is already dying: however often
// kill(block=False) is called, each member sees one GreenletExit.
TEST_F(GroupGeventTest, RepeatedNonBlockingKillShootsEachMemberOnce) {
  grove::Group g;
  int shots[2] = {0, 0};
  g.spawn(counting_member(shots[0]));
  g.spawn(counting_member(shots[1]));
  grove::this_fiber::yield();  // both asleep
  for (int round = 0; round < 4; ++round) {
    g.kill(false);
    grove::this_fiber::yield();
  }
  g.kill();  // blocking: waits for the dying members, shoots nobody again
  EXPECT_TRUE(g.empty());
  EXPECT_EQ(shots[0], 1);
  EXPECT_EQ(shots[1], 1);
}

// A member already being killed by Fiber::kill() is not shot again by a
// group kill, whatever exception that one carries.
TEST_F(GroupGeventTest, GroupKillSkipsAMemberAlreadyBeingKilled) {
  grove::Group g;
  int shots = 0;
  auto f = g.spawn(counting_member(shots));
  grove::this_fiber::yield();
  f.kill(false);
  g.kill(Boom(1), false);  // would otherwise escape the cleanup as a failure
  g.kill(false);
  f.join();
  EXPECT_EQ(shots, 1);
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.exit_reason(), grove::ExitReason::killed());
}

// A member shot with an ordinary exception that it handles is not "being
// killed": a later group kill still delivers FiberExit to it.
TEST_F(GroupGeventTest, AHandledNonExitKillDoesNotShieldAMember) {
  grove::Group g;
  int booms = 0, shots = 0;
  auto f = g.spawn([&] {
    try {
      grove::this_fiber::sleep(1h);
    } catch (const Boom&) {
      ++booms;
    }
    counting_member(shots, 1)();
  });
  grove::this_fiber::yield();
  g.kill(Boom(2), false);
  grove::this_fiber::yield();  // Boom handled; asleep again
  g.kill();
  EXPECT_TRUE(f.dead());
  EXPECT_EQ(booms, 1);
  EXPECT_EQ(shots, 1);
}

// A blocking kill waits for members added while it waits, and shoots them.
TEST_F(GroupGeventTest, BlockingKillAlsoKillsMembersAddedMeanwhile) {
  grove::Group g;
  int shots[2] = {0, 0};
  g.spawn([&] {
    std::exception_ptr exit;
    try {
      grove::this_fiber::sleep(1h);
    } catch (const grove::FiberExit&) {
      ++shots[0];
      exit = std::current_exception();
    }
    g.spawn(counting_member(shots[1]));  // joins while the group is being killed
    grove::this_fiber::yield();
    std::rethrow_exception(exit);
  });
  grove::this_fiber::yield();
  g.kill();
  EXPECT_TRUE(g.empty());
  EXPECT_EQ(shots[0], 1);
  EXPECT_EQ(shots[1], 1);
}

// ---------------------------------------------------- apply_async (bug 4)

// gevent: "This method will never block, even if this group is full". A
// full pool queues the call; it runs inside the cap once a slot frees.
TEST_F(GroupGeventTest, ApplyAsyncOnAFullPoolReturnsAtOnceAndQueues) {
  grove::Pool pool(1);
  grove::Event release;
  int running = 0, peak = 0;
  auto work = [&](int x) {
    peak = std::max(peak, ++running);
    release.wait();
    --running;
    return x * 2;
  };
  auto first = pool.apply_async(work, 1);
  std::optional<grove::Fiber<int>> second, third;
  auto caller = grove::spawn([&] {
    second = pool.apply_async(work, 2);
    third = pool.apply_async(work, 3);
  });
  grove::this_fiber::yield();
  grove::this_fiber::yield();
  EXPECT_TRUE(caller.dead()) << "apply_async blocked on a full pool";
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.queued(), caller.dead() ? 2u : 0u);
  release.set();
  EXPECT_EQ(first.get(), 2);
  caller.join();
  ASSERT_TRUE(second && third);
  EXPECT_FALSE(pool.contains(*third));  // queued: not a member yet
  EXPECT_EQ(second->get(), 4);
  EXPECT_EQ(third->get(), 6);
  EXPECT_EQ(peak, 1);  // the cap held
  pool.join();
  EXPECT_EQ(pool.queued(), 0u);
}

// join() waits for queued calls too; killing a queued call means it never
// runs; kill() kills the queue with the members.
TEST_F(GroupGeventTest, QueuedApplyAsyncCallsJoinAndKill) {
  grove::Pool pool(1);
  std::vector<int> ran;
  auto job = [&](int x) {
    grove::this_fiber::yield();
    ran.push_back(x);
  };
  pool.apply_async(job, 1);
  auto skipped = pool.apply_async(job, 2);
  pool.apply_async(job, 3);
  EXPECT_FALSE(skipped.started());
  skipped.kill();
  EXPECT_TRUE(skipped.dead());
  EXPECT_EQ(pool.queued(), 1u);
  pool.join();
  EXPECT_EQ(ran, (std::vector<int>{1, 3}));

  grove::Event never;
  pool.apply_async([&] { never.wait(); });
  auto queued = pool.apply_async(job, 4);
  pool.kill();
  EXPECT_TRUE(queued.dead());
  EXPECT_EQ(pool.queued(), 0u);
  EXPECT_EQ(ran, (std::vector<int>{1, 3}));
}

// Destroying a pool with queued calls starts them (the pool forgets them,
// as it forgets its members); they run to their end.
TEST_F(GroupGeventTest, DestroyingAPoolStartsItsQueuedCalls) {
  std::vector<int> ran;
  grove::Fiber<> queued;
  {
    grove::Pool pool(1);
    pool.apply_async([&] { ran.push_back(1); });
    queued = pool.apply_async([&] { ran.push_back(2); });
  }
  grove::this_fiber::yield();
  queued.join();
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

// ----------------------------------------------------------- imap (bug 5)

// gevent's IMap raises a failed item's error where it falls in the
// sequence; the next call to next() goes on with the following items.
TEST_F(GroupGeventTest, ImapRaisesAFailureInPlaceAndGoesOn) {
  grove::Pool pool(2);
  auto seq = pool.imap(
      [](int x) {
        grove::this_fiber::yield();
        if (x % 3 == 1) throw Boom(x);
        return x * 10;
      },
      std::vector<int>{0, 1, 2, 3, 4, 5});
  std::vector<std::string> got;
  for (int guard = 0; guard < 20; ++guard) {
    try {
      auto v = seq.next();
      if (!v) break;
      got.push_back(std::to_string(*v));
    } catch (const Boom& e) {
      got.push_back(e.what());
    }
  }
  EXPECT_EQ(got, (std::vector<std::string>{"0", "boom 1", "20", "30", "boom 4", "50"}));
  EXPECT_FALSE(seq.next());
}

// Work that takes `steps` turns of the (FIFO) scheduler: a clock made of yields.
void take_turns(int steps) {
  for (int k = 0; k < steps; ++k) grove::this_fiber::yield();
}

TEST_F(GroupGeventTest, ImapUnorderedRaisesAFailureWhenItFinishesAndGoesOn) {
  grove::Pool pool(3);
  auto seq = pool.imap_unordered(
      [](int x) {
        take_turns(x);
        if (x == 6 || x == 40) throw Boom(x);
        return x;
      },
      std::vector<int>{2, 6, 30, 40, 8});
  std::vector<std::string> got;
  for (int guard = 0; guard < 20; ++guard) {
    try {
      auto v = seq.next();
      if (!v) break;
      got.push_back(std::to_string(*v));
    } catch (const Boom& e) {
      got.push_back(e.what());
    }
  }
  // 2 ends at turn 2, 6 fails at 6, 40 starts after 2 and fails after 42,
  // 8 starts after 6 and ends after 14, 30 ends at 30.
  EXPECT_EQ(got, (std::vector<std::string>{"2", "boom 6", "8", "30", "boom 40"}));
}

// Leaving a loop by a failure abandons the sequence: its unfinished workers
// are killed before the exception reaches the caller.
TEST_F(GroupGeventTest, AFailureThatLeavesTheLoopKillsTheOtherWorkers) {
  grove::Pool pool(3);
  int finished = 0;
  std::vector<int> got;
  try {
    for (int v : pool.imap(
             [&](int x) {
               take_turns(10 * x);
               if (x == 2) throw Boom(x);
               ++finished;
               return x;
             },
             std::vector<int>{1, 2, 3, 4, 5}))
      got.push_back(v);
    FAIL() << "expected Boom";
  } catch (const Boom& e) {
    EXPECT_EQ(e.n, 2);
  }
  EXPECT_TRUE(pool.empty());  // 3 and 4 were killed, 5 never started
  EXPECT_EQ(got, (std::vector<int>{1}));
  EXPECT_EQ(finished, 1);
}

// A worker killed from outside (the pool killed) is an ordinary error in
// the consumer, FiberKilled, at its place: the consumer is not killed.
TEST_F(GroupGeventTest, AWorkerKilledFromOutsideIsFiberKilledInTheSequence) {
  grove::Pool pool(1);
  auto seq = pool.imap(
      [](int x) {
        if (x == 1) grove::this_fiber::sleep(1h);
        return x;
      },
      std::vector<int>{0, 1, 2});
  EXPECT_EQ(seq.next(), 0);
  grove::this_fiber::yield();  // item 1's worker starts and sleeps
  ASSERT_EQ(pool.size(), 1u);
  pool.kill();
  std::vector<std::string> got;
  for (int guard = 0; guard < 5; ++guard) {
    try {
      auto v = seq.next();
      if (!v) break;
      got.push_back(std::to_string(*v));
    } catch (const grove::FiberKilled& e) {
      got.push_back("killed");
      EXPECT_EQ(e.reason().kind(), grove::ExitReason::Kind::killed);
    }
  }
  EXPECT_EQ(got, (std::vector<std::string>{"killed", "2"}));
}

}  // namespace
