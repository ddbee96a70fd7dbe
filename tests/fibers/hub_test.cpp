// hub_test.cpp — the hub: creation and configuration, Asio integration, run(), fiber counting, pooled stacks.

#include "hub_test_support.hpp"
#include "simulated_hub.hpp"

// --------------------------------------------------------------- creation

TEST_F(HubTest, HubIsCreatedOnFirstUseAndIsTheSameObjectAfterwards) {
  EXPECT_FALSE(grove::Hub::exists());
  grove::Hub& first = grove::hub();
  EXPECT_TRUE(grove::Hub::exists());
  grove::Hub& second = grove::hub();
  EXPECT_EQ(&first, &second);
  // Default configuration.
  EXPECT_EQ(first.config().stack_size, grove::default_stack_size);
  EXPECT_TRUE(first.config().guard_pages);
  EXPECT_EQ(first.unhandled_policy(), grove::UnhandledPolicy::log);
  EXPECT_FALSE(first.is_shut_down());
  EXPECT_EQ(first.fiber_count(), 0u);
}

TEST_F(HubTest, DestroyCurrentMakesTheNextCallCreateAFreshHub) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::Hub::destroy_current();
  EXPECT_FALSE(grove::Hub::exists());
  // A fresh hub starts from the defaults again.
  EXPECT_EQ(grove::hub().unhandled_policy(), grove::UnhandledPolicy::log);
  grove::Hub::destroy_current();
  grove::Hub::destroy_current();  // no hub: a no-op
  EXPECT_FALSE(grove::Hub::exists());
}

TEST_F(HubTest, CreateWithConfigAppliesIt) {
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  grove::HubConfig cfg;
  cfg.stack_size = 128 * 1024 + 100;  // rounded up to whole pages
  cfg.guard_pages = false;
  cfg.unhandled = grove::UnhandledPolicy::ignore;
  grove::Hub& h = grove::Hub::create(cfg);
  EXPECT_EQ(&h, &grove::hub());
  EXPECT_EQ(h.config().stack_size, 128u * 1024 + 100);
  EXPECT_FALSE(h.config().guard_pages);
  EXPECT_EQ(h.unhandled_policy(), grove::UnhandledPolicy::ignore);
  EXPECT_EQ(h.stack_size(), (128 * 1024 + 100 + page - 1) / page * page);

  // Deep recursion that needs most of the 128 KiB stack works.
  auto f = grove::spawn([] { return recurse(200); });  // ~60 KiB
  EXPECT_EQ(f.get(), 200);
  EXPECT_EQ(h.stacks_guarded(), 0u);  // guard_pages = false

  h.set_unhandled_policy(grove::UnhandledPolicy::log);
  EXPECT_EQ(h.unhandled_policy(), grove::UnhandledPolicy::log);
  EXPECT_EQ(h.fiber_count(), 0u);
}

TEST_F(HubTest, DefaultHubPutsGuardPagesUnderStacks) {
  auto f = grove::spawn([] { return 1; });
  EXPECT_EQ(f.get(), 1);
  EXPECT_GT(grove::hub().stacks_guarded(), 0u);
}

// A fiber that overflows its stack dies on the guard page below it (a
// SIGSEGV, or ASan's stack-overflow report) instead of writing on.
static int deep(int n) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(n);
  return n > 0 ? deep(n + 1) + frame[0] : 0;
}

TEST(HubStackDeathTest, StackOverflowFaultsOnTheGuardPage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        grove::HubConfig cfg;
        cfg.stack_size = 64 * 1024;
        grove::Hub::create(cfg);
        auto f = grove::spawn([] { return deep(1); });  // far more than 64 KiB of frames
        (void)f.get();
      },
      "");
}

TEST_F(HubTest, CreateThrowsUsageErrorWhenTheThreadAlreadyHasAHub) {
  grove::Hub& h = grove::hub();
  try {
    grove::Hub::create();
    FAIL() << "create() succeeded although a hub exists";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("already has a hub"), std::string::npos) << e.what();
  }
  boost::asio::io_context io;
  EXPECT_THROW(grove::Hub::create(io), grove::UsageError);
  // The existing hub is untouched.
  EXPECT_EQ(&grove::hub(), &h);
  EXPECT_NE(&grove::hub().io_context(), &io);
}

TEST_F(HubTest, CreateThrowsAfterAnImplicitHubWasMadeBySpawn) {
  auto f = grove::spawn([] {});
  EXPECT_THROW(grove::Hub::create(), grove::UsageError);
  f.join();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, EachThreadHasItsOwnHub) {
  grove::Hub* mine = &grove::hub();
  grove::Hub* theirs = nullptr;
  bool existed_there = true;
  int value_there = 0;
  std::thread t([&] {
    existed_there = grove::Hub::exists();
    theirs = &grove::hub();
    value_there = grove::spawn([] { return 5; }).get();
    grove::Hub::destroy_current();
  });
  t.join();
  EXPECT_FALSE(existed_there);
  EXPECT_NE(theirs, nullptr);
  EXPECT_NE(theirs, mine);
  EXPECT_EQ(value_there, 5);
  EXPECT_EQ(&grove::hub(), mine);
}

// ----------------------------------------------------------------- Asio

