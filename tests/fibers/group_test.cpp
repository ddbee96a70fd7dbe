// group_test.cpp — grove::Group and grove::Pool: membership (fibers leave
// when they end), join/kill, the size cap, map/imap/imap_unordered/apply,
// early exits that kill their workers, and the seed's "Groups and Pools"
// and determinism scenarios.

#include <grove/group.hpp>

#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/links.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <chrono>
#include <memory>
#include <numeric>
#include <ranges>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

class GroupTest : public ::testing::Test {
 protected:
  void SetUp() override { grove::Hub::destroy_current(); }
  void TearDown() override {
    EXPECT_EQ(grove::hub().fiber_count(), 0u);
    grove::Hub::destroy_current();
  }
};

struct Boom : std::runtime_error {
  explicit Boom(int n) : std::runtime_error("boom " + std::to_string(n)), n(n) {}
  int n;
};

// ------------------------------------------------------------------ Group

TEST_F(GroupTest, AddContainsDiscard) {
  grove::Group g;
  EXPECT_TRUE(g.empty());
  auto a = grove::spawn([] { grove::this_fiber::sleep(5ms); });
  auto b = grove::spawn([] { grove::this_fiber::sleep(5ms); });
  g.add(a);
  g.add(b);
  g.add(a);  // already a member
  EXPECT_EQ(g.size(), 2u);
  EXPECT_TRUE(g.contains(a));
  EXPECT_EQ(g.fibers(), (std::vector<grove::Fiber<>>{a, b}));
  EXPECT_TRUE(g.discard(a));
  EXPECT_FALSE(g.discard(a));
  EXPECT_FALSE(g.contains(a));
  EXPECT_FALSE(g.contains(grove::Fiber<>()));
  EXPECT_EQ(g.size(), 1u);
  g.join();
  EXPECT_TRUE(b.dead());
  a.join();  // discarded, not killed
  EXPECT_TRUE(a.successful());
  EXPECT_THROW(g.add(grove::Fiber<>()), grove::UsageError);
}

TEST_F(GroupTest, DeadFibersLeaveByThemselves) {
  grove::Group g;
  auto f = g.spawn([] { return 7; });
  EXPECT_TRUE(g.contains(f));
  EXPECT_EQ(f.get(), 7);
  EXPECT_FALSE(g.contains(f));
  EXPECT_TRUE(g.empty());
  g.add(f);  // a dead fiber is not added
  EXPECT_TRUE(g.empty());
}

TEST_F(GroupTest, SpawnReturnsATypedFiber) {
  grove::Group g;
  auto f = g.spawn([](int a, std::string s) { return s + std::to_string(a); }, 4, std::string("x"));
  static_assert(std::is_same_v<decltype(f), grove::Fiber<std::string>>);
  EXPECT_EQ(f.get(), "x4");
  auto moved = g.spawn([](std::unique_ptr<int> p) { return *p; }, std::make_unique<int>(5));
  EXPECT_EQ(moved.get(), 5);
}

TEST_F(GroupTest, JoinWaitsUntilEmpty) {
  grove::Group g;
  std::vector<int> done;
  for (int i = 3; i >= 1; --i) g.spawn([&, i] {
    grove::this_fiber::sleep(std::chrono::milliseconds(5 * i));
    done.push_back(i);
  });
  EXPECT_EQ(g.size(), 3u);
  g.join();
  EXPECT_TRUE(g.empty());
  EXPECT_EQ(done, (std::vector<int>{1, 2, 3}));
  g.join();  // empty: returns at once
}

TEST_F(GroupTest, JoinWithTimeout) {
  grove::Group g;
  g.spawn([] { grove::this_fiber::sleep(40ms); });
  EXPECT_FALSE(g.join(10ms));
  EXPECT_EQ(g.size(), 1u);
  EXPECT_TRUE(g.join(500ms));
  EXPECT_TRUE(g.join(0ms));
  EXPECT_THROW(g.join(-1ms), grove::UsageError);
}

TEST_F(GroupTest, JoinRaiseErrorRethrowsTheFirstFailureAtOnce) {
  grove::Group g;
  grove::Event later;
  bool slow_finished = false;
  g.spawn([&] {
    later.wait();
    slow_finished = true;
  });
  g.spawn([] {
    grove::this_fiber::sleep(5ms);
    throw Boom(1);
  });
  g.spawn([&] {
    later.wait();
    throw Boom(2);
  });
  try {
    g.join(true);
    FAIL() << "expected Boom";
  } catch (const Boom& e) {
    EXPECT_EQ(e.n, 1);
  }
  EXPECT_FALSE(slow_finished);  // the others keep running
  EXPECT_EQ(g.size(), 2u);
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);  // Boom(2) is nobody's
  later.set();
  EXPECT_TRUE(g.join(500ms));
  EXPECT_TRUE(slow_finished);
}

