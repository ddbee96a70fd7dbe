// timeout_nesting_test.cpp — nested Timeouts, Timeouts of several fibers, and with_timeout / with_timeout_or.
// These run on virtual time (SimulatedHub), except the one test that needs the
// thread really blocked so that two timers fire in one hub iteration.

#include "timeout_test_includes.hpp"

namespace {

// ------------------------------------------------------------------ nesting

TEST_F(TimeoutTest, NestedInnerShorterFiresThenOuterStillFires) {
  SimulatedHub sim;
  grove::Timeout outer(120ms);
  {
    grove::Timeout inner(20ms);
    try {
      grove::this_fiber::sleep(1s);
      FAIL() << "the inner Timeout did not fire";
    } catch (const grove::Timeout& e) {
      EXPECT_TRUE(e == inner);
      EXPECT_FALSE(e == outer);
      EXPECT_TRUE(inner.expired());
      EXPECT_TRUE(outer.pending());
      EXPECT_FALSE(outer.expired());
    }
    EXPECT_EQ(sim.elapsed(), 20ms);
  }
  try {
    grove::this_fiber::sleep(1s);
    FAIL() << "the outer Timeout did not fire";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == outer);
  }
  EXPECT_EQ(sim.elapsed(), 120ms);
}

TEST_F(TimeoutTest, NestedInnerShorterFiresAndCancelledOuterNever) {
  SimulatedHub sim;
  grove::Timeout outer(60ms);
  {
    grove::Timeout inner(10ms);
    EXPECT_THROW(grove::this_fiber::sleep(1s), grove::Timeout);
  }
  EXPECT_EQ(sim.elapsed(), 10ms);
  outer.cancel();
  EXPECT_NO_THROW(grove::this_fiber::sleep(100ms));
  EXPECT_FALSE(outer.expired());
  expect_no_timer_left();
}

TEST_F(TimeoutTest, NestedOuterShorterFires) {
  SimulatedHub sim;
  grove::Timeout outer(20ms);
  try {
    grove::Timeout inner(200ms);
    try {
      grove::this_fiber::sleep(1s);
    } catch (const grove::Timeout& e) {
      EXPECT_FALSE(e == inner);
      EXPECT_TRUE(inner.pending());
      EXPECT_FALSE(inner.expired());
      throw;  // not ours: pass it on
    }
    FAIL() << "no Timeout fired";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == outer);
    EXPECT_TRUE(outer.expired());
  }
  EXPECT_EQ(sim.elapsed(), 20ms);
  EXPECT_NO_THROW(grove::this_fiber::sleep(250ms));  // the inner scope is gone, never fires
  expect_no_timer_left();
}

// Both deadlines pass while the thread is busy, so both timers fire in one
// hub iteration. The inner one is raised first; the outer one must still be
// raised at the fiber's next suspension point, since it was never cancelled.
// Real time on purpose (virtual time fires one deadline at a time); it
// asserts no wall-clock bound: the FAIL() after the sleep is the check.
TEST_F(TimeoutTest, NestedBothDueInSameIterationOuterStillFires) {
  grove::Timeout outer(30ms);
  bool inner_caught = false;
  try {
    {
      grove::Timeout inner(20ms);
      hog_until(grove::hub().now() + 50ms);  // both are due now
      try {
        grove::this_fiber::sleep(1s);
      } catch (const grove::Timeout& e) {
        inner_caught = e == inner;
      }
    }
    grove::this_fiber::sleep(300ms);
    FAIL() << "the outer Timeout expired (expired()=" << outer.expired() << ", pending()=" << outer.pending()
           << ") but was never raised";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == outer);
  }
  EXPECT_TRUE(inner_caught);
}

// ----------------------------------------------------- main and spawned fibers

TEST_F(TimeoutTest, EachFiberGetsOnlyItsOwnTimeout) {
  SimulatedHub sim;
  grove::Timeout main_t(400ms);  // pending in main throughout
  std::vector<grove::Fiber<int>> fs;
  std::vector<grove::Duration> at(3, grove::Duration(-1));
  for (int i = 0; i < 3; ++i) {
    fs.push_back(grove::spawn([i, &at, &sim] {
      grove::Timeout t(milliseconds(20 * (i + 1)));
      try {
        grove::this_fiber::sleep(1s);
      } catch (const grove::Timeout& e) {
        at[i] = sim.elapsed();
        return e == t ? i : -1;
      }
      return -2;
    }));
  }
  grove::joinall(fs);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(fs[i].value(), i);
    EXPECT_EQ(at[i], milliseconds(20 * (i + 1)));  // each at its own deadline
  }
  EXPECT_TRUE(main_t.pending());
  EXPECT_FALSE(main_t.expired());
  main_t.cancel();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(TimeoutTest, TimeoutInSpawnedFiberDoesNotHitMain) {
  SimulatedHub sim;
  auto f = grove::spawn([] {
    grove::Timeout t(15ms);
    grove::this_fiber::sleep(1s);  // uncaught: ends the fiber
  });
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  EXPECT_NO_THROW(f.join());
  EXPECT_FALSE(f.successful());
  EXPECT_THROW(f.get(), grove::Timeout);
  EXPECT_EQ(sim.elapsed(), 15ms);
  EXPECT_NO_THROW(grove::this_fiber::sleep(20ms));
}

