// fiber_test.cpp — every public call of Fiber<T> / Fiber<>, spawn,
// spawn_later, Greenlet subclasses and this_fiber.

#include <grove/fiber.hpp>  // first: proves the header is self-contained

#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/exit_reason.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

class FiberTest : public ::testing::Test {
 protected:
  void SetUp() override { grove::Hub::destroy_current(); }
  void TearDown() override { grove::Hub::destroy_current(); }
};

struct SetOnDestroy {
  bool* flag;
  ~SetOnDestroy() { *flag = true; }
};

struct CopyCounter {
  static inline int copies = 0;
  int value = 0;
  explicit CopyCounter(int v) : value(v) {}
  CopyCounter(const CopyCounter& o) : value(o.value) { ++copies; }
  CopyCounter(CopyCounter&& o) noexcept : value(o.value) {}
};

struct Custom : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class F, class... A>
concept Spawnable = requires(F f, A&&... a) { grove::spawn(f, std::forward<A>(a)...); };

struct TakesUnique {
  int operator()(std::unique_ptr<int> p) const { return *p; }
};

std::string what_of(const std::exception_ptr& e) {
  try {
    if (e) std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  }
  return {};
}

}  // namespace

// ----------------------------------------------------- spawning and values

TEST_F(FiberTest, SpawnPassesArgumentsAsCopies) {
  std::string s = "hello";
  int n = 3;
  auto f = grove::spawn([](const std::string& text, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += text;
    return out;
  }, s, n);
  s = "changed";  // the fiber has not run yet: it holds its own copy
  n = 0;
  EXPECT_EQ(f.get(), "hellohellohello");
}

TEST_F(FiberTest, SpawnCopiesLvalueArgumentsAndMovesRvalues) {
  CopyCounter::copies = 0;
  CopyCounter c(5);
  auto f = grove::spawn([](const CopyCounter& x) { return x.value; }, c);
  auto g = grove::spawn([](const CopyCounter& x) { return x.value * 2; }, CopyCounter(7));
  EXPECT_EQ(f.get(), 5);
  EXPECT_EQ(g.get(), 14);
  EXPECT_EQ(CopyCounter::copies, 1);  // only the lvalue was copied
}

TEST_F(FiberTest, StdRefPassesAReference) {
  int counter = 0;
  auto f = grove::spawn([](int& c) { c += 10; }, std::ref(counter));
  f.join();
  EXPECT_EQ(counter, 10);
}

TEST_F(FiberTest, SpawnAcceptsMoveOnlyArguments) {
  // spawn() stores decayed copies and calls fn with them as rvalues
  // (std::apply(fn, std::move(args))), so a move-only argument taken by
  // value works at run time, as with std::thread/std::async; the
  // requires-clause, however, asks for invocability with *lvalues*.
  constexpr bool spawnable = Spawnable<TakesUnique, std::unique_ptr<int>>;
  EXPECT_TRUE(spawnable) << "grove::spawn rejects a move-only argument taken by value: its constraint "
                            "std::invocable<std::decay_t<F>&, std::decay_t<A>&...> does not match how "
                            "bind_call invokes fn (with rvalues)";
  // (The call is made dependent so this file still compiles meanwhile.)
  [&]<class Fn>(Fn fn) {
    if constexpr (Spawnable<Fn, std::unique_ptr<int>>) {
      auto f = grove::spawn(fn, std::make_unique<int>(7));
      EXPECT_EQ(f.get(), 7);
    }
  }(TakesUnique{});
}

TEST_F(FiberTest, ReturnsValues) {
  auto f = grove::spawn([](int x) { return x * 2; }, 21);
  EXPECT_EQ(f.get(), 42);
  EXPECT_EQ(f.get(), 42);  // a copyable value can be read again
  EXPECT_EQ(f.value(), 42);
  auto s = grove::spawn([] { return std::string("text"); });
  EXPECT_EQ(s.get(), "text");
}

TEST_F(FiberTest, MoveOnlyResults) {
  auto f = grove::spawn([] { return std::make_unique<int>(42); });
  f.join();
  ASSERT_NE(f.value(), nullptr);
  EXPECT_EQ(*f.value(), 42);
  std::unique_ptr<int> p = f.get();  // moved out
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 42);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, VoidFibers) {
  bool ran = false;
  grove::Fiber<> f = grove::spawn([&] { ran = true; });
  EXPECT_FALSE(ran);  // spawn does not switch
  f.get();
  EXPECT_TRUE(ran);
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.exception(), nullptr);
}