TEST_F(GroupTest, JoinWithoutRaiseErrorIgnoresFailures) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::Group g;
  auto f = g.spawn([] { throw Boom(3); });
  g.join();
  EXPECT_FALSE(f.successful());
  EXPECT_THROW(f.get(), Boom);
}

TEST_F(GroupTest, AFailureNobodyLooksAtIsReported) {
  // (spdlog's default logger writes the report to stdout; the abort proves it ran)
  EXPECT_EXIT(
      {
        grove::hub().set_unhandled_policy(grove::UnhandledPolicy::abort);
        grove::Group g;
        g.spawn([] { throw Boom(1); });
        g.join();
        grove::hub().run();
      },
      ::testing::KilledBySignal(SIGABRT), "");
}

TEST_F(GroupTest, AFailureSomeoneWatchesIsNotReported) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::abort);
  grove::Group g;
  auto joined = g.spawn([] { throw Boom(2); });
  EXPECT_THROW(joined.get(), Boom);
  auto monitored = g.spawn([] { throw Boom(3); });
  grove::monitor(monitored, [](const grove::Down&) {});
  g.join();
  g.spawn([] { throw Boom(4); });
  EXPECT_THROW(g.join(true), Boom);  // rethrown to the joiner: handled
  grove::hub().run();
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::log);
}

TEST_F(GroupTest, AMemberCannotJoinItsOwnGroup) {
  grove::Group g;
  auto f = g.spawn([&] { g.join(); });
  EXPECT_THROW(f.get(), grove::UsageError);
}

TEST_F(GroupTest, KillKillsEveryMemberAndWaits) {
  grove::Group g;
  int unwound = 0;
  struct Unwind {
    int& n;
    ~Unwind() { ++n; }
  };
  for (int i = 0; i < 4; ++i) g.spawn([&] {
    Unwind u{unwound};
    grove::this_fiber::sleep(1h);
  });
  grove::this_fiber::yield();  // let them start
  auto never_started = g.spawn([] { ADD_FAILURE() << "must not run"; });
  g.kill();
  EXPECT_TRUE(g.empty());
  EXPECT_EQ(unwound, 4);
  EXPECT_TRUE(never_started.dead());
  EXPECT_EQ(never_started.exit_reason().kind(), grove::ExitReason::Kind::killed);
}

TEST_F(GroupTest, KillWithoutBlockingAndWithACustomException) {
  grove::Group g;
  auto a = g.spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  g.kill(false);
  EXPECT_FALSE(a.dead());  // dies when it next runs
  a.join();
  EXPECT_TRUE(g.empty());

  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto b = g.spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  g.kill(Boom(9));
  EXPECT_TRUE(b.dead());
  EXPECT_THROW(b.get(), Boom);
}

TEST_F(GroupTest, DestroyingAGroupLeavesItsMembersRunning) {
  grove::Fiber<int> f;
  {
    grove::Group g;
    f = g.spawn([] {
      grove::this_fiber::sleep(5ms);
      return 1;
    });
  }
  EXPECT_EQ(f.get(), 1);  // its exit no longer calls into the dead group
}

TEST_F(GroupTest, AddingAFiberOfAnotherHubIsAUsageError) {
  grove::Fiber<> foreign;
  std::thread other([&] {
    foreign = grove::spawn([] {});
    grove::hub().run();
  });
  other.join();
  grove::Group g;
  EXPECT_THROW(g.add(foreign), grove::UsageError);
}

// The seed's "Groups and Pools": a group of already-spawned fibers.
TEST_F(GroupTest, SeedGroupJoin) {
  std::vector<std::string> out;
  auto talk = [&](std::string msg) {
    for (int i = 0; i < 3; ++i) out.push_back(msg);
  };
  auto g1 = grove::spawn(talk, std::string("bar"));
  auto g2 = grove::spawn(talk, std::string("foo"));
  auto g3 = grove::spawn(talk, std::string("fizz"));
  grove::Group group;
  group.add(g1);
  group.add(g2);
  group.join();
  group.add(g3);
  group.join();
  EXPECT_EQ(out, (std::vector<std::string>{"bar", "bar", "bar", "foo", "foo", "foo", "fizz", "fizz", "fizz"}));
}

