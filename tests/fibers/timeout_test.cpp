// timeout_test.cpp — grove::Timeout scopes: where they fire, cancelling, deferred start, accessors, custom exceptions.
// Every test that depends on when a Timeout fires runs on virtual time
// (SimulatedHub), so a loaded machine cannot fire a deadline early or late.

#include "timeout_test_includes.hpp"

namespace {

// --------------------------------------------------------- firing points

TEST_F(TimeoutTest, FiresDuringSleep) {
  SimulatedHub sim;
  const auto t0 = sim.now();
  grove::Timeout t(40ms);
  EXPECT_TRUE(t.pending());
  EXPECT_FALSE(t.expired());
  try {
    grove::this_fiber::sleep(1s);
    FAIL() << "the Timeout did not fire";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == t);
    EXPECT_TRUE(e.expired());
    EXPECT_FALSE(e.pending());
    EXPECT_EQ(e.duration(), t.duration());
    EXPECT_STREQ(e.what(), t.what());
  }
  EXPECT_EQ(sim.now() - t0, 40ms);
  EXPECT_TRUE(t.expired());
  EXPECT_FALSE(t.pending());
  // It fired once: the next blocking call is not interrupted again.
  EXPECT_NO_THROW(grove::this_fiber::sleep(30ms));
  EXPECT_EQ(sim.now() - t0, 70ms);
}