TEST_F(FiberTest, FiberRunsEvenWithoutAHandle) {
  bool ran = false;
  (void)grove::spawn([&] { ran = true; });
  grove::hub().run();
  EXPECT_TRUE(ran);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, TypedHandleConvertsToUntypedHandle) {
  auto typed = grove::spawn([] { return 1; });
  grove::Fiber<> any = typed;
  grove::Fiber<> copy = any;
  EXPECT_TRUE(any == typed);
  EXPECT_TRUE(copy == any);
  EXPECT_EQ(any.id(), typed.id());
  grove::Fiber<> empty;
  EXPECT_FALSE(empty);
  EXPECT_TRUE(any);
  EXPECT_FALSE(empty == any);
  any.join();
  EXPECT_TRUE(typed.dead());
  EXPECT_EQ(typed.value(), 1);
}

TEST_F(FiberTest, GetRethrowsTheFibersException) {
  auto f = grove::spawn([]() -> int { throw Custom("bad things"); });
  try {
    (void)f.get();
    FAIL() << "get() did not rethrow";
  } catch (const Custom& e) {
    EXPECT_STREQ(e.what(), "bad things");
  }
  EXPECT_THROW((void)f.get(), Custom);  // again
  auto v = grove::spawn([] { throw std::logic_error("void fails"); });
  EXPECT_THROW(v.get(), std::logic_error);
  // join() does not rethrow.
  EXPECT_NO_THROW(v.join());
}

TEST_F(FiberTest, GetWithTimeoutThrowsTimeoutWhenNotDone) {
  auto f = grove::spawn([] {
    grove::this_fiber::sleep(200ms);
    return 1;
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)f.get(20ms), grove::Timeout);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 20ms);
  EXPECT_LT(took, 150ms);
  EXPECT_FALSE(f.ready());
  grove::Fiber<> untyped = f;
  EXPECT_THROW(untyped.get(10ms), grove::Timeout);
  f.kill();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, GetWithTimeoutReturnsTheValueWhenDoneInTime) {
  auto f = grove::spawn([] {
    grove::this_fiber::sleep(5ms);
    return 9;
  });
  EXPECT_EQ(f.get(500ms), 9);
  auto bad = grove::spawn([]() -> int { throw Custom("late failure"); });
  EXPECT_THROW((void)bad.get(500ms), Custom);
}

TEST_F(FiberTest, JoinWithTimeoutReturnsFalseThenTrue) {
  auto f = grove::spawn([] { grove::this_fiber::sleep(60ms); });
  EXPECT_FALSE(f.join(10ms));
  EXPECT_FALSE(f.dead());
  EXPECT_TRUE(f.join(1s));
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(f.join(0ms));  // already dead: at once
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// -------------------------------------------------------------- state flags

TEST_F(FiberTest, StateFlagsThroughALifetime) {
  grove::Event ev;
  auto f = grove::spawn([&] {
    ev.wait();
    return 5;
  });
  EXPECT_TRUE(f.started());  // scheduled counts as started (gevent)
  EXPECT_FALSE(f.ready());
  EXPECT_FALSE(f.dead());
  EXPECT_FALSE(f.successful());
  EXPECT_EQ(f.exception(), nullptr);
  grove::this_fiber::yield();  // it runs and blocks
  EXPECT_TRUE(f.started());
  EXPECT_FALSE(f.ready());
  EXPECT_FALSE(f.successful());
  ev.set();
  f.join();
  EXPECT_TRUE(f.started());
  EXPECT_TRUE(f.ready());
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.value(), 5);
  EXPECT_EQ(f.exception(), nullptr);
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::normal);
  EXPECT_TRUE(f.exit_reason().is_normal());
  EXPECT_EQ(f.exit_reason().to_string(), "normal");
}