TEST_F(HubTest, AdoptsAnExternalIoContextAndRunsPostedHandlersWhileMainSleeps) {
  boost::asio::io_context io;
  {
    grove::Hub& h = grove::Hub::create(io);
    EXPECT_EQ(&h.io_context(), &io);
    EXPECT_EQ(&grove::hub().io_context(), &io);

    bool ran = false;
    std::thread::id ran_on;
    grove::TimePoint ran_at{};
    boost::asio::post(io, [&] {
      ran = true;
      ran_on = std::this_thread::get_id();
      ran_at = grove::hub().now();
    });
    EXPECT_FALSE(ran);  // not run until the hub gets control
    const auto start = grove::hub().now();
    grove::this_fiber::sleep(30ms);
    const auto end = grove::hub().now();
    EXPECT_TRUE(ran);
    EXPECT_EQ(ran_on, std::this_thread::get_id());
    // It ran while main was asleep, not after (ran was checked when main woke).
    EXPECT_GE(ran_at, start);
    EXPECT_LE(ran_at, end);
    EXPECT_GE(end - start, 30ms);
  }
  grove::Hub::destroy_current();  // the adopted io_context must outlive the hub
  EXPECT_FALSE(grove::Hub::exists());
}

TEST_F(HubTest, AdoptedIoContextWorksAgainForAFreshHub) {
  boost::asio::io_context io;
  for (int round = 0; round < 2; ++round) {
    grove::Hub::create(io);
    int hits = 0;
    boost::asio::post(io, [&] { ++hits; });
    auto f = grove::spawn([] {
      grove::this_fiber::sleep(5ms);
      return 3;
    });
    EXPECT_EQ(f.get(), 3);
    EXPECT_EQ(hits, 1) << "round " << round;
    grove::Hub::destroy_current();
  }
}

TEST_F(HubTest, AsioSteadyTimerCompletesWhileMainIsBlockedInJoin) {
  grove::Event ev;
  bool fired_ok = false;
  boost::asio::steady_timer timer(grove::hub().io_context(), 40ms);
  timer.async_wait([&](const boost::system::error_code& ec) {
    fired_ok = !ec;
    ev.set();
  });
  auto f = grove::spawn([&] {
    ev.wait();
    return 7;
  });
  const auto start = std::chrono::steady_clock::now();
  f.join();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(fired_ok);
  EXPECT_EQ(f.get(), 7);
  EXPECT_GE(took, 35ms);
  EXPECT_LT(took, 500ms);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, RunReturnsWhenNothingIsLeftToDo) {
  int done = 0;
  bool handler_ran = false;
  for (int ms : {15, 5, 10}) {
    grove::spawn([&done, ms] {
      grove::this_fiber::sleep(std::chrono::milliseconds(ms));
      ++done;
    });
  }
  boost::asio::steady_timer timer(grove::hub().io_context(), 25ms);
  timer.async_wait([&](const boost::system::error_code& ec) { handler_ran = !ec; });
  const auto start = std::chrono::steady_clock::now();
  grove::hub().run();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(done, 3);
  EXPECT_TRUE(handler_ran);  // pending I/O counts as something to do
  EXPECT_GE(took, 20ms);
  EXPECT_LT(took, 500ms);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, RunWithNothingToDoReturnsAtOnce) {
  grove::test::SimulatedHub sim;
  grove::hub().run();
  EXPECT_EQ(sim.elapsed(), 0ms);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, RunLeavesFibersBlockedOnEachOtherBlockedInsteadOfThrowing) {
  grove::Event ev;
  bool passed = false;
  auto f = grove::spawn([&] {
    ev.wait();
    passed = true;
  });
  EXPECT_NO_THROW(grove::hub().run());
  EXPECT_FALSE(passed);
  EXPECT_FALSE(f.dead());
  EXPECT_EQ(grove::hub().fiber_count(), 1u);
  ev.set();
  grove::hub().run();
  EXPECT_TRUE(passed);
  EXPECT_TRUE(f.dead());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, RunCalledFromTwoFibersReturnsInBoth) {
  // run() "blocks the calling fiber until nothing is left to do"; when a
  // spawned fiber and main both call it, both must return once idle.
  bool fiber_returned = false;
  auto waiter = grove::spawn([&] {
    grove::hub().run();
    fiber_returned = true;
  });
  waiter.set_name("run-caller");
  grove::this_fiber::yield();  // the fiber is now blocked in run()
  grove::hub().run();          // main too; returns once idle
  EXPECT_NO_THROW(waiter.join()) << "the fiber's run() was never woken";
  EXPECT_TRUE(fiber_returned);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, FiberCountCountsSpawnedFibersUntilTheyDie) {
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  grove::Event ev;
  std::vector<grove::Fiber<>> fibers;
  for (int i = 0; i < 3; ++i) fibers.push_back(grove::spawn([&] { ev.wait(); }));
  EXPECT_EQ(grove::hub().fiber_count(), 3u);  // spawned, not yet started
  grove::this_fiber::yield();
  EXPECT_EQ(grove::hub().fiber_count(), 3u);  // started and blocked
  auto quick = grove::spawn([] {});
  EXPECT_EQ(grove::hub().fiber_count(), 4u);
  quick.join();
  EXPECT_EQ(grove::hub().fiber_count(), 3u);
  ev.set();
  grove::joinall(fibers);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  // A handle kept alive does not keep the fiber counted.
  EXPECT_TRUE(fibers[0].dead());
}

TEST_F(HubTest, StacksArePooledAcrossManySequentialSpawns) {
  long sum = 0;
  for (int i = 0; i < 10000; ++i) sum += grove::spawn([i] { return i; }).get();
  EXPECT_EQ(sum, 10000L * 9999 / 2);
  auto& h = grove::hub();
  EXPECT_GE(h.stacks_allocated(), 1u);
  EXPECT_LE(h.stacks_allocated(), 32u);
  // Every stack but (maybe) the hub's own is back in the pool.
  EXPECT_GE(h.stacks_idle() + 1, h.stacks_allocated());
  EXPECT_EQ(h.fiber_count(), 0u);
}