TEST_F(TimeoutTest, FiresDuringJoinAndLeavesTheJoinedFiberRunning) {
  SimulatedHub sim;
  auto worker = grove::spawn([] {
    grove::this_fiber::sleep(80ms);
    return 5;
  });
  const auto t0 = sim.now();
  {
    grove::Timeout t(20ms);
    try {
      worker.join();
      FAIL() << "the Timeout did not fire during join";
    } catch (const grove::Timeout& e) {
      EXPECT_TRUE(e == t);
    }
  }
  EXPECT_EQ(sim.now() - t0, 20ms);
  EXPECT_FALSE(worker.dead()) << "a Timeout of the joiner must not touch the joined fiber";
  EXPECT_EQ(worker.get(), 5);
  EXPECT_EQ(worker.exit_reason(), grove::ExitReason::normal());
  EXPECT_EQ(sim.now() - t0, 80ms);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(TimeoutTest, FiresDuringJoinInsideSpawnedFiber) {
  SimulatedHub sim;
  auto worker = grove::spawn([] { grove::this_fiber::sleep(80ms); });
  auto joiner = grove::spawn([&] {
    grove::Timeout t(20ms);
    try {
      worker.join();
    } catch (const grove::Timeout& e) {
      return e == t;
    }
    return false;
  });
  EXPECT_TRUE(joiner.get());
  EXPECT_EQ(sim.elapsed(), 20ms);
  EXPECT_FALSE(worker.dead());
  worker.join();
  EXPECT_EQ(sim.elapsed(), 80ms);
  EXPECT_EQ(worker.exit_reason(), grove::ExitReason::normal());
}

TEST_F(TimeoutTest, FiresDuringEventWait) {
  SimulatedHub sim;
  grove::Event ev;
  grove::Timeout t(30ms);
  EXPECT_THROW(ev.wait(), grove::Timeout);
  EXPECT_EQ(sim.elapsed(), 30ms);
  EXPECT_TRUE(t.expired());
  // The interrupted waiter left the event's wait list: set() is harmless.
  ev.set();
  EXPECT_TRUE(ev.wait());
}

TEST_F(TimeoutTest, FiresDuringEventWaitWithLongerOwnTimeout) {
  SimulatedHub sim;
  grove::Event ev;
  grove::Timeout t(20ms);
  EXPECT_THROW((void)ev.wait(500ms), grove::Timeout);
  EXPECT_EQ(sim.elapsed(), 20ms);
  expect_no_timer_left();  // the wait's own 500 ms timer went with it
}

// ------------------------------------------------------------- cancelling

TEST_F(TimeoutTest, CancelledTimeoutNeverFires) {
  SimulatedHub sim;
  grove::Timeout t(20ms);
  EXPECT_TRUE(t.pending());
  t.cancel();
  EXPECT_FALSE(t.pending());
  EXPECT_NO_THROW(grove::this_fiber::sleep(60ms));  // well past the deadline
  EXPECT_FALSE(t.expired());
  t.cancel();  // twice is fine
  expect_no_timer_left();
}

TEST_F(TimeoutTest, ScopeExitCancels) {
  SimulatedHub sim;
  {
    grove::Timeout t(20ms);
    grove::this_fiber::sleep(5ms);
  }
  EXPECT_NO_THROW(grove::this_fiber::sleep(60ms));  // past the dead scope's deadline
  EXPECT_EQ(sim.elapsed(), 65ms);
  expect_no_timer_left();
}

TEST_F(TimeoutTest, ScopeExitCancelsInSpawnedFiber) {
  SimulatedHub sim;
  auto f = grove::spawn([] {
    {
      grove::Timeout t(20ms);
      grove::this_fiber::yield();
    }
    grove::this_fiber::sleep(60ms);
    return 1;
  });
  EXPECT_EQ(f.get(), 1);
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(sim.elapsed(), 60ms);
  expect_no_timer_left();
}

TEST_F(TimeoutTest, KilledFiberCancelsItsTimeout) {
  SimulatedHub sim;
  bool caught_timeout = false;
  auto victim = grove::spawn([&] {
    grove::Timeout t(40ms);
    try {
      grove::this_fiber::sleep(1h);
    } catch (const grove::Timeout&) {
      caught_timeout = true;
    }
  });
  grove::this_fiber::sleep(10ms);
  victim.kill();
  EXPECT_EQ(victim.exit_reason(), grove::ExitReason::killed());
  EXPECT_FALSE(caught_timeout);
  grove::this_fiber::sleep(60ms);  // past the dead scope's deadline: nothing fires
  expect_no_timer_left();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// --------------------------------------------------------- deferred, start

TEST_F(TimeoutTest, DeferredDoesNotFireUntilStart) {
  SimulatedHub sim;
  grove::Timeout t(30ms, grove::deferred);
  EXPECT_FALSE(t.pending());
  EXPECT_FALSE(t.expired());
  EXPECT_NO_THROW(grove::this_fiber::sleep(60ms));
  EXPECT_FALSE(t.expired());
  const auto t0 = sim.now();
  t.start();
  EXPECT_TRUE(t.pending());
  try {
    grove::this_fiber::sleep(1s);
    FAIL() << "the started Timeout did not fire";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == t);
  }
  EXPECT_EQ(sim.now() - t0, 30ms);
}

TEST_F(TimeoutTest, StartReArmsFromNow) {
  SimulatedHub sim;
  grove::Timeout t(50ms);
  grove::this_fiber::sleep(30ms);
  const auto restart = sim.now();
  t.start();  // the old deadline (20 ms from here) no longer applies
  EXPECT_TRUE(t.pending());
  try {
    grove::this_fiber::sleep(1s);
    FAIL() << "the re-armed Timeout did not fire";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == t);
  }
  EXPECT_EQ(sim.now() - restart, 50ms);
}

TEST_F(TimeoutTest, StartAfterFiringArmsAgain) {
  SimulatedHub sim;
  grove::Timeout t(20ms);
  EXPECT_THROW(grove::this_fiber::sleep(1s), grove::Timeout);
  EXPECT_TRUE(t.expired());
  t.start();
  EXPECT_TRUE(t.pending());
  EXPECT_FALSE(t.expired());
  const auto t0 = sim.now();
  EXPECT_THROW(grove::this_fiber::sleep(1s), grove::Timeout);
  EXPECT_EQ(sim.now() - t0, 20ms);
  EXPECT_TRUE(t.expired());
}