TEST_F(FiberTest, StateOfAFailedFiber) {
  auto f = grove::spawn([]() -> int { throw Custom("oops"); });
  f.join();
  EXPECT_TRUE(f.ready());
  EXPECT_FALSE(f.successful());
  ASSERT_NE(f.exception(), nullptr);
  EXPECT_EQ(what_of(f.exception()), "oops");
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::exception);
  EXPECT_EQ(f.exit_reason().exception(), f.exception());
  EXPECT_EQ(f.exit_reason().to_string(), "exception: oops");
  try {
    (void)f.value();
    FAIL() << "value() of a failed fiber did not throw";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("without a value"), std::string::npos) << e.what();
  }
}

TEST_F(FiberTest, ValueThrowsUsageErrorBeforeDone) {
  auto f = grove::spawn([] { return 1; });
  f.set_name("not-yet");
  try {
    (void)f.value();
    FAIL() << "value() did not throw";
  } catch (const grove::UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("not-yet"), std::string::npos) << what;
    EXPECT_NE(what.find("has not finished"), std::string::npos) << what;
  }
  f.join();
  EXPECT_EQ(f.value(), 1);
}

TEST_F(FiberTest, NameSetNameAndId) {
  auto a = grove::spawn([] {});
  auto b = grove::spawn([] {});
  EXPECT_NE(a.id(), b.id());
  EXPECT_GT(b.id(), a.id());
  EXPECT_EQ(a.name(), "Fiber-" + std::to_string(a.id()));
  a.set_name("alpha");
  EXPECT_EQ(a.name(), "alpha");
  EXPECT_EQ(b.name(), "Fiber-" + std::to_string(b.id()));
  grove::joinall(std::vector{a, b});
  EXPECT_EQ(a.name(), "alpha");  // survives death
}

// -------------------------------------------------------------- spawn_later

TEST_F(FiberTest, SpawnLaterStartsAfterTheDelayNotBefore) {
  const auto start = grove::hub().now();
  bool ran = false;
  grove::TimePoint ran_at{};
  auto f = grove::spawn_later(50ms, [&](int x) {
    ran = true;
    ran_at = grove::hub().now();
    return x + 1;
  }, 1);
  grove::this_fiber::sleep(25ms);
  EXPECT_FALSE(ran);
  EXPECT_FALSE(f.ready());
  EXPECT_EQ(grove::hub().fiber_count(), 1u);
  EXPECT_EQ(f.get(), 2);
  EXPECT_TRUE(ran);
  EXPECT_GE(ran_at - start, 50ms);
  EXPECT_LT(ran_at - start, 250ms);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, SpawnLaterRunsAfterFibersSpawnedNow) {
  std::vector<int> order;
  auto late = grove::spawn_later(10ms, [&] { order.push_back(2); });
  auto now = grove::spawn([&] { order.push_back(1); });
  grove::joinall(std::vector<grove::Fiber<>>{late, now});
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST_F(FiberTest, KillingASpawnLaterFiberBeforeItStartsCancelsIt) {
  bool ran = false;
  auto f = grove::spawn_later(200ms, [&] { ran = true; });
  f.kill();
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  const auto start = std::chrono::steady_clock::now();
  grove::hub().run();  // its start timer is gone: nothing left to wait for
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_FALSE(ran);
}

namespace {
using FiberDeathTest = FiberTest;
}

// A delay too large to represent means "never" (duration.hpp). A fiber that
// never starts can never be joined, so joining it from main must raise
// LoopExit (as sleep(hours::max()) does) rather than block forever; and
// Hub::run() must return. Each check runs in a child process that an
// alarm kills if it hangs.
TEST_F(FiberDeathTest, SpawnLaterNeverThenJoinRaisesLoopExitInsteadOfHanging) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::alarm(1);
        auto f = grove::spawn_later(std::chrono::hours::max(), [] {});
        try {
          f.join();
        } catch (const grove::LoopExit&) {
          std::_Exit(0);
        }
        std::_Exit(3);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(FiberDeathTest, SpawnLaterNeverDoesNotKeepHubRunBusyForever) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::alarm(1);
        auto f = grove::spawn_later(std::chrono::hours::max(), [] {});
        grove::hub().run();
        std::_Exit(f.started() && !f.dead() ? 0 : 3);
      },
      ::testing::ExitedWithCode(0), "");
}

// ------------------------------------------------------- Launch::dispatch

