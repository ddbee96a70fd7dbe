// links_trap_exits_test.cpp — trap_exits: exit signals delivered as messages, link chains, and a link's signal racing a
// Timeout.

#include "links_test_support.hpp"

namespace {

// ----------------------------------------------------------- trap_exits

enum class HowItEnds { normal, exception, killed, shutdown };

std::string how_name(const ::testing::TestParamInfo<HowItEnds>& info) {
  switch (info.param) {
    case HowItEnds::normal:
      return "Normal";
    case HowItEnds::exception:
      return "Exception";
    case HowItEnds::killed:
      return "Killed";
    case HowItEnds::shutdown:
      return "Shutdown";
  }
  return "Unknown";
}

class TrapExitsTest : public LinksTest, public ::testing::WithParamInterface<HowItEnds> {
 protected:
  static grove::Fiber<> make_victim(grove::Event& go, HowItEnds how) {
    return grove::spawn([&go, how] {
      go.wait();
      if (how == HowItEnds::exception) throw Boom();
      if (how == HowItEnds::normal) return;
      grove::this_fiber::sleep(1h);  // killed / shutdown arrive here
    });
  }
  // end(a) makes `a` (parked on `go`) end the chosen way and waits for it.
  static void end(grove::Fiber<>& a, grove::Event& go, HowItEnds how) {
    switch (how) {
      case HowItEnds::normal:
      case HowItEnds::exception:
        go.set();
        break;
      case HowItEnds::killed:
        a.kill(false);
        break;
      case HowItEnds::shutdown:
        a.kill(grove::FiberExit(grove::ExitReason::shutdown()), false);
        break;
    }
    a.join();
  }
  static Kind kind_of(HowItEnds how) {
    switch (how) {
      case HowItEnds::normal:
        return Kind::normal;
      case HowItEnds::exception:
        return Kind::exception;
      case HowItEnds::killed:
        return Kind::killed;
      case HowItEnds::shutdown:
        return Kind::shutdown;
    }
    return Kind::normal;
  }
};

TEST_P(TrapExitsTest, TrappingFiberGetsExitSignalAndKeepsRunning) {
  const HowItEnds how = GetParam();
  grove::Event go, release;
  auto a = make_victim(go, how);
  std::vector<grove::ExitSignal> got;
  bool b_after = false;
  auto b = grove::spawn([&] {
    grove::this_fiber::trap_exits([&](const grove::ExitSignal& s) { got.push_back(s); });
    release.wait();
    b_after = true;
    return 5;
  });
  grove::this_fiber::yield();  // both parked; b traps
  EXPECT_TRUE(grove::traps_exits(b));
  grove::link(a, b);
  end(a, go, how);
  grove::this_fiber::sleep(5ms);
  ASSERT_EQ(a.exit_reason().kind(), kind_of(how));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, a);
  EXPECT_EQ(got[0].reason, a.exit_reason());
  if (how == HowItEnds::exception) {
    EXPECT_EQ(got[0].reason.exception(), a.exception());
  }
  EXPECT_FALSE(b.dead()) << "a fiber that traps exits must survive a " << a.exit_reason().to_string() << " exit";
  release.set();
  EXPECT_EQ(b.get(), 5);
  EXPECT_TRUE(b_after);
  EXPECT_EQ(b.exit_reason(), grove::ExitReason::normal());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_P(TrapExitsTest, LinkToAlreadyDeadFiberDeliversToTrapAtOnce) {
  const HowItEnds how = GetParam();
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::Event go, release;
  auto a = make_victim(go, how);
  grove::this_fiber::yield();
  end(a, go, how);
  ASSERT_TRUE(a.dead());
  std::vector<grove::ExitSignal> got;
  auto b = parked(release);
  grove::trap_exits(b, [&](const grove::ExitSignal& s) { got.push_back(s); });
  grove::link(b, a);
  ASSERT_EQ(got.size(), 1u);  // delivered inside link()
  EXPECT_EQ(got[0].from, a);
  EXPECT_EQ(got[0].reason, a.exit_reason());
  grove::this_fiber::sleep(2ms);
  EXPECT_FALSE(b.dead());
  release.set();
  EXPECT_EQ(b.get(), "done");
}

TEST_P(TrapExitsTest, LinkToAlreadyDeadFiberKillsCallerUnlessNormal) {
  const HowItEnds how = GetParam();
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::Event go;
  auto a = make_victim(go, how);
  grove::this_fiber::yield();
  end(a, go, how);
  ASSERT_TRUE(a.dead());
  bool after_link = false;
  auto b = grove::spawn([&] {
    grove::this_fiber::link(a);
    after_link = true;
  });
  b.join();
  if (how == HowItEnds::normal) {
    EXPECT_TRUE(after_link);
    EXPECT_EQ(b.exit_reason(), grove::ExitReason::normal());
  } else {
    EXPECT_FALSE(after_link) << "linking to a fiber dead with " << a.exit_reason().to_string()
                             << " must kill the caller";
    EXPECT_EQ(b.exit_reason(), a.exit_reason());
  }
}

INSTANTIATE_TEST_SUITE_P(AllReasons, TrapExitsTest,
                         ::testing::Values(HowItEnds::normal, HowItEnds::exception, HowItEnds::killed,
                                           HowItEnds::shutdown),
                         how_name);

TEST_F(LinksTest, TrapExitsFromOutsideAndRestoringDefault) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::Event release;
  auto b = parked(release);
  int signals = 0;
  EXPECT_FALSE(grove::traps_exits(b));
  grove::trap_exits(b, [&](const grove::ExitSignal&) { ++signals; });
  EXPECT_TRUE(grove::traps_exits(b));
  auto a1 = grove::spawn([] { throw Boom(); });
  grove::link(a1, b);
  a1.join();
  EXPECT_EQ(signals, 1);
  EXPECT_FALSE(b.dead());
  grove::trap_exits(b, nullptr);  // back to the default
  EXPECT_FALSE(grove::traps_exits(b));
  auto a2 = grove::spawn([] { throw Boom(); });
  grove::link(a2, b);
  b.join();
  EXPECT_EQ(signals, 1);
  EXPECT_EQ(b.exit_reason().exception(), a2.exception());
}