TEST_F(TimeoutTest, ThrownCopyCannotBeStarted) {
  SimulatedHub sim;
  grove::Timeout t(10ms);
  try {
    grove::this_fiber::sleep(1s);
  } catch (grove::Timeout& e) {
    EXPECT_THROW(e.start(), grove::UsageError);
    EXPECT_NO_THROW(e.cancel());
    EXPECT_TRUE(e == t);
  }
}

// -------------------------------------------------------------- accessors

TEST_F(TimeoutTest, AccessorsAndWhat) {
  grove::Timeout a(50ms, grove::deferred);
  EXPECT_EQ(a.duration(), grove::Duration(50ms));
  EXPECT_STREQ(a.what(), "grove::Timeout: 50ms elapsed");
  grove::Timeout b(2s, grove::deferred);
  EXPECT_STREQ(b.what(), "grove::Timeout: 2s elapsed");
  grove::Timeout c(1500us, grove::deferred);
  EXPECT_STREQ(c.what(), "grove::Timeout: 1500us elapsed");
  grove::Timeout never(std::chrono::hours::max(), grove::deferred);
  EXPECT_STREQ(never.what(), "grove::Timeout (never)");
  EXPECT_EQ(never.duration(), grove::Duration::max());
  grove::Timeout d(0.25 * 1s, grove::deferred);  // floating-point durations
  EXPECT_EQ(d.duration(), grove::Duration(250ms));

  EXPECT_NE(a.id(), b.id());
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(a == a);
  const grove::TimeoutError& as_timeout = a;  // an Interrupt, not a std::exception
  EXPECT_STREQ(as_timeout.what(), "grove::Timeout: 50ms elapsed");
}

TEST_F(TimeoutTest, BadDurationsAreUsageErrors) {
  EXPECT_THROW(grove::Timeout(-1ms), grove::UsageError);
  EXPECT_THROW(grove::Timeout(std::chrono::duration<double>(std::nan("")), grove::deferred), grove::UsageError);
  EXPECT_THROW(grove::with_timeout(-5ms, [] { return 1; }), grove::UsageError);
}

// A Timeout is an Interrupt, not a std::exception (errors.hpp); it is
// caught as a grove::TimeoutError.
TEST_F(TimeoutTest, CaughtAsTimeoutError) {
  SimulatedHub sim;
  grove::Timeout t(10ms);
  try {
    grove::this_fiber::sleep(1s);
    FAIL();
  } catch (const grove::TimeoutError& e) {
    EXPECT_STREQ(e.what(), "grove::Timeout: 10ms elapsed");
    EXPECT_NE(dynamic_cast<const grove::Timeout*>(&e), nullptr);
  }
}

// ------------------------------------------------------- custom exception

TEST_F(TimeoutTest, CustomExceptionIsThrownInstead) {
  SimulatedHub sim;
  grove::Timeout t(25ms, MyError(42));
  EXPECT_TRUE(t.pending());
  try {
    grove::this_fiber::sleep(1s);
    FAIL() << "nothing was thrown";
  } catch (const MyError& e) {
    EXPECT_EQ(e.code, 42);
  } catch (const grove::Timeout&) {
    FAIL() << "a Timeout was thrown instead of the custom exception";
  }
  EXPECT_EQ(sim.elapsed(), 25ms);
  EXPECT_TRUE(t.expired());
}

TEST_F(TimeoutTest, CustomExceptionInSpawnedFiberEndsIt) {
  SimulatedHub sim;
  auto f = grove::spawn([] {
    grove::Timeout t(20ms, MyError(7));
    grove::this_fiber::sleep(1s);
  });
  f.join();
  EXPECT_EQ(sim.elapsed(), 20ms);
  EXPECT_FALSE(f.successful());
  try {
    f.get();
    FAIL();
  } catch (const MyError& e) {
    EXPECT_EQ(e.code, 7);
  }
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::exception);
}

}  // namespace
