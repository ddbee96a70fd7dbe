// links_monitors_test.cpp — monitors (Down messages) and which failures are reported as unhandled.

#include "links_test_support.hpp"

namespace {

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

// An exit travels along links one fiber at a time: a's death queues b's kill,
// b's death queues c's. The chain has ended once the hub is idle, not after
// some wall-clock sleep (on a loaded machine a's timer and the sleeper's fire
// in one loop iteration and the sleeper runs before b and c die): so these
// run on virtual time, and release is set before the test's locals go, so a
// failed check never leaves a fiber parked on a destroyed Event.
TEST_F(LinksTest, LinkedAbnormalDeathIsNotReportedAsUnhandled) {
  grove::test::SimulatedHub sim;
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
  sim.run_until_idle();  // nobody joins a, b or c
  EXPECT_EQ(sim.elapsed(), 5ms);
  EXPECT_TRUE(a.dead());
  EXPECT_TRUE(b.dead());
  EXPECT_TRUE(c.dead());
  EXPECT_EQ(c.exit_reason().exception(), a.exception()) << "c dies of a's reason, through b";
  EXPECT_TRUE(sim.take_unhandled().empty());
  EXPECT_EQ(log.text(), "");
  release.set();
  sim.run_until_idle();
}

TEST_F(LinksTest, TrappedAndMonitoredFailuresAreNotReportedAsUnhandled) {
  grove::test::SimulatedHub sim;
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
  sim.run_until_idle();
  EXPECT_TRUE(a.dead());
  EXPECT_TRUE(m.dead());
  EXPECT_FALSE(b.dead());
  EXPECT_TRUE(sim.take_unhandled().empty());
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