TEST_F(FiberTest, DispatchRunsTheNewFiberAtOnce) {
  std::vector<std::string> order;
  order.push_back("before");
  auto f = grove::spawn(grove::Launch::dispatch, [&](int x) {
    order.push_back("child start");
    grove::this_fiber::yield();
    order.push_back("child end");
    return x;
  }, 4);
  order.push_back("after spawn");
  EXPECT_FALSE(f.dead());
  EXPECT_EQ(f.get(), 4);
  EXPECT_EQ(order, (std::vector<std::string>{"before", "child start", "after spawn", "child end"}));
}

TEST_F(FiberTest, DispatchedFiberThatDoesNotBlockIsDoneWhenSpawnReturns) {
  auto f = grove::spawn(grove::Launch::dispatch, [] { return 11; });
  EXPECT_TRUE(f.dead());
  EXPECT_EQ(f.value(), 11);
  auto bad = grove::spawn(grove::Launch::dispatch, []() -> int { throw Custom("early"); });
  EXPECT_TRUE(bad.dead());
  EXPECT_THROW((void)bad.get(), Custom);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, DispatchWalksAFanOutDepthFirst) {
  std::vector<std::string> order;
  std::function<void(std::string, int)> node = [&](std::string label, int depth) {
    order.push_back(label);
    if (depth == 0) return;
    auto l = grove::spawn(grove::Launch::dispatch, node, label + "L", depth - 1);
    auto r = grove::spawn(grove::Launch::dispatch, node, label + "R", depth - 1);
    l.join();
    r.join();
  };
  grove::spawn(grove::Launch::dispatch, node, std::string("n"), 2).join();
  EXPECT_EQ(order, (std::vector<std::string>{"n", "nL", "nLL", "nLR", "nR", "nRL", "nRR"}));
  auto posted = grove::spawn(grove::Launch::post, [] { return 1; });
  EXPECT_FALSE(posted.dead());  // Launch::post is plain spawn
  EXPECT_EQ(posted.get(), 1);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// ----------------------------------------------------------------- kill()

TEST_F(FiberTest, KillRaisesFiberExitAtTheSuspensionPointAndUnwinds) {
  bool destroyed = false;
  bool saw_fiber_exit = false;
  bool after_sleep = false;
  auto f = grove::spawn([&] {
    SetOnDestroy guard{&destroyed};
    try {
      grove::this_fiber::sleep(10s);
    } catch (const grove::FiberExit& e) {
      saw_fiber_exit = e.reason().kind() == grove::ExitReason::Kind::killed;
      throw;
    }
    after_sleep = true;
    return 1;
  });
  grove::this_fiber::yield();  // it is now asleep
  EXPECT_FALSE(destroyed);
  const auto start = std::chrono::steady_clock::now();
  f.kill();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_TRUE(f.dead());  // kill() blocks by default
  EXPECT_TRUE(destroyed);
  EXPECT_TRUE(saw_fiber_exit);
  EXPECT_FALSE(after_sleep);
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::killed);
  EXPECT_EQ(f.exit_reason().to_string(), "killed");
  ASSERT_NE(f.exception(), nullptr);  // FiberExit is what ended it
  EXPECT_THROW(std::rethrow_exception(f.exception()), grove::FiberExit);
  // A killed fiber has no value: get() throws FiberKilled, an ordinary
  // error in the caller (the FiberExit would end the caller too).
  EXPECT_THROW((void)f.get(), grove::FiberKilled);
  EXPECT_THROW((void)f.value(), grove::UsageError);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, KilledVoidFiberGetReturnsNormally) {
  auto f = grove::spawn([] { grove::this_fiber::sleep(10s); });
  grove::this_fiber::yield();
  f.kill();
  EXPECT_NO_THROW(f.get());
  EXPECT_TRUE(f.successful());
}

TEST_F(FiberTest, KillWithACustomExceptionMakesGetRethrowIt) {
  bool destroyed = false;
  auto f = grove::spawn([&] {
    SetOnDestroy guard{&destroyed};
    grove::this_fiber::sleep(10s);
    return 1;
  });
  grove::this_fiber::yield();
  f.kill(Custom("custom-kill"));
  EXPECT_TRUE(destroyed);
  EXPECT_TRUE(f.dead());
  EXPECT_FALSE(f.successful());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::exception);
  EXPECT_EQ(f.exit_reason().to_string(), "exception: custom-kill");
  try {
    (void)f.get();
    FAIL() << "get() did not rethrow the kill exception";
  } catch (const Custom& e) {
    EXPECT_STREQ(e.what(), "custom-kill");
  }
}