// The seed's group.map / imap / imap_unordered. grove removes a fiber from
// its group the moment it ends, so the sizes printed fall 3, 2, 1 where
// gevent (which discards in a later callback) prints 3, 3, 3.
TEST_F(GroupTest, SeedGroupMapImapAndImapUnordered) {
  std::vector<std::string> out;
  grove::Group group;
  std::vector<std::uint64_t> ids;
  group.map(
      [&](int) {
        out.push_back("Size of group " + std::to_string(group.size()));
        ids.push_back(grove::this_fiber::id());
      },
      std::views::iota(0, 3));
  EXPECT_EQ(out, (std::vector<std::string>{"Size of group 3", "Size of group 2", "Size of group 1"}));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());  // one fiber each

  auto intensive = [](int n) {
    grove::this_fiber::sleep(std::chrono::milliseconds(10 * (3 - n)));  // the tutorial sleeps 3 - n seconds
    return std::pair<std::string, int>("task", n);
  };
  std::vector<int> ordered;
  grove::Group ogroup;
  for (auto& [task, n] : ogroup.imap(intensive, std::views::iota(0, 3))) ordered.push_back(n);
  EXPECT_EQ(ordered, (std::vector<int>{0, 1, 2}));

  std::vector<int> unordered;
  grove::Group igroup;
  for (auto& [task, n] : igroup.imap_unordered(intensive, std::views::iota(0, 3))) unordered.push_back(n);
  EXPECT_EQ(unordered, (std::vector<int>{2, 1, 0}));
}

// ------------------------------------------------------------------- Pool

TEST_F(GroupTest, PoolOfSizeZeroIsAUsageError) { EXPECT_THROW(grove::Pool(0), grove::UsageError); }

TEST_F(GroupTest, PoolSpawnBlocksWhileFull) {
  grove::Pool pool(2);
  EXPECT_EQ(pool.capacity(), 2u);
  EXPECT_EQ(pool.free_count(), 2u);
  std::vector<std::string> log;
  grove::Event release_second;
  auto job = [&](int n) {
    log.push_back("start " + std::to_string(n));
    if (n == 1) grove::this_fiber::sleep(5ms);
    if (n == 2) release_second.wait();
    log.push_back("end " + std::to_string(n));
  };
  pool.spawn(job, 1);
  pool.spawn(job, 2);
  EXPECT_TRUE(pool.full());
  EXPECT_EQ(pool.free_count(), 0u);
  pool.spawn(job, 3);  // waits until job 1 has ended
  EXPECT_EQ(log, (std::vector<std::string>{"start 1", "start 2", "end 1"}));
  EXPECT_TRUE(pool.full());
  release_second.set();
  pool.join();
  EXPECT_EQ(log, (std::vector<std::string>{"start 1", "start 2", "end 1", "start 3", "end 3", "end 2"}));
  EXPECT_EQ(pool.free_count(), 2u);
}

TEST_F(GroupTest, PoolWaitAvailable) {
  grove::Pool pool(1);
  pool.wait_available();  // free: returns at once
  EXPECT_TRUE(pool.wait_available(0ms));
  pool.spawn([] { grove::this_fiber::sleep(20ms); });
  EXPECT_FALSE(pool.wait_available(5ms));
  EXPECT_TRUE(pool.full());
  pool.wait_available();
  EXPECT_EQ(pool.free_count(), 1u);
  EXPECT_TRUE(pool.empty());
}

TEST_F(GroupTest, PoolAddBlocksWhileFull) {
  grove::Pool pool(1);
  pool.spawn([] { grove::this_fiber::sleep(10ms); });
  auto outsider = grove::spawn([] { grove::this_fiber::sleep(30ms); });
  const auto t0 = std::chrono::steady_clock::now();
  pool.add(outsider);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 10ms);
  EXPECT_TRUE(pool.contains(outsider));
  pool.join();
}

TEST_F(GroupTest, APoolSpawnerKilledWhileWaitingPassesTheSlotOn) {
  grove::Pool pool(1);
  auto member = pool.spawn([] { grove::this_fiber::sleep(5ms); });
  bool second_spawned = false;
  auto first = grove::spawn([&] { pool.spawn([] {}); });
  auto second = grove::spawn([&] {
    pool.spawn([] {});
    second_spawned = true;
  });
  grove::this_fiber::yield();  // both spawners wait for the slot, `first` in front
  pool.discard(member);        // the slot frees: `first` is woken...
  first.kill(false);           // ...and dies before it can look
  second.join();
  EXPECT_TRUE(second_spawned);
  EXPECT_TRUE(first.dead());
  pool.join();
  member.join();
}

