// group_pool_test.cpp — grove::Pool: the size cap, map/imap/imap_unordered/apply, early exits that kill their workers,
// determinism. Tests whose outcome depends on which sleeper ends first run on
// virtual time (SimulatedHub): on a loaded machine a worker preempted before
// it starts its sleep would otherwise end after a longer one.

#include "group_test_support.hpp"

namespace {

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
  grove::test::SimulatedHub sim;
  grove::Pool pool(1);
  pool.wait_available();  // free: returns at once
  EXPECT_TRUE(pool.wait_available(0ms));
  pool.spawn([] { grove::this_fiber::sleep(20ms); });
  EXPECT_FALSE(pool.wait_available(5ms));
  EXPECT_EQ(sim.elapsed(), 5ms);
  EXPECT_TRUE(pool.full());
  pool.wait_available();
  EXPECT_EQ(sim.elapsed(), 20ms);
  EXPECT_EQ(pool.free_count(), 1u);
  EXPECT_TRUE(pool.empty());
}

TEST_F(GroupTest, PoolAddBlocksWhileFull) {
  grove::test::SimulatedHub sim;
  grove::Pool pool(1);
  pool.spawn([] { grove::this_fiber::sleep(10ms); });
  auto outsider = grove::spawn([] { grove::this_fiber::sleep(30ms); });
  pool.add(outsider);
  EXPECT_EQ(sim.elapsed(), 10ms);  // once the member ended
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
  grove::test::SimulatedHub sim;
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
  grove::test::SimulatedHub sim;
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
  EXPECT_EQ(sim.elapsed(), 0ms);
}

TEST_F(GroupTest, ImapUnorderedRethrowsAtTheFailure) {
  grove::test::SimulatedHub sim;
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
  EXPECT_EQ(sim.elapsed(), 6ms);
  // As gevent's, the sequence goes on after the failure (group_gevent_test).
  while (auto v = seq.next()) got.push_back(*v);
  EXPECT_EQ(got, (std::vector<int>{2, 30, 40}));
}

TEST_F(GroupTest, AbandoningAnImapKillsItsWorkers) {
  grove::test::SimulatedHub sim;
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
  EXPECT_EQ(sim.elapsed(), 25ms);
  EXPECT_TRUE(pool.empty());
  EXPECT_EQ(finished, 1);
  grove::this_fiber::sleep(100ms);  // past the killed workers' deadlines
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
  grove::test::SimulatedHub sim;
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
  EXPECT_EQ(sim.elapsed(), 5ms);
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