TEST_F(FiberTest, KillWithExceptionPtrAndExitReason) {
  auto a = grove::spawn([] { grove::this_fiber::sleep(10s); });
  auto b = grove::spawn([] { grove::this_fiber::sleep(10s); });
  grove::this_fiber::yield();
  a.kill_with(std::make_exception_ptr(Custom("via-ptr")));
  b.kill(grove::FiberExit(grove::ExitReason::shutdown()));
  EXPECT_THROW(a.get(), Custom);
  EXPECT_EQ(b.exit_reason().kind(), grove::ExitReason::Kind::shutdown);
  EXPECT_TRUE(b.successful());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, KillWithoutBlockingReturnsBeforeTheFiberDies) {
  bool destroyed = false;
  auto f = grove::spawn([&] {
    SetOnDestroy guard{&destroyed};
    grove::this_fiber::sleep(10s);
  });
  grove::this_fiber::yield();
  f.kill(false);
  EXPECT_FALSE(f.dead());  // it has not had a chance to unwind yet
  EXPECT_FALSE(destroyed);
  f.join();
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(destroyed);
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::killed);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, KillingANeverStartedFiberMeansItNeverRuns) {
  bool ran = false;
  auto f = grove::spawn([&] {
    ran = true;
    return 1;
  });
  f.kill();
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::killed);
  grove::hub().run();
  EXPECT_FALSE(ran);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  // Also when killed without blocking, or with a custom exception.
  auto g = grove::spawn([&] { ran = true; });
  g.kill(false);
  EXPECT_TRUE(g.dead());
  auto h = grove::spawn([&] { ran = true; });
  h.kill(Custom("never ran"));
  EXPECT_THROW(h.get(), Custom);
  grove::hub().run();
  EXPECT_FALSE(ran);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, KillingADeadFiberIsANoOp) {
  auto f = grove::spawn([] { return 5; });
  f.join();
  f.kill();
  f.kill(false);
  f.kill(Custom("too late"));
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::normal);
  EXPECT_EQ(f.get(), 5);
}

TEST_F(FiberTest, KillingYourselfThrowsAtOnce) {
  bool caught_custom = false;
  bool after_self_kill = false;
  auto f = grove::spawn([&] {
    try {
      grove::this_fiber::self().kill(Custom("self"));
    } catch (const Custom&) {
      caught_custom = true;
    }
    grove::this_fiber::self().kill();  // FiberExit escapes: the fiber ends killed
    after_self_kill = true;
  });
  f.join();
  EXPECT_TRUE(caught_custom);
  EXPECT_FALSE(after_self_kill);
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::killed);
  // The main fiber too.
  EXPECT_THROW(grove::this_fiber::self().kill(), grove::FiberExit);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, KillFromAnotherFiber) {
  auto victim = grove::spawn([] { grove::this_fiber::sleep(10s); });
  auto killer = grove::spawn([&] {
    victim.kill();
    return victim.dead();
  });
  EXPECT_TRUE(killer.get());
  EXPECT_EQ(victim.exit_reason().kind(), grove::ExitReason::Kind::killed);
}

// ------------------------------------------------------------------ links

TEST_F(FiberTest, LinkCallbackRunsOnceOnTheDyingFibersStack) {
  grove::Event ev;
  auto f = grove::spawn([&] {
    ev.wait();
    return 3;
  });
  int calls = 0;
  std::uint64_t ran_in = 0;
  bool saw_dead = false;
  f.link([&](grove::Fiber<> dead) {
    ++calls;
    ran_in = grove::this_fiber::id();
    saw_dead = dead == f && dead.dead();
  });
  grove::this_fiber::yield();
  EXPECT_EQ(calls, 0);
  ev.set();
  f.join();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ran_in, f.id());
  EXPECT_TRUE(saw_dead);
  grove::hub().run();
  EXPECT_EQ(calls, 1);
}

