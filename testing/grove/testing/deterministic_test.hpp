#pragma once
// deterministic_test.hpp — DeterministicTest: a GoogleTest fixture that runs
// each test in a fresh Simulation (virtual time; seeded by GROVE_SEED, else
// first in, first out) and fails the test, at TearDown, when
//   - a fiber died of an exception nobody handled (take_unhandled() claims
//     the ones a test expects),
//   - fibers or timers outlive the test (stop your actors before it ends),
//   - a TestProbe still holds messages the test never consumed.
// Every test also records its actor messages in a Trace (trace()); when
// GROVE_TRACE_DIR is set, TearDown writes it there as <Suite>.<Test>.json.
//
//   class DeterministicChat : public grove::testing::DeterministicTest {};
//   TEST_F(DeterministicChat, WelcomesNewcomers) {
//     grove::testing::TestProbe<Msg> probe;
//     ...
//     advance(5s);
//   }

#include <grove/testing/simulation.hpp>
#include <grove/testing/trace.hpp>

#include <grove/duration.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace grove::testing {

class DeterministicTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // trace_options() is what SetUp() starts the test's Trace with.
  virtual TraceOptions trace_options() const { return {}; }
  // simulation_options() is what SetUp() starts the Simulation with;
  // override it to pin a seed or configure the hub.
  virtual SimulationOptions simulation_options() const;

  Simulation& sim() { return *sim_; }
  Trace& trace() { return *trace_; }
  TimePoint now() const { return sim_->now(); }
  void advance(Duration d) { sim_->advance(d); }
  void run_until_idle() { sim_->run_until_idle(); }
  std::vector<UnhandledFailure> take_unhandled() { return sim_->take_unhandled(); }

 private:
  std::optional<Simulation> sim_;
  std::optional<Trace> trace_;
};

}  // namespace grove::testing