TEST_F(LinksTest, MainFiberCanTrapExits) {
  std::vector<grove::ExitSignal> got;
  grove::this_fiber::trap_exits([&](const grove::ExitSignal& s) { got.push_back(s); });
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(5ms);
    throw Boom();
  });
  grove::this_fiber::link(a);
  EXPECT_NO_THROW(a.join());
  grove::this_fiber::sleep(5ms);  // no FiberExit arrives
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, a);
  EXPECT_EQ(got[0].reason.exception(), a.exception());
  grove::this_fiber::trap_exits(nullptr);
}

TEST_F(LinksTest, MainFiberLinkedToFailingFiberGetsFiberExit) {
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(5ms);
    throw Boom();
  });
  grove::this_fiber::link(a);
  try {
    grove::this_fiber::sleep(200ms);
    FAIL() << "the main fiber was not killed by its linked fiber";
  } catch (const grove::FiberExit& e) {
    EXPECT_EQ(e.reason().kind(), Kind::exception);
    EXPECT_EQ(e.reason().exception(), a.exception());
  }
  EXPECT_TRUE(a.dead());
}

TEST_F(LinksTest, ThisFiberLinkKillsCallerWhenPartnerFails) {
  bool after = false;
  bool unwound = false;
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(10ms);
    throw Boom();
  });
  auto b = grove::spawn([&] {
    Flag f{&unwound};
    grove::this_fiber::link(a);
    grove::this_fiber::sleep(1s);
    after = true;
  });
  b.join();
  EXPECT_FALSE(after);
  EXPECT_TRUE(unwound);
  EXPECT_EQ(b.exit_reason().exception(), a.exception());
}

TEST_F(LinksTest, ChainPropagatesAlongLinks) {
  grove::Event release;
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(10ms);
    throw Boom();
  });
  auto b = parked(release);
  auto c = parked(release);
  auto d = parked(release);  // not linked
  grove::link(a, b);
  grove::link(b, c);
  grove::joinall(std::vector<grove::Fiber<>>{a, b, c});
  ASSERT_EQ(a.exit_reason().kind(), Kind::exception);
  EXPECT_EQ(b.exit_reason(), a.exit_reason());
  EXPECT_EQ(c.exit_reason(), a.exit_reason());
  EXPECT_FALSE(d.dead());
  release.set();
  EXPECT_EQ(d.get(), "done");
}

