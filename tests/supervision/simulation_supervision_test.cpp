// simulation_supervision_test.cpp — the supervisor's restart intensity
// window and backoff on virtual time: exact instants, no real waiting; and
// OTP supervisor_SUITE's cases the other suites lack: a start that returns
// ignore or an error, a hanging restart loop that must not hang stop,
// shutdown infinity for supervisors (10,000 temporary children:
// supervisor_lifecycle_test.cpp).

#include <grove/supervisor.hpp>

#include <grove/testing/deterministic_test.hpp>

#include <grove/child_spec.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

class SimulationSupervision : public grove::testing::DeterministicTest {};

// A child that crashes every time its trigger is set.
struct Trigger {
  grove::Event event;
  int starts = 0;
  std::vector<grove::Duration> started_at;
};

grove::ChildSpec crashing_child(const std::shared_ptr<Trigger>& t, grove::testing::Simulation& sim) {
  return grove::fiber_child("c", {}, [t, &sim] {
    ++t->starts;
    t->started_at.push_back(sim.elapsed());
    t->event.wait();
    t->event.clear();
    throw std::runtime_error("crash");
  });
}

TEST_F(SimulationSupervision, CrashesSpacedWiderThanThePeriodNeverEscalate) {
  auto t = std::make_shared<Trigger>();
  grove::Supervisor sup({.intensity = 1, .period = 5s}, {crashing_child(t, sim())});
  sup.start();
  for (int i = 0; i < 10; ++i) {
    advance(5001ms);  // just over one period: the earlier restart has left the window
    t->event.set();
    advance(0s);
    ASSERT_TRUE(sup.running()) << "crash " << i;
  }
  EXPECT_EQ(t->starts, 11);
  EXPECT_EQ(sup.restart_count(), 10u);
  sup.stop();
}

TEST_F(SimulationSupervision, TheWindowIncludesItsEdgeAsOtpsDoes) {
  auto t = std::make_shared<Trigger>();
  grove::Supervisor sup({.intensity = 1, .period = 5s}, {crashing_child(t, sim())});
  grove::Fiber<> f = sup.start();
  t->event.set();
  advance(0s);
  ASSERT_TRUE(sup.running());
  advance(5s);  // exactly one period later: the first restart still counts
  t->event.set();
  advance(0s);
  EXPECT_FALSE(sup.running());
  EXPECT_TRUE(f.dead());
  take_unhandled();
}

TEST_F(SimulationSupervision, ExceedingTheIntensityWithinThePeriodEscalates) {
  auto t = std::make_shared<Trigger>();
  grove::Supervisor sup({.intensity = 2, .period = 5s}, {crashing_child(t, sim())});
  grove::Fiber<> f = sup.start();
  for (int i = 0; i < 2; ++i) {
    advance(2s);
    t->event.set();
    advance(0s);
    ASSERT_TRUE(sup.running()) << "crash " << i;  // 2 restarts within 5 s are allowed
  }
  advance(999ms);  // the third crash, 4.999 s after the first restart: one too many
  t->event.set();
  advance(0s);
  EXPECT_FALSE(sup.running());
  ASSERT_TRUE(f.dead());
  EXPECT_THROW(std::rethrow_exception(f.exit_reason().exception()), grove::SupervisorGaveUp);
  take_unhandled();  // the supervisor's own failure is what this test expects
}

TEST_F(SimulationSupervision, BackoffDelaysRestartsByExactVirtualTimes) {
  auto started_at = std::make_shared<std::vector<grove::Duration>>();
  auto& simulation = sim();
  grove::Supervisor sup(
      {.intensity = 10, .period = 1min, .backoff = {.initial = 1s, .max = 8s, .multiplier = 2.0, .jitter = 0.0}},
      {grove::fiber_child("c", {}, [started_at, &simulation] {
        started_at->push_back(simulation.elapsed());
        if (started_at->size() <= 5) throw std::runtime_error("crash at start");
        grove::Event().wait();
      })});
  sup.start();
  advance(1min);
  using D = grove::Duration;
  // delays 1 s, 2 s, 4 s, 8 s, then 8 s again (the maximum)
  EXPECT_EQ(*started_at, (std::vector<D>{D(0s), D(1s), D(3s), D(7s), D(15s), D(23s)}));
  sup.stop();
}

// ---------------------------------------------------- OTP supervisor_SUITE

// ignoring(starts) is a child whose start returns ignore (an empty fiber).
grove::ChildSpec ignoring(std::string id, grove::Restart restart, std::shared_ptr<int> starts) {
  grove::ChildSpec spec;
  spec.id = std::move(id);
  spec.restart = restart;
  spec.start = [starts] {
    ++*starts;
    return grove::Fiber<>();
  };
  return spec;
}

