// links_test.cpp — exit reasons, Erlang links (with trap_exits) and monitors.

#include <grove/links.hpp>

#include <grove/event.hpp>
#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>
#include "log_capture.hpp"
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace grove {
// Readable gtest failure messages.
inline void PrintTo(const ExitReason& r, std::ostream* os) { *os << r.to_string(); }
}  // namespace grove

namespace {

using Kind = grove::ExitReason::Kind;

struct Boom : std::runtime_error {
  Boom() : std::runtime_error("boom") {}
};

struct Flag {
  bool* set;
  ~Flag() { *set = true; }
};

using CaptureLog = grove::test::LogCapture;

class LinksTest : public ::testing::Test {
 protected:
  void SetUp() override { grove::Hub::destroy_current(); }
  void TearDown() override { grove::Hub::destroy_current(); }
};

// A fiber that parks until killed (or `release` is set) and returns "done".
grove::Fiber<std::string> parked(grove::Event& release, bool* destroyed = nullptr) {
  return grove::spawn([&release, destroyed] {
    bool dummy = false;
    Flag f{destroyed ? destroyed : &dummy};
    release.wait();
    return std::string("done");
  });
}

// ----------------------------------------------------------- ExitReason

TEST_F(LinksTest, ExitReasonKinds) {
  auto n = grove::ExitReason::normal();
  auto s = grove::ExitReason::shutdown();
  auto k = grove::ExitReason::killed();
  auto ep = std::make_exception_ptr(std::runtime_error("bad thing"));
  auto x = grove::ExitReason::exception(ep);

  EXPECT_EQ(n.kind(), Kind::normal);
  EXPECT_EQ(s.kind(), Kind::shutdown);
  EXPECT_EQ(k.kind(), Kind::killed);
  EXPECT_EQ(x.kind(), Kind::exception);

  EXPECT_TRUE(n.is_normal());
  EXPECT_FALSE(n.is_abnormal());
  for (const auto& r : {s, k, x}) {
    EXPECT_FALSE(r.is_normal());
    EXPECT_TRUE(r.is_abnormal());
  }
  EXPECT_EQ(n.exception(), nullptr);
  EXPECT_EQ(s.exception(), nullptr);
  EXPECT_EQ(k.exception(), nullptr);
  EXPECT_EQ(x.exception(), ep);

  EXPECT_EQ(n.to_string(), "normal");
  EXPECT_EQ(s.to_string(), "shutdown");
  EXPECT_EQ(k.to_string(), "killed");
  EXPECT_EQ(x.to_string(), "exception: bad thing");
  EXPECT_EQ(grove::ExitReason::exception(std::make_exception_ptr(42)).to_string(),
            "exception: an exception of a type not derived from std::exception");

  EXPECT_EQ(grove::ExitReason(), n);  // default is normal
  EXPECT_EQ(n, grove::ExitReason::normal());
  EXPECT_EQ(k, grove::ExitReason::killed());
  EXPECT_FALSE(n == s);
  EXPECT_FALSE(s == k);
  EXPECT_FALSE(k == x);
  EXPECT_EQ(x, grove::ExitReason::exception(ep));  // same exception_ptr
  auto other = std::make_exception_ptr(std::runtime_error("bad thing"));
  EXPECT_FALSE(x == grove::ExitReason::exception(other));  // a different exception object
}

TEST_F(LinksTest, FiberExitReasons) {
  grove::FiberExit plain;
  EXPECT_EQ(plain.reason(), grove::ExitReason::killed());
  EXPECT_STREQ(plain.what(), "grove::FiberExit");
  grove::FiberExit shut(grove::ExitReason::shutdown());
  EXPECT_EQ(shut.reason(), grove::ExitReason::shutdown());
  auto ep = std::make_exception_ptr(Boom());
  grove::FiberExit custom(grove::ExitReason::exception(ep));
  EXPECT_EQ(custom.reason().kind(), Kind::exception);
  EXPECT_EQ(custom.reason().exception(), ep);
}

TEST_F(LinksTest, FiberExitReasonsSeenThroughHandles) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::Event never;
  auto normal = grove::spawn([] { return 1; });
  auto thrower = grove::spawn([]() -> int { throw Boom(); });
  auto killed = parked(never);
  auto shut = parked(never);
  grove::this_fiber::yield();
  killed.kill();
  shut.kill(grove::FiberExit(grove::ExitReason::shutdown()));
  grove::joinall(std::vector<grove::Fiber<>>{normal, thrower});
  EXPECT_EQ(normal.exit_reason(), grove::ExitReason::normal());
  EXPECT_EQ(thrower.exit_reason().kind(), Kind::exception);
  EXPECT_EQ(thrower.exit_reason().exception(), thrower.exception());
  EXPECT_EQ(killed.exit_reason(), grove::ExitReason::killed());
  EXPECT_EQ(shut.exit_reason(), grove::ExitReason::shutdown());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// ---------------------------------------------------------------- links

TEST_F(LinksTest, LinkedFiberDyingNormallyLeavesPartnerAlone) {
  grove::Event release;
  auto a = grove::spawn([] { grove::this_fiber::sleep(10ms); });
  auto b = parked(release);
  grove::link(a, b);
  a.join();
  grove::this_fiber::sleep(10ms);
  EXPECT_EQ(a.exit_reason(), grove::ExitReason::normal());
  EXPECT_FALSE(b.dead());
  release.set();
  EXPECT_EQ(b.get(), "done");
  EXPECT_EQ(b.exit_reason(), grove::ExitReason::normal());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(LinksTest, LinkedFiberThrowingKillsPartnerWithSameException) {
  grove::Event release;
  bool b_unwound = false;
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(10ms);
    throw Boom();
  });
  auto b = parked(release, &b_unwound);
  grove::link(a, b);
  b.join();
  EXPECT_TRUE(a.dead());
  EXPECT_TRUE(b.dead());
  EXPECT_TRUE(b_unwound);
  ASSERT_EQ(a.exit_reason().kind(), Kind::exception);
  EXPECT_EQ(b.exit_reason().kind(), Kind::exception);
  EXPECT_EQ(b.exit_reason().exception(), a.exception());  // the very same exception object
  EXPECT_EQ(b.exit_reason(), a.exit_reason());
  EXPECT_THROW(b.value(), grove::UsageError);  // b never returned
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(LinksTest, LinkedFiberKilledKillsPartner) {
  grove::Event release;
  auto a = parked(release);
  auto b = parked(release);
  grove::link(a, b);
  grove::this_fiber::yield();
  a.kill();
  b.join();
  EXPECT_EQ(a.exit_reason(), grove::ExitReason::killed());
  EXPECT_EQ(b.exit_reason(), grove::ExitReason::killed());
}

TEST_F(LinksTest, LinkedFiberShutdownPropagatesShutdown) {
  grove::Event release;
  auto a = parked(release);
  auto b = parked(release);
  grove::link(b, a);  // either argument order links both ways
  grove::this_fiber::yield();
  a.kill(grove::FiberExit(grove::ExitReason::shutdown()));
  b.join();
  EXPECT_EQ(a.exit_reason(), grove::ExitReason::shutdown());
  EXPECT_EQ(b.exit_reason(), grove::ExitReason::shutdown());
}

TEST_F(LinksTest, LinkPropagatesFromEitherSide) {
  grove::Event release;
  auto a = parked(release);
  auto b = grove::spawn([] {
    grove::this_fiber::sleep(5ms);
    throw Boom();
  });
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::link(a, b);  // b (the second argument) is the one that dies
  a.join();
  EXPECT_EQ(a.exit_reason().kind(), Kind::exception);
  EXPECT_EQ(a.exit_reason().exception(), b.exception());
}

TEST_F(LinksTest, LinkedPartnerThatNeverStartedDiesWithoutRunning) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  bool b_ran = false;
  auto a = grove::spawn([]() { throw Boom(); });  // runs first (FIFO)
  auto b = grove::spawn([&] { b_ran = true; });   // still queued when a dies
  grove::link(a, b);
  a.join();
  EXPECT_TRUE(b.dead());
  EXPECT_EQ(b.exit_reason(), a.exit_reason());
  grove::this_fiber::sleep(5ms);
  EXPECT_FALSE(b_ran);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// Same, with a spawn_later() partner still waiting for its start timer.
TEST_F(LinksTest, LinkedSpawnLaterPartnerDiesWithoutRunning) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  bool b_ran = false;
  auto a = grove::spawn([]() { throw Boom(); });
  auto b = grove::spawn_later(50ms, [&] { b_ran = true; });
  grove::link(a, b);
  a.join();
  EXPECT_TRUE(b.dead());
  EXPECT_EQ(b.exit_reason(), a.exit_reason());
  grove::this_fiber::sleep(70ms);
  EXPECT_FALSE(b_ran);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(LinksTest, UnlinkStopsPropagation) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::Event release;
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(10ms);
    throw Boom();
  });
  auto b = parked(release);
  grove::link(a, b);
  grove::unlink(b, a);  // either order
  a.join();
  grove::this_fiber::sleep(5ms);
  EXPECT_FALSE(b.dead());
  release.set();
  EXPECT_EQ(b.get(), "done");
  EXPECT_EQ(b.exit_reason(), grove::ExitReason::normal());
}

