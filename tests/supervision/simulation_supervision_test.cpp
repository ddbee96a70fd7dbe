// simulation_supervision_test.cpp — the supervisor's restart intensity
// window and backoff on virtual time: exact instants, no real waiting.

#include <grove/supervisor.hpp>

#include <grove/testing/deterministic_test.hpp>

#include <grove/child_spec.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
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

}  // namespace
