// group_test.cpp — grove::Group: membership (fibers leave when they end), join/kill, failure reports, the seed's Group
// scenarios.

#include "group_test_support.hpp"

namespace {

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
  for (int i = 3; i >= 1; --i)
    g.spawn([&, i] {
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
  EXPECT_THROW((void)g.join(-1ms), grove::UsageError);
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
  for (int i = 0; i < 4; ++i)
    g.spawn([&] {
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

}  // namespace