TEST_F(LinksTest, UnlinkOfUnlinkedFibersIsANoOp) {
  grove::Event release;
  auto a = parked(release);
  auto b = parked(release);
  EXPECT_NO_THROW(grove::unlink(a, b));
  release.set();
  grove::joinall(std::vector<grove::Fiber<>>{a, b});
  EXPECT_NO_THROW(grove::unlink(a, b));
}

TEST_F(LinksTest, LinkingTwiceDeliversOnce) {
  grove::Event release;
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(10ms);
    throw Boom();
  });
  auto b = parked(release);
  std::vector<grove::ExitSignal> got;
  grove::trap_exits(b, [&](const grove::ExitSignal& s) { got.push_back(s); });
  grove::link(a, b);
  grove::link(a, b);
  grove::link(b, a);
  a.join();
  grove::this_fiber::sleep(5ms);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_FALSE(b.dead());
  release.set();
  b.join();
}

TEST_F(LinksTest, LinkToSelfIsAUsageError) {
  grove::Event release;
  auto a = parked(release);
  EXPECT_THROW(grove::link(a, a), grove::UsageError);
  EXPECT_THROW(grove::link(a, grove::Fiber<>()), grove::UsageError);
  release.set();
  a.join();
}

// ----------------------------------------------------------- trap_exits

