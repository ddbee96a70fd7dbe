// timeout_nesting_test.cpp — nested Timeouts, Timeouts of several fibers, and with_timeout / with_timeout_or.

#include "timeout_test_includes.hpp"

namespace {

// ------------------------------------------------------------------ nesting

TEST_F(TimeoutTest, NestedInnerShorterFiresThenOuterStillFires) {
  auto t0 = SteadyClock::now();
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
    EXPECT_LT(ms_since(t0), 100);
  }
  try {
    grove::this_fiber::sleep(1s);
    FAIL() << "the outer Timeout did not fire";
  } catch (const grove::Timeout& e) {
    EXPECT_TRUE(e == outer);
  }
  auto took = ms_since(t0);
  EXPECT_GE(took, 120);
  EXPECT_LT(took, 220);
}

TEST_F(TimeoutTest, NestedInnerShorterFiresAndCancelledOuterNever) {
  grove::Timeout outer(60ms);
  {
    grove::Timeout inner(10ms);
    EXPECT_THROW(grove::this_fiber::sleep(1s), grove::Timeout);
  }
  outer.cancel();
  EXPECT_NO_THROW(grove::this_fiber::sleep(100ms));
  EXPECT_FALSE(outer.expired());
}

TEST_F(TimeoutTest, NestedOuterShorterFires) {
  auto t0 = SteadyClock::now();
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
  EXPECT_LT(ms_since(t0), 150);
  EXPECT_NO_THROW(grove::this_fiber::sleep(250ms));  // the inner scope is gone, never fires
}

// Both deadlines pass while the thread is busy, so both timers fire in one
// hub iteration. The inner one is raised first; the outer one must still be
// raised at the fiber's next suspension point, since it was never cancelled.
TEST_F(TimeoutTest, NestedBothDueInSameIterationOuterStillFires) {
  auto t0 = SteadyClock::now();
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
  EXPECT_LT(ms_since(t0), 200);
}

// ----------------------------------------------------- main and spawned fibers

TEST_F(TimeoutTest, EachFiberGetsOnlyItsOwnTimeout) {
  grove::Timeout main_t(400ms);  // pending in main throughout
  std::vector<grove::Fiber<int>> fs;
  std::vector<long long> at(3, -1);
  auto t0 = SteadyClock::now();
  for (int i = 0; i < 3; ++i) {
    fs.push_back(grove::spawn([i, &at, t0] {
      grove::Timeout t(milliseconds(20 * (i + 1)));
      try {
        grove::this_fiber::sleep(1s);
      } catch (const grove::Timeout& e) {
        at[i] = ms_since(t0);
        return e == t ? i : -1;
      }
      return -2;
    }));
  }
  grove::joinall(fs);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(fs[i].value(), i);
    EXPECT_GE(at[i], 20 * (i + 1));
  }
  EXPECT_LT(at[0], at[1]);
  EXPECT_LT(at[1], at[2]);
  EXPECT_TRUE(main_t.pending());
  EXPECT_FALSE(main_t.expired());
  main_t.cancel();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(TimeoutTest, TimeoutInSpawnedFiberDoesNotHitMain) {
  auto f = grove::spawn([] {
    grove::Timeout t(15ms);
    grove::this_fiber::sleep(1s);  // uncaught: ends the fiber
  });
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  EXPECT_NO_THROW(f.join());
  EXPECT_FALSE(f.successful());
  EXPECT_THROW(f.get(), grove::Timeout);
  EXPECT_NO_THROW(grove::this_fiber::sleep(20ms));
}

// ---------------------------------------------------------- with_timeout

TEST_F(TimeoutTest, WithTimeoutReturnsValueWhenFast) {
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
  // No Timeout lingers once with_timeout has returned.
  EXPECT_NO_THROW(grove::this_fiber::sleep(130ms));
}

TEST_F(TimeoutTest, WithTimeoutThrowsWhenSlow) {
  auto t0 = SteadyClock::now();
  bool after = false;
  EXPECT_THROW(grove::with_timeout(25ms,
                                   [&] {
                                     grove::this_fiber::sleep(1s);
                                     after = true;
                                     return 1;
                                   }),
               grove::Timeout);
  EXPECT_FALSE(after);
  auto took = ms_since(t0);
  EXPECT_GE(took, 25);
  EXPECT_LT(took, 125);
}

TEST_F(TimeoutTest, WithTimeoutOrReturnsFallbackWhenSlow) {
  auto t0 = SteadyClock::now();
  int v = grove::with_timeout_or(25ms, -1, [] {
    grove::this_fiber::sleep(1s);
    return 1;
  });
  EXPECT_EQ(v, -1);
  auto took = ms_since(t0);
  EXPECT_GE(took, 25);
  EXPECT_LT(took, 125);
  std::string s = grove::with_timeout_or(10ms, std::string("fallback"), [] {
    grove::this_fiber::sleep(1s);
    return std::string("value");
  });
  EXPECT_EQ(s, "fallback");
}

TEST_F(TimeoutTest, WithTimeoutOrReturnsValueWhenFast) {
  int v = grove::with_timeout_or(
      100ms, -1, [](int x) { return x * 2; }, 21);
  EXPECT_EQ(v, 42);
  EXPECT_NO_THROW(grove::this_fiber::sleep(120ms));
}

TEST_F(TimeoutTest, WithTimeoutOrLetsAnOuterTimeoutThrough) {
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
}

TEST_F(TimeoutTest, WithTimeoutOrLetsCustomExceptionsThrough) {
  EXPECT_THROW((void)grove::with_timeout_or(500ms, -1,
                                            [] {
                                              grove::Timeout t(10ms, MyError(3));
                                              grove::this_fiber::sleep(1s);
                                              return 1;
                                            }),
               MyError);
}

TEST_F(TimeoutTest, WithTimeoutInSpawnedFiber) {
  auto f = grove::spawn([] {
    return grove::with_timeout_or(20ms, std::string("late"), [] {
      grove::this_fiber::sleep(1s);
      return std::string("on time");
    });
  });
  auto g = grove::spawn([] { return grove::with_timeout(200ms, [] { return std::string("on time"); }); });
  EXPECT_EQ(f.get(), "late");
  EXPECT_EQ(g.get(), "on time");
}

}  // namespace