TEST_F(FiberTest, LinkOnADeadFiberRunsAtOnce) {
  auto f = grove::spawn([] { return 1; });
  f.join();
  int calls = 0;
  f.link([&](grove::Fiber<>) { ++calls; });
  EXPECT_EQ(calls, 1);
}

TEST_F(FiberTest, LinkValueAndLinkExceptionFilterByOutcome) {
  int ok_value = 0, ok_exception = 0, bad_value = 0, bad_exception = 0, killed_value = 0, killed_exception = 0;
  auto ok = grove::spawn([] { return 1; });
  auto bad = grove::spawn([]() -> int { throw Custom("x"); });
  auto killed = grove::spawn([] {
    grove::this_fiber::sleep(10s);
    return 1;
  });
  ok.link_value([&](grove::Fiber<>) { ++ok_value; });
  ok.link_exception([&](grove::Fiber<>) { ++ok_exception; });
  bad.link_value([&](grove::Fiber<>) { ++bad_value; });
  bad.link_exception([&](grove::Fiber<> d) { bad_exception += d.successful() ? 100 : 1; });
  killed.link_value([&](grove::Fiber<>) { ++killed_value; });
  killed.link_exception([&](grove::Fiber<>) { ++killed_exception; });
  ok.join();
  bad.join();
  killed.kill();
  EXPECT_EQ(ok_value, 1);
  EXPECT_EQ(ok_exception, 0);
  EXPECT_EQ(bad_value, 0);
  EXPECT_EQ(bad_exception, 1);
  EXPECT_EQ(killed_value, 1);  // FiberExit counts as success
  EXPECT_EQ(killed_exception, 0);
}

TEST_F(FiberTest, UnlinkCancelsACallback) {
  auto f = grove::spawn([] { return 1; });
  int first = 0, second = 0;
  grove::LinkId a = f.link([&](grove::Fiber<>) { ++first; });
  grove::LinkId b = f.link([&](grove::Fiber<>) { ++second; });
  EXPECT_NE(a, b);
  EXPECT_TRUE(f.unlink(a));
  EXPECT_FALSE(f.unlink(a));     // already removed
  EXPECT_FALSE(f.unlink(9999));  // never registered
  f.join();
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
  EXPECT_FALSE(f.unlink(b));  // already fired
}