enum class HowItEnds { normal, exception, killed, shutdown };

std::string how_name(const ::testing::TestParamInfo<HowItEnds>& info) {
  switch (info.param) {
    case HowItEnds::normal: return "Normal";
    case HowItEnds::exception: return "Exception";
    case HowItEnds::killed: return "Killed";
    case HowItEnds::shutdown: return "Shutdown";
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
      case HowItEnds::normal: return Kind::normal;
      case HowItEnds::exception: return Kind::exception;
      case HowItEnds::killed: return Kind::killed;
      case HowItEnds::shutdown: return Kind::shutdown;
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

// --------------------------------------------------------------- monitors

TEST_F(LinksTest, MonitorDeliversDownOnNormalExit) {
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(5ms);
    return 3;
  });
  std::vector<grove::Down> downs;
  auto id = grove::monitor(a, [&](const grove::Down& d) { downs.push_back(d); });
  EXPECT_TRUE(downs.empty());
  a.join();
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_EQ(downs[0].fiber, a);
  EXPECT_EQ(downs[0].reason, grove::ExitReason::normal());
  EXPECT_EQ(downs[0].monitor_id, id);
}

TEST_F(LinksTest, MonitorDeliversDownOnAbnormalExitWithoutAffectingMonitor) {
  grove::Event release;
  std::vector<grove::Down> downs;
  auto watcher = grove::spawn([&] {
    release.wait();
    return downs.size();
  });
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(5ms);
    throw Boom();
  });
  auto b = parked(release);
  auto c = parked(release);
  auto ida = grove::monitor(a, [&](const grove::Down& d) { downs.push_back(d); });
  auto idb = grove::monitor(b, [&](const grove::Down& d) { downs.push_back(d); });
  auto idc = grove::monitor(c, [&](const grove::Down& d) { downs.push_back(d); });
  grove::this_fiber::yield();
  a.join();
  b.kill();
  c.kill(grove::FiberExit(grove::ExitReason::shutdown()));
  ASSERT_EQ(downs.size(), 3u);
  EXPECT_EQ(downs[0].fiber, a);
  EXPECT_EQ(downs[0].reason.kind(), Kind::exception);
  EXPECT_EQ(downs[0].reason.exception(), a.exception());
  EXPECT_EQ(downs[0].monitor_id, ida);
  EXPECT_EQ(downs[1].fiber, b);
  EXPECT_EQ(downs[1].reason, grove::ExitReason::killed());
  EXPECT_EQ(downs[1].monitor_id, idb);
  EXPECT_EQ(downs[2].fiber, c);
  EXPECT_EQ(downs[2].reason, grove::ExitReason::shutdown());
  EXPECT_EQ(downs[2].monitor_id, idc);
  // The monitoring side (main, and the watcher) is unaffected.
  EXPECT_FALSE(watcher.dead());
  release.set();
  EXPECT_EQ(watcher.get(), 3u);
  EXPECT_EQ(watcher.exit_reason(), grove::ExitReason::normal());
}

