// deterministic_test.cpp — the fixture's simulation and its TearDown audit.

#include <grove/testing/deterministic_test.hpp>

#include <grove/testing/explore.hpp>

namespace grove::testing {

SimulationOptions DeterministicTest::simulation_options() const { return {.seed = env_seed()}; }

void DeterministicTest::SetUp() {
  sim_.emplace(simulation_options());
  trace_.emplace(trace_options());
}

void DeterministicTest::TearDown() {
  if (!sim_) return;
  for (const std::string& problem : sim_->audit()) ADD_FAILURE() << problem;
  // The run is complete: write the trace (when GROVE_TRACE_DIR is set)
  // before the hub is destroyed, then stop observing.
  if (trace_) {
    trace_->write_if_requested();
    trace_.reset();
  }
  sim_.reset();
}

}  // namespace grove::testing