TEST_F(FiberTest, LinkCallbacksRunOldestFirst) {
  auto f = grove::spawn([] {});
  std::vector<int> order;
  for (int i = 0; i < 4; ++i) f.link([&order, i](grove::Fiber<>) { order.push_back(i); });
  f.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

// --------------------------------------------------------- Greenlet<T>

namespace {

class Worker : public grove::Greenlet<int> {
 public:
  Worker(int a, int b, bool* destroyed) : a_(a), b_(b), destroyed_(destroyed) {}
  ~Worker() override { *destroyed_ = true; }

 protected:
  int run() override {
    grove::this_fiber::sleep(1ms);
    return a_ * b_;
  }

 private:
  int a_, b_;
  bool* destroyed_;
};

class Shouter : public grove::Greenlet<> {
 public:
  explicit Shouter(std::vector<std::string>* out) : out_(out) {}

 protected:
  void run() override {
    out_->push_back("shouting as " + grove::this_fiber::name());
    throw Custom("hoarse");
  }

 private:
  std::vector<std::string>* out_;
};

}  // namespace

TEST_F(FiberTest, GreenletSubclass) {
  bool destroyed = false;
  {
    grove::Fiber<int> w = grove::spawn<Worker>(6, 7, &destroyed);
    EXPECT_TRUE(w.started());
    EXPECT_FALSE(w.ready());
    EXPECT_EQ(w.get(), 42);
    EXPECT_TRUE(w.successful());
    EXPECT_EQ(w.value(), 42);
    EXPECT_FALSE(destroyed);  // the handle keeps the object
  }
  EXPECT_TRUE(destroyed);  // last handle gone, fiber dead: deleted
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, VoidGreenletSubclassThatThrows) {
  std::vector<std::string> out;
  grove::Fiber<> s = grove::spawn<Shouter>(&out);
  s.set_name("shouter");
  EXPECT_THROW(s.get(), Custom);
  EXPECT_EQ(out, (std::vector<std::string>{"shouting as shouter"}));
  EXPECT_FALSE(s.successful());
}

TEST_F(FiberTest, GreenletSubclassCanBeKilled) {
  bool destroyed = false;
  auto w = grove::spawn<Worker>(1, 2, &destroyed);
  w.kill();  // never started
  EXPECT_TRUE(w.dead());
  EXPECT_THROW((void)w.get(), grove::FiberKilled);
}

// ----------------------------------------------------------- this_fiber

TEST_F(FiberTest, ThisFiberSelfIdAndName) {
  grove::Fiber<> seen;
  std::uint64_t seen_id = 0;
  std::string seen_name;
  auto f = grove::spawn([&] {
    seen = grove::this_fiber::self();
    seen_id = grove::this_fiber::id();
    seen_name = grove::this_fiber::name();
  });
  f.set_name("inspector");
  f.join();
  EXPECT_TRUE(seen == f);
  EXPECT_EQ(seen_id, f.id());
  EXPECT_EQ(seen_name, "inspector");
  // On the main fiber.
  EXPECT_EQ(grove::this_fiber::name(), "main");
  EXPECT_EQ(grove::this_fiber::id(), 0u);
  grove::Fiber<> main_handle = grove::this_fiber::self();
  EXPECT_TRUE(main_handle);
  EXPECT_FALSE(main_handle == f);
  EXPECT_FALSE(main_handle.dead());
}

TEST_F(FiberTest, DefaultNameSeenFromInside) {
  std::string inside;
  auto f = grove::spawn([&] { inside = grove::this_fiber::name(); });
  f.join();
  EXPECT_EQ(inside, "Fiber-" + std::to_string(f.id()));
}

TEST_F(FiberTest, YieldIsFifoRoundRobin) {
  std::vector<std::string> order;
  auto worker = [&order](std::string tag) {
    for (int i = 0; i < 3; ++i) {
      order.push_back(tag + std::to_string(i));
      grove::this_fiber::yield();
    }
  };
  std::vector<grove::Fiber<>> fibers{grove::spawn(worker, "a"), grove::spawn(worker, "b"), grove::spawn(worker, "c")};
  grove::joinall(fibers);
  EXPECT_EQ(order, (std::vector<std::string>{"a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"}));
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, SleepZeroIsYield) {
  std::vector<int> order;
  auto a = grove::spawn([&] {
    order.push_back(1);
    grove::this_fiber::sleep(0ms);
    order.push_back(3);
  });
  auto b = grove::spawn([&] { order.push_back(2); });
  grove::joinall(std::vector<grove::Fiber<>>{a, b});
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST_F(FiberTest, SleepersWakeInDeadlineOrder) {
  std::vector<int> order;
  std::vector<grove::Fiber<>> fibers;
  const auto start = std::chrono::steady_clock::now();
  for (int ms : {30, 10, 20})
    fibers.push_back(grove::spawn([&order, ms] {
      grove::this_fiber::sleep(std::chrono::milliseconds(ms));
      order.push_back(ms);
    }));
  grove::joinall(fibers);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(order, (std::vector<int>{10, 20, 30}));
  EXPECT_GE(took, 30ms);
  EXPECT_LT(took, 200ms);  // concurrently, not 60 ms in a row
}

TEST_F(FiberTest, BusyYieldingDoesNotStarveTimers) {
  bool woke = false;
  auto sleeper = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    woke = true;
  });
  const auto start = std::chrono::steady_clock::now();
  long spins = 0;
  while (!woke && std::chrono::steady_clock::now() - start < 2s) {
    grove::this_fiber::yield();
    ++spins;
  }
  EXPECT_TRUE(woke);
  EXPECT_GT(spins, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);
  sleeper.join();
}

TEST_F(FiberTest, SleepUntilAndSleepDuration) {
  const auto start = grove::hub().now();
  grove::this_fiber::sleep_until(start + 15ms);
  EXPECT_GE(grove::hub().now() - start, 15ms);
  grove::this_fiber::sleep_until(start);  // in the past: returns at once
  const auto t1 = grove::hub().now();
  grove::this_fiber::sleep(std::chrono::duration<double, std::milli>(10.5));
  EXPECT_GE(grove::hub().now() - t1, 10ms);
}