TEST_F(LinksTest, MonitorFromSpawnedFiberDoesNotKillIt) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto target = grove::spawn([] {
    grove::this_fiber::sleep(10ms);
    throw Boom();
  });
  auto watcher = grove::spawn([&] {
    grove::Event down;
    grove::ExitReason seen;
    grove::monitor(target, [&](const grove::Down& d) {
      seen = d.reason;
      down.set();
    });
    down.wait();
    grove::this_fiber::sleep(5ms);  // still alive after the Down
    return seen;
  });
  auto seen = watcher.get();
  EXPECT_EQ(seen.kind(), Kind::exception);
  EXPECT_EQ(seen.exception(), target.exception());
  EXPECT_EQ(watcher.exit_reason(), grove::ExitReason::normal());
}

TEST_F(LinksTest, SeveralMonitorsGetDistinctIds) {
  auto a = grove::spawn([] { grove::this_fiber::sleep(5ms); });
  std::vector<grove::MonitorId> ids;
  auto m1 = grove::monitor(a, [&](const grove::Down& d) { ids.push_back(d.monitor_id); });
  auto m2 = grove::monitor(a, [&](const grove::Down& d) { ids.push_back(d.monitor_id); });
  EXPECT_NE(m1, m2);
  a.join();
  EXPECT_EQ(ids, (std::vector<grove::MonitorId>{m1, m2}));  // oldest first
}

TEST_F(LinksTest, DemonitorCancels) {
  auto a = grove::spawn([] { grove::this_fiber::sleep(5ms); });
  int calls = 0;
  auto id = grove::monitor(a, [&](const grove::Down&) { ++calls; });
  EXPECT_TRUE(grove::demonitor(a, id));
  EXPECT_FALSE(grove::demonitor(a, id));  // already gone
  a.join();
  grove::this_fiber::sleep(2ms);
  EXPECT_EQ(calls, 0);
}

TEST_F(LinksTest, MonitorOfDeadFiberFiresAtOnce) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto a = grove::spawn([]() -> int { throw Boom(); });
  a.join();
  std::vector<grove::Down> downs;
  auto id = grove::monitor(a, [&](const grove::Down& d) { downs.push_back(d); });
  ASSERT_EQ(downs.size(), 1u);  // inside monitor()
  EXPECT_EQ(downs[0].fiber, a);
  EXPECT_EQ(downs[0].monitor_id, id);
  EXPECT_EQ(downs[0].reason.exception(), a.exception());
  EXPECT_FALSE(grove::demonitor(a, id));
}

