// fiber_create_test.cpp — unstarted fibers: create(), start(), start_later(), killing and joining one before
// it starts (gevent's Greenlet(fn) / start / start_later), and spawn_raw().

#include "fiber_test_support.hpp"

#include <grove/group.hpp>

#include "simulated_hub.hpp"

#include <type_traits>

// ------------------------------------------------------------ create/start

TEST_F(FiberTest, CreatedFiberDoesNotRunUntilStarted) {
  int runs = 0;
  auto f = grove::create(
      [&](int x) {
        ++runs;
        return x * 2;
      },
      21);
  static_assert(std::is_same_v<decltype(f), grove::Fiber<int>>);
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(runs, 0);
  EXPECT_FALSE(f.started());
  EXPECT_FALSE(f.ready());
  EXPECT_EQ(grove::hub().fiber_count(), 1u);
  EXPECT_NE(grove::hub().describe_fibers().find(f.name() + " has not started"), std::string::npos);
  f.start();
  EXPECT_TRUE(f.started());
  EXPECT_EQ(runs, 0);  // scheduled, as spawn() would: it runs when main blocks
  EXPECT_EQ(f.get(), 42);
  EXPECT_EQ(runs, 1);
}

TEST_F(FiberTest, FiberCreateIsGroveCreate) {
  auto f = grove::Fiber<>::create([](const std::string& s) { return s + "!"; }, std::string("hi"));
  static_assert(std::is_same_v<decltype(f), grove::Fiber<std::string>>);
  EXPECT_FALSE(f.started());
  f.start();
  EXPECT_EQ(f.get(), "hi!");
}

TEST_F(FiberTest, StartTwiceRunsOnceAndStartingAStartedOrDeadFiberDoesNothing) {
  int runs = 0;
  auto f = grove::create([&] { ++runs; });
  f.start();
  f.start();
  f.start_later(5ms);  // already scheduled: ignored (no second run, no timer)
  EXPECT_EQ(grove::hub().timer_count(), 0u);
  f.join();
  f.start();
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(runs, 1);
  auto spawned = grove::spawn([&] { ++runs; });
  spawned.start();
  spawned.join();
  EXPECT_EQ(runs, 2);
}

TEST_F(FiberTest, StartLaterRunsOnceTheDelayHasPassedOnVirtualTime) {
  grove::test::SimulatedHub sim;
  grove::TimePoint ran_at{};
  auto f = grove::create([&] { ran_at = grove::hub().now(); });
  sim.advance(10ms);  // creating did not start anything
  EXPECT_FALSE(f.started());
  const auto t0 = sim.now();
  f.start_later(50ms);
  EXPECT_TRUE(f.started());
  sim.advance(49ms);
  EXPECT_FALSE(f.ready());
  f.join();
  EXPECT_EQ(ran_at - t0, 50ms);
}

TEST_F(FiberTest, StartLaterTimerKeepsTheHubBusyAsGeventsDoes) {
  grove::test::SimulatedHub sim;
  bool ran = false;
  auto f = grove::create([&] { ran = true; });
  const auto t0 = sim.now();
  f.start_later(30ms);
  grove::hub().run();  // does not return while the start is pending
  EXPECT_TRUE(ran);
  EXPECT_EQ(sim.now() - t0, 30ms);
  EXPECT_TRUE(f.ready());
}

TEST_F(FiberTest, NegativeStartLaterDelayIsAUsageError) {
  auto f = grove::create([] {});
  EXPECT_THROW(f.start_later(-1ms), grove::UsageError);
  EXPECT_FALSE(f.started());
  f.kill();
}

TEST_F(FiberTest, KillingAnUnstartedFiberMeansItNeverRuns) {
  bool ran = false;
  auto f = grove::create([&] { ran = true; });
  f.kill();
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.exit_reason(), grove::ExitReason::killed());
  f.start();  // dead: nothing to start
  grove::this_fiber::sleep(1ms);
  EXPECT_FALSE(ran);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, KillingAFiberWaitingForStartLaterCancelsItsTimer) {
  bool ran = false;
  auto f = grove::create([&] { ran = true; });
  f.start_later(1h);
  EXPECT_EQ(grove::hub().timer_count(), 1u);
  f.kill();
  EXPECT_EQ(grove::hub().timer_count(), 0u);
  grove::hub().run();
  EXPECT_FALSE(ran);
}

