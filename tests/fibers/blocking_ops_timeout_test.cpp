// blocking_ops_timeout_test.cpp — every blocking call of the fibers module
// that takes a timeout, checked the same way (expiry, completion first,
// racing wake, an enclosing Timeout scope), plus the shared suite of
// tests/common/blocking_timeout_suite.hpp.

#include <grove/timeout.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>
#include <blocking_timeout_suite.hpp>

#include "simulated_hub.hpp"
#include "timeout_test_support.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace std::chrono_literals;

namespace {

using namespace grove::test;

// ===================================================================
// One suite for every blocking primitive that takes a timeout.

// park_until_or_forever() parks the fiber until `at`, or for good.
void park_until_or_forever(grove::TimePoint at) {
  if (at == grove::TimePoint::max()) grove::this_fiber::sleep(1h);
  else grove::this_fiber::sleep_until(at);
}

// completer(at, action) runs action at `at` (never for TimePoint::max()).
template <class F>
grove::Fiber<> completer(grove::TimePoint at, F action) {
  return grove::spawn([at, action]() mutable {
    park_until_or_forever(at);
    action();
  });
}

void finish(grove::Fiber<>& f, grove::TimePoint at) {
  if (at == grove::TimePoint::max()) f.kill();
  else f.join();
}

struct BlockingOp {
  const char* name;
  // can_complete is false for sleep: it has nothing to complete early.
  bool can_complete;
  // run() blocks with `timeout` on something that completes at `done_at`
  // (TimePoint::max(): never) and returns whether the operation reported
  // completion. It checks the operation's own invariants and leaves no
  // helper fiber behind.
  bool (*run)(grove::Duration timeout, grove::TimePoint done_at);
};

// Readable parameter names in gtest / ctest output.
void PrintTo(const BlockingOp& op, std::ostream* os) { *os << op.name; }

bool op_sleep(grove::Duration timeout, grove::TimePoint done_at) {
  int ticks = 0;
  auto other = completer(done_at, [&ticks] { ++ticks; });  // another timer in the heap
  grove::this_fiber::sleep(timeout);
  finish(other, done_at);
  if (done_at != grove::TimePoint::max()) {
    EXPECT_EQ(ticks, 1);
  }
  return false;
}

bool op_join(grove::Duration timeout, grove::TimePoint done_at) {
  auto target = completer(done_at, [] {});
  bool r = target.join(timeout);
  EXPECT_EQ(r, target.dead());
  finish(target, done_at);
  return r;
}

bool op_get(grove::Duration timeout, grove::TimePoint done_at) {
  auto target = grove::spawn([done_at] {
    park_until_or_forever(done_at);
    return 7;
  });
  bool r = false;
  try {
    EXPECT_EQ(target.get(timeout), 7);
    EXPECT_TRUE(target.dead());
    r = true;
  } catch (const grove::Timeout& e) {
    if (e.duration() != timeout) throw;  // an enclosing Timeout scope, not get()'s own
    EXPECT_FALSE(target.dead());
    EXPECT_TRUE(e.expired());
    EXPECT_FALSE(e.pending());
    EXPECT_EQ(e.duration(), timeout);
  }
  grove::Fiber<> f = target;
  finish(f, done_at);
  return r;
}

bool op_event_wait(grove::Duration timeout, grove::TimePoint done_at) {
  grove::Event ev;
  auto setter = completer(done_at, [&ev] { ev.set(); });
  bool r = ev.wait(timeout);
  EXPECT_EQ(r, ev.is_set());
  finish(setter, done_at);
  if (done_at != grove::TimePoint::max()) {
    EXPECT_TRUE(ev.is_set());
  }
  return r;
}

bool op_wait_any(grove::Duration timeout, grove::TimePoint done_at) {
  auto never = grove::spawn([] { grove::this_fiber::sleep(1h); });
  auto target = completer(done_at, [] {});
  std::vector<grove::Fiber<>> v{never, target};
  auto i = grove::wait_any(v, timeout);
  if (i) {
    EXPECT_EQ(*i, 1u);
    EXPECT_TRUE(target.dead());
  } else {
    EXPECT_FALSE(target.dead());
  }
  never.kill();
  finish(target, done_at);
  return i.has_value();
}

bool op_joinall(grove::Duration timeout, grove::TimePoint done_at) {
  auto quick = grove::spawn([] { return 1; });
  auto target = completer(done_at, [] {});
  std::vector<grove::Fiber<>> v{quick, target};
  auto done = grove::joinall(v, timeout);
  EXPECT_TRUE(done.size() == 1 || done.size() == 2);
  EXPECT_TRUE(!done.empty() && done[0] == grove::Fiber<>(quick));
  bool r = done.size() == 2;
  EXPECT_EQ(r, target.dead());
  finish(target, done_at);
  return r;
}

const BlockingOp kOps[] = {
    {"Sleep", false, &op_sleep},         {"FiberJoin", true, &op_join},   {"FiberGet", true, &op_get},
    {"EventWait", true, &op_event_wait}, {"WaitAny", true, &op_wait_any}, {"Joinall", true, &op_joinall},
};

class BlockingPrimitiveTimeoutTest : public TimeoutTest,
                                     public ::testing::WithParamInterface<std::tuple<BlockingOp, bool>> {
 protected:
  const BlockingOp& op() const { return std::get<0>(GetParam()); }
  bool in_spawned_fiber() const { return std::get<1>(GetParam()); }
  // run_in_context() runs f in the main fiber or in a spawned one.
  template <class F>
  void run_in_context(F f) {
    if (in_spawned_fiber()) {
      auto fiber = grove::spawn([&f] { f(); });
      fiber.get();
    } else {
      f();
    }
  }
};

TEST_P(BlockingPrimitiveTimeoutTest, ExpiresWhenDue) {
  SimulatedHub sim;
  bool completed = true;
  run_in_context([&] { completed = op().run(50ms, grove::TimePoint::max()); });
  EXPECT_FALSE(completed);
  EXPECT_EQ(sim.elapsed(), 50ms) << "expired at its deadline, not before or after";
  expect_no_timer_left();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_P(BlockingPrimitiveTimeoutTest, CompletionFirstWinsAndTimerNeverFiresLater) {
  SimulatedHub sim;
  bool completed = false;
  grove::Duration took{};
  run_in_context([&] {
    const auto t0 = sim.now();
    completed = op().run(300ms, grove::hub().now() + 20ms);
    took = sim.now() - t0;
  });
  if (op().can_complete) {
    EXPECT_TRUE(completed);
    EXPECT_EQ(took, 20ms);
  } else {
    EXPECT_FALSE(completed);
    EXPECT_EQ(took, 300ms) << "sleep was cut short by another fiber's timer, or overran";
  }
  // The operation's own 300 ms timer is gone: the hub goes idle at once.
  expect_no_timer_left();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_P(BlockingPrimitiveTimeoutTest, WakeRacingTheDeadlineIsHandledOnce) {
  constexpr auto timeout = 30ms;
  for (bool hog : {false, true}) {
    for (int offset : {-1, 0, 1}) {
      SCOPED_TRACE(testing::Message() << "hog=" << hog << " offset=" << offset << "ms");
      int returns = 0;
      int stray = 0;
      run_in_context([&] {
        grove::TimePoint base = grove::hub().now();
        grove::Fiber<> hogger;
        if (hog) {
          hogger = grove::spawn([base, timeout] {
            grove::this_fiber::sleep_until(base + timeout - 5ms);
            hog_until(base + timeout + 10ms);  // both due in the same hub iteration
          });
        }
        (void)op().run(timeout, base + timeout + milliseconds(offset));
        ++returns;
        auto t1 = SteadyClock::now();
        try {
          grove::this_fiber::sleep(10ms);  // nothing stale is raised or wakes us early
        } catch (...) {
          ++stray;
        }
        EXPECT_GE(ms_since(t1), 10);
        if (hogger) hogger.join();
      });
      EXPECT_EQ(returns, 1);
      EXPECT_EQ(stray, 0);
      EXPECT_EQ(grove::hub().fiber_count(), 0u);
    }
  }
  expect_no_timer_left();
}

TEST_P(BlockingPrimitiveTimeoutTest, EnclosingTimeoutScopeInterruptsIt) {
  SimulatedHub sim;
  bool timed_out = false;
  grove::Duration took{};
  run_in_context([&] {
    const auto t0 = sim.now();
    grove::Timeout scope(30ms);
    try {
      (void)op().run(300ms, grove::TimePoint::max());
    } catch (const grove::Timeout& e) {
      timed_out = e == scope;
    }
    took = sim.now() - t0;
  });
  EXPECT_TRUE(timed_out);
  EXPECT_EQ(took, 30ms);
  // The helpers op() spawned were left behind by the exception: kill them.
  grove::hub().shutdown();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

std::string op_name(const ::testing::TestParamInfo<std::tuple<BlockingOp, bool>>& info) {
  return std::string(std::get<0>(info.param).name) + (std::get<1>(info.param) ? "_InFiber" : "_InMain");
}

INSTANTIATE_TEST_SUITE_P(AllOps, BlockingPrimitiveTimeoutTest,
                         ::testing::Combine(::testing::ValuesIn(kOps), ::testing::Bool()), op_name);

// ===================================================================
// The project's shared blocking-timeout suite (tests/common), instantiated
// for every fiber primitive with a timeout argument that can be completed
// from another fiber (sleep has nothing to complete: it is covered above).

// A fiber parked on a gate until complete(); the op kills whatever is left.
struct GatedFibers : grove::test::BlockingOp {
  grove::Event gate;
  std::vector<grove::Fiber<>> owned;
  grove::Fiber<int> gated() {
    auto f = grove::spawn([this] {
      gate.wait();
      return 42;
    });
    owned.push_back(f);
    return f;
  }
  void complete() override { gate.set(); }
  ~GatedFibers() override {
    for (auto& f : owned)
      if (!f.dead()) f.kill();
  }
};

struct JoinOp final : GatedFibers {
  grove::Fiber<int> target = gated();
  bool wait(grove::Duration d) override { return target.join(d); }
};

struct GetOp final : GatedFibers {
  grove::Fiber<int> target = gated();
  bool wait(grove::Duration d) override {
    try {
      return target.get(d) == 42;
    } catch (const grove::Timeout&) {
      return false;
    }
  }
};

struct EventOp final : grove::test::BlockingOp {
  grove::Event ev;
  bool wait(grove::Duration d) override { return ev.wait(d); }
  void complete() override { ev.set(); }
};

struct WaitAnyOp final : GatedFibers {
  grove::Event never;
  grove::Fiber<> stuck = grove::spawn([this] { never.wait(); });
  grove::Fiber<int> target = gated();
  WaitAnyOp() { owned.push_back(stuck); }
  bool wait(grove::Duration d) override {
    auto i = grove::wait_any(std::vector<grove::Fiber<>>{stuck, target}, d);
    if (i) {
      EXPECT_EQ(*i, 1u);
    }
    return i.has_value();
  }
};

struct JoinallOp final : GatedFibers {
  grove::Fiber<int> a = gated();
  grove::Fiber<int> b = gated();
  bool wait(grove::Duration d) override { return grove::joinall(std::vector<grove::Fiber<int>>{a, b}, d).size() == 2; }
};

using grove::test::BlockingTimeout;

template <class Op>
grove::test::BlockingCase make_case(const char* name) {
  return {name, [] { return std::unique_ptr<grove::test::BlockingOp>(std::make_unique<Op>()); }};
}

INSTANTIATE_TEST_SUITE_P(Fibers, BlockingTimeout,
                         ::testing::Values(make_case<JoinOp>("FiberJoin"), make_case<GetOp>("FiberGet"),
                                           make_case<EventOp>("EventWait"), make_case<WaitAnyOp>("WaitAny"),
                                           make_case<JoinallOp>("Joinall")),
                         [](const auto& info) { return info.param.name; });

}  // namespace