// ---------------------------------------------------------- with_timeout

TEST_F(TimeoutTest, WithTimeoutReturnsValueWhenFast) {
  SimulatedHub sim;
  int v = grove::with_timeout(100ms, [] {
    grove::this_fiber::sleep(5ms);
    return 42;
  });
  EXPECT_EQ(v, 42);
  EXPECT_EQ(grove::with_timeout(
                100ms, [](int a, int b) { return a + b; }, 2, 3),
            5);
  std::string s = grove::with_timeout(
      100ms, [](std::string x) { return x + "!"; }, std::string("hi"));
  EXPECT_EQ(s, "hi!");
  bool ran = false;
  grove::with_timeout(50ms, [&] { ran = true; });
  EXPECT_TRUE(ran);
  EXPECT_EQ(sim.elapsed(), 5ms);
  // No Timeout lingers once with_timeout has returned.
  expect_no_timer_left();
  EXPECT_NO_THROW(grove::this_fiber::sleep(130ms));
}

TEST_F(TimeoutTest, WithTimeoutThrowsWhenSlow) {
  SimulatedHub sim;
  bool after = false;
  EXPECT_THROW(grove::with_timeout(25ms,
                                   [&] {
                                     grove::this_fiber::sleep(1s);
                                     after = true;
                                     return 1;
                                   }),
               grove::Timeout);
  EXPECT_FALSE(after);
  EXPECT_EQ(sim.elapsed(), 25ms);
  expect_no_timer_left();
}

TEST_F(TimeoutTest, WithTimeoutOrReturnsFallbackWhenSlow) {
  SimulatedHub sim;
  int v = grove::with_timeout_or(25ms, -1, [] {
    grove::this_fiber::sleep(1s);
    return 1;
  });
  EXPECT_EQ(v, -1);
  EXPECT_EQ(sim.elapsed(), 25ms);
  std::string s = grove::with_timeout_or(10ms, std::string("fallback"), [] {
    grove::this_fiber::sleep(1s);
    return std::string("value");
  });
  EXPECT_EQ(s, "fallback");
  EXPECT_EQ(sim.elapsed(), 35ms);
}

TEST_F(TimeoutTest, WithTimeoutOrReturnsValueWhenFast) {
  SimulatedHub sim;
  int v = grove::with_timeout_or(
      100ms, -1, [](int x) { return x * 2; }, 21);
  EXPECT_EQ(v, 42);
  EXPECT_NO_THROW(grove::this_fiber::sleep(120ms));
}

TEST_F(TimeoutTest, WithTimeoutOrLetsAnOuterTimeoutThrough) {
  SimulatedHub sim;
  grove::Timeout outer(20ms);
  try {
    (void)grove::with_timeout_or(500ms, -1, [] {
      grove::this_fiber::sleep(1s);
      return 1;
    });
    FAIL() << "the outer Timeout was swallowed";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == outer);
  }
  EXPECT_EQ(sim.elapsed(), 20ms);
}

TEST_F(TimeoutTest, WithTimeoutOrLetsCustomExceptionsThrough) {
  SimulatedHub sim;
  EXPECT_THROW((void)grove::with_timeout_or(500ms, -1,
                                            [] {
                                              grove::Timeout t(10ms, MyError(3));
                                              grove::this_fiber::sleep(1s);
                                              return 1;
                                            }),
               MyError);
}

TEST_F(TimeoutTest, WithTimeoutInSpawnedFiber) {
  SimulatedHub sim;
  auto f = grove::spawn([] {
    return grove::with_timeout_or(20ms, std::string("late"), [] {
      grove::this_fiber::sleep(1s);
      return std::string("on time");
    });
  });
  auto g = grove::spawn([] { return grove::with_timeout(200ms, [] { return std::string("on time"); }); });
  EXPECT_EQ(f.get(), "late");
  EXPECT_EQ(g.get(), "on time");
  EXPECT_EQ(sim.elapsed(), 20ms);
}

}  // namespace