TEST_F(FiberTest, JoiningAnUnstartedFiberWaitsUntilSomeoneStartsIt) {
  grove::test::SimulatedHub sim;
  std::vector<std::string> order;
  auto f = grove::create([&] { order.push_back("worker"); });
  auto starter = grove::spawn([&] {
    grove::this_fiber::sleep(20ms);
    order.push_back("starter");
    f.start();
  });
  f.join();
  order.push_back("joined");
  EXPECT_EQ(order, (std::vector<std::string>{"starter", "worker", "joined"}));
  EXPECT_EQ(sim.elapsed(), 20ms);
  starter.join();
}

TEST_F(FiberTest, JoiningAnUnstartedFiberThatNothingCanStartIsLoopExit) {
  auto f = grove::create([] {});
  EXPECT_THROW(f.join(), grove::LoopExit);
  try {
    f.join();
  } catch (const grove::LoopExit& e) {
    EXPECT_NE(std::string(e.what()).find("main waits on join"), std::string::npos) << e.what();
  }
  f.kill();
}

TEST_F(FiberTest, HubDestructionKillsAnUnstartedFiberWithoutRunningIt) {
  bool ran = false;
  grove::Fiber<> f = grove::create([&] { ran = true; });
  grove::Hub::destroy_current();
  EXPECT_TRUE(f.dead());
  EXPECT_FALSE(ran);
}

// ----------------------------------------------------------- Group::start

TEST_F(FiberTest, GroupStartAddsAnUnstartedFiberThenStartsIt) {
  grove::Group group;
  int runs = 0;
  auto f = grove::create([&] { ++runs; });
  group.start(f);
  EXPECT_TRUE(f.started());
  EXPECT_TRUE(group.contains(f));
  group.join();
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(group.empty());
}

TEST_F(FiberTest, GroupAddThenStartTracksTheFiberFromBeforeItRuns) {
  grove::Group group;
  auto f = grove::create([] { grove::this_fiber::sleep(1ms); });
  group.add(f);
  EXPECT_EQ(group.size(), 1u);
  EXPECT_FALSE(f.started());
  group.kill();  // kills the unstarted member: it leaves the group never having run
  EXPECT_TRUE(group.empty());
  EXPECT_TRUE(f.dead());
}

// -------------------------------------------------------------- spawn_raw

TEST_F(FiberTest, SpawnRawRunsTheCallAndReturnsNothing) {
  static_assert(std::is_void_v<decltype(grove::spawn_raw([] { return 1; }))>);
  int sum = 0;
  grove::spawn_raw([&](int a, int b) { sum = a + b; }, 2, 3);
  EXPECT_EQ(sum, 0);  // scheduled FIFO, like spawn()
  grove::hub().run();
  EXPECT_EQ(sum, 5);
}

TEST_F(FiberTest, SpawnRawFailureGoesToTheHubsUnhandledHandler) {
  std::vector<std::string> reported;
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::hub().set_unhandled_handler(
      [&](const std::string& name, std::exception_ptr e) { reported.push_back(name + ": " + what_of(e)); });
  grove::spawn_raw([] { throw Custom("raw failure"); });
  grove::hub().run();
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_NE(reported[0].find("raw failure"), std::string::npos) << reported[0];
}

// grove/source_site.hpp: a default argument records its caller's site.
grove::SourceSite site_of_caller(grove::SourceSite site = grove::SourceSite::current()) { return site; }

TEST(SourceSiteTest, CurrentAsADefaultArgumentNamesTheCallersFileLineAndFunction) {
  const unsigned line = __LINE__ + 1;
  const grove::SourceSite site = site_of_caller();
  EXPECT_EQ(site.line(), line);
  EXPECT_NE(std::string(site.file_name()).find("fiber_create_test.cpp"), std::string::npos) << site.file_name();
  EXPECT_NE(std::string(site.function_name()).find("TestBody"), std::string::npos) << site.function_name();
  const grove::SourceSite unknown;
  EXPECT_STREQ(unknown.file_name(), "");
  EXPECT_EQ(unknown.line(), 0u);
}
