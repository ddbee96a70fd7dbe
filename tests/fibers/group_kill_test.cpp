// group_kill_test.cpp — Group::kill(timeout) and Group::killone (gevent.pool's kill(timeout=) and killone).

#include "group_test_support.hpp"

#include "simulated_hub.hpp"

namespace {

// A member that swallows FiberExit until stop is set (a bug in user code).
auto stubborn_body(bool& stop, int& shots) {
  return [&stop, &shots] {
    while (!stop) {
      try {
        grove::this_fiber::sleep(1ms);
      } catch (const grove::FiberExit&) {
        ++shots;
      }
    }
  };
}

}  // namespace

TEST_F(GroupTest, KillWithATimeoutGivesUpOnAStubbornMemberOnVirtualTime) {
  grove::test::SimulatedHub sim;
  grove::Group group;
  bool stop = false;
  int shots = 0;
  auto quick = group.spawn([] { grove::this_fiber::sleep(1h); });
  auto stubborn = group.spawn(stubborn_body(stop, shots));
  grove::this_fiber::yield();
  const auto t0 = sim.now();
  EXPECT_FALSE(group.kill(30ms));
  EXPECT_EQ(sim.now() - t0, 30ms);
  EXPECT_TRUE(quick.dead());
  EXPECT_EQ(group.size(), 1u);
  EXPECT_EQ(shots, 1);
  // Killing again does not shoot the member already being killed (gevent's dying set).
  EXPECT_FALSE(group.kill(10ms));
  EXPECT_EQ(shots, 1);
  stop = true;
  EXPECT_TRUE(group.kill(10ms));
  EXPECT_TRUE(group.empty());
}

TEST_F(GroupTest, KillWithAnExceptionAndATimeout) {
  grove::Group group;
  auto a = group.spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  EXPECT_TRUE(group.kill(Boom(7), 1s));
  EXPECT_EQ(a.exit_reason().to_string(), "exception: boom 7");
  EXPECT_THROW((void)group.kill(-1ms), grove::UsageError);
}

TEST_F(GroupTest, KilloneKillsOneMemberAndLeavesTheOthers) {
  grove::Group group;
  auto a = group.spawn([] { grove::this_fiber::sleep(1h); });
  auto b = group.spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  EXPECT_TRUE(group.killone(a));
  EXPECT_TRUE(a.dead());
  EXPECT_FALSE(b.dead());
  EXPECT_EQ(group.size(), 1u);
  EXPECT_FALSE(group.killone(b, false));  // not waited for
  EXPECT_FALSE(b.dead());
  b.join();
  EXPECT_TRUE(group.empty());
}

TEST_F(GroupTest, KilloneLeavesAFiberThatIsNoMemberAlone) {
  grove::Group group;
  auto outsider = grove::spawn([] { grove::this_fiber::sleep(1h); });
  grove::this_fiber::yield();
  EXPECT_FALSE(group.killone(outsider, 10ms));
  EXPECT_FALSE(outsider.dead());
  outsider.kill();
}

TEST_F(GroupTest, KilloneSkipsAMemberAlreadyBeingKilledAndTakesATimeout) {
  grove::test::SimulatedHub sim;
  grove::Group group;
  bool stop = false;
  int shots = 0;
  auto stubborn = group.spawn(stubborn_body(stop, shots));
  grove::this_fiber::yield();
  EXPECT_FALSE(group.killone(stubborn, 20ms));
  EXPECT_EQ(shots, 1);
  EXPECT_FALSE(group.killone(stubborn, Boom(1), 20ms));  // already dying: not shot again
  EXPECT_EQ(shots, 1);
  EXPECT_EQ(sim.elapsed(), 40ms);
  stop = true;
  EXPECT_TRUE(group.killone(stubborn, 20ms));
}

TEST_F(GroupTest, KilloneWithAnExceptionOnAnUnstartedMember) {
  grove::Group group;
  bool ran = false;
  auto f = grove::create([&] { ran = true; });
  group.add(f);
  EXPECT_TRUE(group.killone(f, Boom(2)));
  EXPECT_FALSE(ran);
  EXPECT_TRUE(group.empty());
  EXPECT_EQ(f.exit_reason().to_string(), "exception: boom 2");
}