TEST_F(GroupTest, PoolMapKeepsInputOrderAndTheCap) {
  grove::Pool pool(3);
  int running = 0;
  int peak = 0;
  auto square = [&](int x) {
    ++running;
    peak = std::max(peak, running);
    grove::this_fiber::sleep(std::chrono::milliseconds((x * 7) % 5));
    --running;
    return x * x;
  };
  std::vector<int> in(10);
  std::iota(in.begin(), in.end(), 0);
  auto out = pool.map(square, in);
  EXPECT_EQ(out, (std::vector<int>{0, 1, 4, 9, 16, 25, 36, 49, 64, 81}));
  EXPECT_EQ(peak, 3);
  EXPECT_TRUE(pool.map(square, std::vector<int>{}).empty());
}

TEST_F(GroupTest, PoolMapOfAVoidFunction) {
  grove::Pool pool(2);
  int sum = 0;
  pool.map([&](int x) { sum += x; }, std::vector<int>{1, 2, 3, 4});
  EXPECT_EQ(sum, 10);
}

TEST_F(GroupTest, ImapIsLazyOrderedAndCapped) {
  grove::Pool pool(2);
  int started = 0;
  auto seq = pool.imap(
      [&](int x) {
        ++started;
        grove::this_fiber::sleep(std::chrono::milliseconds(x));
        return x;
      },
      std::vector<int>{8, 1, 4, 2});
  grove::this_fiber::sleep(2ms);
  EXPECT_EQ(started, 0);  // nothing runs until the sequence is read
  std::vector<int> got;
  for (int v : seq) {
    got.push_back(v);
    EXPECT_LE(pool.size(), 2u);
  }
  EXPECT_EQ(got, (std::vector<int>{8, 1, 4, 2}));
  EXPECT_EQ(started, 4);
  EXPECT_FALSE(seq.next());  // stays at its end
}

TEST_F(GroupTest, ImapUnorderedYieldsInCompletionOrder) {
  grove::Pool pool(4);
  std::vector<int> got;
  for (int v : pool.imap_unordered(
           [](int ms) {
             grove::this_fiber::sleep(std::chrono::milliseconds(ms));
             return ms;
           },
           std::vector<int>{20, 5, 15, 1}))
    got.push_back(v);
  EXPECT_EQ(got, (std::vector<int>{1, 5, 15, 20}));
}

TEST_F(GroupTest, ImapOverAMoveOnlyResultAndARvalueRange) {
  grove::Pool pool(2);
  std::vector<int> got;
  auto seq = pool.imap([](int x) { return std::make_unique<int>(x * 10); }, std::vector<int>{1, 2, 3});
  while (auto p = seq.next()) got.push_back(**p);
  EXPECT_EQ(got, (std::vector<int>{10, 20, 30}));
}

TEST_F(GroupTest, MapRethrowsAndKillsItsOtherWorkers) {
  grove::Pool pool(4);
  int finished = 0;
  auto job = [&](int x) {
    if (x == 1) throw Boom(x);
    grove::this_fiber::sleep(std::chrono::milliseconds(20 * x));
    ++finished;
    return x;
  };
  try {
    pool.map(job, std::vector<int>{0, 1, 2, 3, 4, 5});
    FAIL() << "expected Boom";
  } catch (const Boom& e) {
    EXPECT_EQ(e.n, 1);
  }
  EXPECT_TRUE(pool.empty());  // 2 and 3 were killed, 4 and 5 never started
  EXPECT_EQ(finished, 1);     // only 0 finished
}

TEST_F(GroupTest, ImapUnorderedRethrowsAtTheFailure) {
  grove::Pool pool(3);
  std::vector<int> got;
  auto seq = pool.imap_unordered(
      [](int x) {
        grove::this_fiber::sleep(std::chrono::milliseconds(x));
        if (x == 6) throw Boom(x);
        return x;
      },
      std::vector<int>{2, 6, 30, 40});
  EXPECT_THROW(
      {
        while (auto v = seq.next()) got.push_back(*v);
      },
      Boom);
  EXPECT_EQ(got, (std::vector<int>{2}));
  // As gevent's, the sequence goes on after the failure (group_gevent_test).
  while (auto v = seq.next()) got.push_back(*v);
  EXPECT_EQ(got, (std::vector<int>{2, 30, 40}));
}

