// hub_lifecycle_test.cpp — the hub: LoopExit, shutdown, and scale.

#include "hub_test_support.hpp"
#include "simulated_hub.hpp"

// ------------------------------------------------------------- LoopExit

TEST_F(HubTest, JoiningAFiberBlockedForeverThrowsLoopExitNamingIt) {
  grove::test::SimulatedHub sim;
  grove::Event never;
  auto f = grove::spawn([&] { never.wait(); });
  f.set_name("stuck-worker");
  try {
    f.join();
    FAIL() << "join() returned although the fiber can never finish";
  } catch (const grove::LoopExit& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("stuck-worker"), std::string::npos) << what;
    EXPECT_NE(what.find("Event::wait"), std::string::npos) << what;
    EXPECT_NE(what.find("stuck-worker waits on Event::wait"), std::string::npos) << what;
    EXPECT_NE(what.find("main waits on join"), std::string::npos) << what;
  }
  EXPECT_EQ(sim.elapsed(), 0ms);  // raised at once, not after some watchdog
  // The hub is still usable: releasing the fiber lets the join succeed.
  EXPECT_FALSE(f.dead());
  never.set();
  f.join();
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, MainWaitingOnAnEventNobodySetsThrowsLoopExit) {
  grove::Event ev;
  try {
    ev.wait();
    FAIL() << "Event::wait returned although nobody can set the event";
  } catch (const grove::LoopExit& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("main waits on Event::wait"), std::string::npos) << what;
  }
  // Still usable afterwards.
  auto setter = grove::spawn([&] { ev.set(); });
  EXPECT_TRUE(ev.wait());
  setter.join();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, NoLoopExitWhileATimerIsPending) {
  grove::Event ev;
  auto setter = grove::spawn([&] {
    grove::this_fiber::sleep(20ms);
    ev.set();
  });
  EXPECT_NO_THROW(ev.wait());
  setter.join();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// ------------------------------------------------------------- shutdown

TEST_F(HubTest, ShutdownKillsLiveFibersRunningTheirDestructors) {
  grove::test::SimulatedHub sim;
  bool sleeper_unwound = false;
  bool waiter_unwound = false;
  bool never_started_ran = false;
  grove::Event ev;
  auto sleeper = grove::spawn([&] {
    SetOnDestroy guard{&sleeper_unwound};
    grove::this_fiber::sleep(10s);
  });
  auto waiter = grove::spawn([&] {
    SetOnDestroy guard{&waiter_unwound};
    ev.wait();
  });
  grove::this_fiber::yield();  // both are now blocked
  auto never_started = grove::spawn([&] { never_started_ran = true; });
  EXPECT_EQ(grove::hub().fiber_count(), 3u);

  grove::hub().shutdown();
  EXPECT_EQ(sim.elapsed(), 0ms);  // cooperative fibers: no grace period used

  EXPECT_TRUE(sleeper_unwound);
  EXPECT_TRUE(waiter_unwound);
  EXPECT_FALSE(never_started_ran);
  EXPECT_TRUE(grove::hub().is_shut_down());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  for (auto* f : {&sleeper, &waiter, &never_started}) {
    EXPECT_TRUE(f->dead());
    EXPECT_TRUE(f->successful());  // FiberExit ends a fiber successfully
    EXPECT_EQ(f->exit_reason().kind(), grove::ExitReason::Kind::shutdown);
  }
  EXPECT_THROW(grove::spawn([] {}), grove::UsageError);
  EXPECT_THROW(grove::spawn_later(1ms, [] {}), grove::UsageError);
}

TEST_F(HubTest, DestroyCurrentUnwindsLiveFibers) {
  bool unwound = false;
  grove::spawn([&] {
    SetOnDestroy guard{&unwound};
    grove::this_fiber::sleep(10s);
  });
  grove::this_fiber::yield();
  EXPECT_FALSE(unwound);
  grove::Hub::destroy_current();
  EXPECT_TRUE(unwound);
}

TEST_F(HubTest, DestroyCurrentForceUnwindsAFiberThatIgnoresFiberExit) {
  bool unwound = false;
  int ignored = 0;
  grove::spawn([&] {
    SetOnDestroy guard{&unwound};
    grove::Event never;
    for (;;) {
      try {
        never.wait();
      } catch (const grove::FiberExit&) {
        ++ignored;  // refuses to die
      }
    }
  });
  grove::this_fiber::yield();
  grove::hub().shutdown();
  EXPECT_GE(ignored, 1);
  EXPECT_FALSE(unwound);
  EXPECT_EQ(grove::hub().fiber_count(), 1u);  // shutdown() gave up on it
  const auto start = std::chrono::steady_clock::now();
  grove::Hub::destroy_current();  // unwinds it by force
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_TRUE(unwound);
}

// ----------------------------------------------------------------- scale

TEST_F(HubTest, HundredThousandFibersAliveAtOnce) {
  constexpr std::size_t kFibers = 100000;
  grove::Hub::create(grove::HubConfig{});
  grove::Event go;
  std::size_t woke = 0;
  std::vector<grove::Fiber<>> fibers;
  fibers.reserve(kFibers);
  for (std::size_t i = 0; i < kFibers; ++i)
    fibers.push_back(grove::spawn([&] {
      go.wait();
      ++woke;
    }));
  grove::this_fiber::yield();  // every fiber runs once and blocks on `go`
  EXPECT_EQ(grove::hub().fiber_count(), kFibers);
  EXPECT_GE(grove::hub().stacks_allocated(), kFibers);
  EXPECT_EQ(woke, 0u);
  go.set();
  auto done = grove::joinall(fibers);
  EXPECT_EQ(done.size(), kFibers);
  EXPECT_EQ(woke, kFibers);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, FiberCanRecurseUsingSeveralKilobytesOfStack) {
  auto f = grove::spawn([] { return recurse(32); });  // >= 8 KiB
  EXPECT_EQ(f.get(), 32);
  auto g = grove::spawn([] { return recurse(128); });  // >= 32 KiB, within the 64 KiB default
  EXPECT_EQ(g.get(), 128);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}