TEST_F(LinksTest, ChainKilledPropagatesKilled) {
  grove::Event release;
  auto a = parked(release);
  auto b = parked(release);
  auto c = parked(release);
  grove::link(a, b);
  grove::link(b, c);
  grove::this_fiber::yield();
  b.kill();  // the middle one: both neighbours die
  grove::joinall(std::vector<grove::Fiber<>>{a, c});
  EXPECT_EQ(a.exit_reason(), grove::ExitReason::killed());
  EXPECT_EQ(b.exit_reason(), grove::ExitReason::killed());
  EXPECT_EQ(c.exit_reason(), grove::ExitReason::killed());
}

TEST_F(LinksTest, TrappingMiddleOfChainStopsPropagation) {
  grove::Event release;
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(10ms);
    throw Boom();
  });
  auto b = parked(release);
  auto c = parked(release);
  int b_signals = 0;
  grove::trap_exits(b, [&](const grove::ExitSignal&) { ++b_signals; });
  grove::link(a, b);
  grove::link(b, c);
  a.join();
  grove::this_fiber::sleep(5ms);
  EXPECT_EQ(b_signals, 1);
  EXPECT_FALSE(b.dead());
  EXPECT_FALSE(c.dead());
  release.set();
  grove::joinall(std::vector<grove::Fiber<>>{b, c});
  EXPECT_EQ(c.exit_reason(), grove::ExitReason::normal());
}

// Erlang: a process killing a linked process receives its exit signal, even
// when the victim had not started yet (it dies at once without running).
TEST_F(LinksTest, KillingANeverStartedLinkedFiberKillsTheKiller) {
  CaptureLog log;
  bool after_kill = false;
  auto killer = grove::spawn([&] {
    auto victim = grove::spawn([] { grove::this_fiber::sleep(1h); });
    grove::this_fiber::link(victim);
    victim.kill();  // victim never ran: it dies inside this call
    after_kill = true;
    grove::this_fiber::sleep(50ms);
  });
  killer.join();
  EXPECT_FALSE(after_kill) << "the exit signal of the linked victim was not delivered to the killer";
  EXPECT_EQ(killer.exit_reason(), grove::ExitReason::killed());
  EXPECT_EQ(log.text(), "") << "grove logged while delivering a link exit";
}

TEST_F(LinksTest, KillingAStartedLinkedFiberKillsTheKiller) {
  bool after_kill = false;
  auto killer = grove::spawn([&] {
    auto victim = grove::spawn([] { grove::this_fiber::sleep(1h); });
    grove::this_fiber::link(victim);
    grove::this_fiber::yield();  // victim starts and parks
    victim.kill();
    after_kill = true;
    grove::this_fiber::sleep(50ms);
  });
  killer.join();
  EXPECT_FALSE(after_kill);
  EXPECT_EQ(killer.exit_reason(), grove::ExitReason::killed());
}

// An exit signal that reaches a linked fiber in the same hub iteration as
// that fiber's own Timeout must not be lost: the fiber may handle the
// Timeout, but it must then die of the link at its next suspension point.
TEST_F(LinksTest, ExitSignalArrivingWhileTimeoutIsPendingIsNotLost) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::TimePoint base = grove::hub().now();
  bool survived = false;
  auto b = grove::spawn([&] {
    try {
      grove::Timeout t(20ms);
      grove::this_fiber::sleep(1s);
    } catch (const grove::Timeout&) {
    }
    grove::this_fiber::sleep(100ms);  // the exit signal must land here at the latest
    survived = true;
  });
  auto a = grove::spawn([&] {
    grove::this_fiber::sleep_until(base + 15ms);
    throw Boom();
  });
  grove::link(a, b);
  auto hogger = grove::spawn([&] {
    grove::this_fiber::sleep_until(base + 5ms);
    std::this_thread::sleep_until(base + 35ms);  // a's timer and b's Timeout fire together
  });
  grove::joinall(std::vector<grove::Fiber<>>{a, b, hogger});
  EXPECT_FALSE(survived) << "the link's exit signal was silently dropped because a Timeout was pending";
  EXPECT_EQ(b.exit_reason(), a.exit_reason());
}

}  // namespace