TEST_F(GroupTest, AbandoningAnImapKillsItsWorkers) {
  grove::Pool pool(3);
  int finished = 0;
  {
    auto seq = pool.imap(
        [&](int x) {
          grove::this_fiber::sleep(std::chrono::milliseconds(25 * x));
          ++finished;
          return x;
        },
        std::views::iota(1, 100));
    for (int v : seq)
      if (v == 1) break;
  }
  EXPECT_TRUE(pool.empty());
  EXPECT_EQ(finished, 1);
}

TEST_F(GroupTest, ImapWaitsForRoomWhenOtherFibersFillThePool) {
  grove::Pool pool(1);
  pool.spawn([] { grove::this_fiber::sleep(10ms); });
  auto out = pool.map([](int x) { return x + 1; }, std::vector<int>{1, 2});
  EXPECT_EQ(out, (std::vector<int>{2, 3}));
}

// The killed workers' items are FiberKilled errors for the consumer (not a
// FiberExit, which would end the consumer too).
TEST_F(GroupTest, KillingTheGroupMakesImapItemsFiberKilled) {
  grove::Pool pool(2);
  auto killer = grove::spawn([&] {
    grove::this_fiber::sleep(5ms);
    pool.kill();
  });
  auto seq = pool.imap(
      [](int) {
        grove::this_fiber::sleep(1h);
        return 0;
      },
      std::vector<int>{1, 2, 3});
  EXPECT_THROW(seq.next(), grove::FiberKilled);
  killer.join();
  pool.kill();  // the third item's worker started after the kill
}

TEST_F(GroupTest, ApplyReturnsOrRethrows) {
  grove::Pool pool(2);
  EXPECT_EQ(pool.apply([](int a, int b) { return a * b; }, 6, 7), 42);
  EXPECT_THROW(pool.apply([] { throw Boom(5); }), Boom);
  pool.apply([] {});
  auto f = pool.apply_async([](int x) { return x + 1; }, 1);
  static_assert(std::is_same_v<decltype(f), grove::Fiber<int>>);
  EXPECT_TRUE(pool.contains(f));
  EXPECT_EQ(f.get(), 2);
}

TEST_F(GroupTest, ApplyFromAMemberOfAFullPoolRunsInline) {
  grove::Pool pool(1);
  auto outer = pool.spawn([&] { return pool.apply([] { return grove::this_fiber::id(); }); });
  EXPECT_EQ(outer.get(), outer.id());
}

TEST_F(GroupTest, ApplyAbandonedByATimeoutKillsItsWorker) {
  grove::Pool pool(1);
  bool finished = false;
  {
    grove::Timeout t(5ms);
    EXPECT_THROW(pool.apply([&] {
      grove::this_fiber::sleep(50ms);
      finished = true;
    }),
                 grove::Timeout);
  }
  EXPECT_TRUE(pool.empty());
  grove::this_fiber::sleep(60ms);
  EXPECT_FALSE(finished);
}

// The seed's Pool(2).map: sizes seen by each task (gevent prints 2, 2, 1;
// grove's members leave as they end, so the second task sees 1).
TEST_F(GroupTest, SeedPoolMap) {
  std::vector<std::string> out;
  grove::Pool pool(2);
  pool.map([&](int) { out.push_back("Size of pool " + std::to_string(pool.size())); }, std::views::iota(0, 3));
  EXPECT_EQ(out, (std::vector<std::string>{"Size of pool 2", "Size of pool 1", "Size of pool 1"}));
}

// The seed's determinism: a gevent Pool's imap_unordered over 0..9 gives
// the same order on every run.
TEST_F(GroupTest, SeedDeterministicImapUnordered) {
  grove::Pool p(10);
  auto echo = [](int i) {
    grove::this_fiber::sleep(1ms);
    return i;
  };
  auto run = [&] {
    std::vector<int> out;
    for (int v : p.imap_unordered(echo, std::views::iota(0, 10))) out.push_back(v);
    return out;
  };
  auto run1 = run();
  auto run2 = run();
  auto run3 = run();
  auto run4 = run();
  EXPECT_EQ(run1, run2);
  EXPECT_EQ(run2, run3);
  EXPECT_EQ(run3, run4);
  std::vector<int> sorted = run1;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

}  // namespace