TEST_F(SimulationSupervision, AStartThatReturnsIgnoreKeepsTheSpecNotRunning) {  // OTP: sup_start_ignore_child
  auto starts = std::make_shared<int>(0);
  auto event = std::make_shared<grove::Event>();
  grove::Supervisor sup(
      {}, {ignoring("ignored", grove::Restart::permanent, starts), ignoring("gone", grove::Restart::temporary, starts),
           grove::fiber_child("worker", {}, [event] { event->wait(); })});
  sup.start();
  EXPECT_EQ(*starts, 2);
  auto children = sup.which_children();
  ASSERT_EQ(children.size(), 2u);  // the temporary one is forgotten
  EXPECT_EQ(children[0].id, "ignored");
  EXPECT_FALSE(children[0].running());
  EXPECT_TRUE(children[1].running());
  EXPECT_EQ(sup.count_children().active, 1u);
  EXPECT_FALSE(sup.start_child(ignoring("later", grove::Restart::permanent, starts)).fiber);
  EXPECT_FALSE(sup.start_child(ignoring("later-temp", grove::Restart::temporary, starts)).fiber);
  EXPECT_EQ(sup.count_children().specs, 3u);
  EXPECT_FALSE(sup.restart_child("ignored").fiber);  // ignores again
  EXPECT_EQ(*starts, 5);
  advance(1min);
  EXPECT_EQ(sup.restart_count(), 0u);  // an ignore is no crash
  sup.stop();
}

TEST_F(SimulationSupervision, AStartErrorFailsStartAndStartChild) {  // OTP: sup_start_error_return
  auto fails = [] {
    grove::ChildSpec spec;
    spec.id = "bad";
    spec.start = []() -> grove::Fiber<> { throw std::runtime_error("no resources"); };
    return spec;
  };
  grove::Supervisor broken({}, {fails()});
  EXPECT_THROW(broken.start(), std::runtime_error);
  EXPECT_FALSE(broken.running());
  grove::Supervisor sup({}, std::vector<grove::ChildSpec>{});
  sup.start();
  EXPECT_THROW(sup.start_child(fails()), std::runtime_error);
  EXPECT_EQ(sup.count_children().specs, 0u);
  auto tmpl = grove::child_template<>("t", [&fails] { return fails(); });
  grove::Supervisor dynamic({.strategy = grove::Strategy::simple_one_for_one}, tmpl);
  dynamic.start();
  EXPECT_THROW(dynamic.start_child(), std::runtime_error);
  EXPECT_EQ(dynamic.count_children().specs, 0u);
  sup.stop();
  dynamic.stop();
}

TEST_F(SimulationSupervision, AHangingRestartLoopDoesNotHangStop) {  // OTP: hanging_restart_loop
  auto starts = std::make_shared<int>(0);
  grove::Supervisor* supervisor = nullptr;
  grove::ChildSpec child;
  child.id = "flaky";
  child.start = [starts, &supervisor]() -> grove::Fiber<> {
    if (++*starts > 1) throw std::runtime_error("cannot start again");
    return grove::spawn([&supervisor] {
      // stop() comes from a fiber that is ready while the supervisor is
      // already retrying: it must get its turn.
      grove::spawn([&supervisor] {
        grove::this_fiber::yield();
        supervisor->stop();
      });
      throw std::runtime_error("crash");
    });
  };
  // Every restart fails at once, within an intensity far from reached.
  grove::Supervisor sup({.intensity = 10'000, .period = 1h}, {child});
  supervisor = &sup;
  sup.start();
  run_until_idle();
  EXPECT_FALSE(sup.running());
  EXPECT_EQ(sup.fiber().exit_reason().to_string(), grove::ExitReason::normal().to_string()) << "it gave up";
  EXPECT_LT(*starts, 100) << "stop() waited for the restart loop";
  take_unhandled();
}

TEST_F(SimulationSupervision, ShutdownInfinityWaitsForANestedSupervisor) {  // OTP: sup_stop_infinity
  auto worker_ended = std::make_shared<grove::ExitReason>();
  auto slow_stop = [worker_ended] {
    try {
      grove::Event().wait();
    } catch (const grove::FiberExit& e) {
      *worker_ended = e.reason();
      grove::this_fiber::sleep(30s);  // a long cleanup, within its own shutdown of 1 min
      throw;
    }
  };
  grove::Supervisor inner({.name = "inner"}, {grove::fiber_child("slow", {.shutdown = 1min}, slow_stop)});
  grove::Supervisor outer({.name = "outer"}, {grove::supervisor_child("inner", inner)});
  outer.start();
  grove::Fiber<> inner_fiber = inner.fiber();
  const auto t0 = sim().now();
  outer.stop();
  EXPECT_EQ(sim().now() - t0, 30s);  // not cut short at a default 5 s
  EXPECT_EQ(*worker_ended, grove::ExitReason::shutdown());
  EXPECT_EQ(inner_fiber.exit_reason(), grove::ExitReason::shutdown());  // never killed
}

}  // namespace
