// deterministic_test.cpp — the fixture's simulation and its TearDown audit.

#include <grove/testing/deterministic_test.hpp>

#include <grove/testing/explore.hpp>

namespace grove::testing {

SimulationOptions DeterministicTest::simulation_options() const { return {.seed = env_seed()}; }

void DeterministicTest::SetUp() { sim_.emplace(simulation_options()); }

void DeterministicTest::TearDown() {
  if (!sim_) return;
  for (const std::string& problem : sim_->audit()) ADD_FAILURE() << problem;
  // TRACE HOOK (issue 7, part 3): when GROVE_TRACE_DIR is set, write this
  // test's grove::testing::Trace there as <Suite>.<Test>.json, here: after
  // the audit (the run is complete) and before the hub is destroyed.
  sim_.reset();
}

}  // namespace grove::testing
