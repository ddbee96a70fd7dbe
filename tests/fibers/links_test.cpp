// links_test.cpp — exit reasons and Erlang links between fibers.

#include "links_test_support.hpp"

namespace {

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
  EXPECT_THROW((void)b.value(), grove::UsageError);  // b never returned
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

}  // namespace