TEST_F(LinksTest, MonitorWithEmptyHandlerIsAUsageError) {
  auto a = grove::spawn([] {});
  EXPECT_THROW(grove::monitor(a, nullptr), grove::UsageError);
  a.join();
}

TEST_F(LinksTest, MonitorSeesReasonOfFiberKilledByLink) {
  grove::Event release;
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(5ms);
    throw Boom();
  });
  auto b = parked(release);
  grove::link(a, b);
  grove::ExitReason seen;
  grove::monitor(b, [&](const grove::Down& d) { seen = d.reason; });
  b.join();
  EXPECT_EQ(seen.kind(), Kind::exception);
  EXPECT_EQ(seen.exception(), a.exception());
}

// ------------------------------------------------------ unhandled reports

TEST_F(LinksTest, UnlinkedFailureIsLoggedAsControl) {
  CaptureLog log;
  auto a = grove::spawn([] { throw Boom(); });
  grove::this_fiber::sleep(5ms);
  EXPECT_TRUE(a.dead());
  auto text = log.text();
  EXPECT_NE(text.find("unhandled"), std::string::npos) << text;
  EXPECT_NE(text.find("boom"), std::string::npos) << text;
}

TEST_F(LinksTest, LinkedAbnormalDeathIsNotReportedAsUnhandled) {
  CaptureLog log;
  grove::Event release;
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(5ms);
    throw Boom();
  });
  auto b = parked(release);
  auto c = parked(release);
  grove::link(a, b);
  grove::link(b, c);
  grove::this_fiber::sleep(20ms);  // nobody joins a, b or c
  EXPECT_TRUE(a.dead());
  EXPECT_TRUE(b.dead());
  EXPECT_TRUE(c.dead());
  EXPECT_EQ(log.text(), "");
}

TEST_F(LinksTest, TrappedAndMonitoredFailuresAreNotReportedAsUnhandled) {
  CaptureLog log;
  grove::Event release;
  auto a = grove::spawn([] {
    grove::this_fiber::sleep(5ms);
    throw Boom();
  });
  auto b = parked(release);
  grove::trap_exits(b, [](const grove::ExitSignal&) {});
  grove::link(a, b);
  auto m = grove::spawn([] {
    grove::this_fiber::sleep(5ms);
    throw Boom();
  });
  grove::monitor(m, [](const grove::Down&) {});
  grove::this_fiber::sleep(20ms);
  EXPECT_TRUE(a.dead());
  EXPECT_TRUE(m.dead());
  EXPECT_FALSE(b.dead());
  EXPECT_EQ(log.text(), "");
  release.set();
  b.join();
}

TEST_F(LinksTest, UnhandledPolicyIgnoreLogsNothing) {
  CaptureLog log;
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  EXPECT_EQ(grove::hub().unhandled_policy(), grove::UnhandledPolicy::ignore);
  auto a = grove::spawn([] { throw Boom(); });
  grove::this_fiber::sleep(5ms);
  EXPECT_TRUE(a.dead());
  EXPECT_EQ(log.text(), "");
}

TEST_F(LinksTest, ExitSignalFromHandleOutlivesTheFiber) {
  grove::Event release;
  grove::Fiber<> from;
  auto b = parked(release);
  grove::trap_exits(b, [&](const grove::ExitSignal& s) { from = s.from; });
  {
    auto a = grove::spawn([] { return 1; });
    grove::link(a, b);
    a.join();
  }
  ASSERT_TRUE(static_cast<bool>(from));
  EXPECT_TRUE(from.dead());
  EXPECT_EQ(from.exit_reason(), grove::ExitReason::normal());
  release.set();
  b.join();
}

}  // namespace
