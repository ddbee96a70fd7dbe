#pragma once
// explore.hpp — explore(seeds, body): run a test body under many seeded
// schedules, each in a fresh Simulation, and report the first seed that
// fails, with the command that replays exactly that run.
//
//   TEST(DeterministicBank, DepositsAreNotLost) {
//     grove::testing::explore(100, [](grove::testing::Simulation& sim) {
//       ... spawn, sim.run_until_idle(), EXPECT_EQ(...) ...
//     });
//   }
//
// A run fails when it records a GoogleTest failure, throws, or leaves what
// the fixture's audit() forbids (unhandled fiber exceptions, fibers or
// timers outliving the body, unconsumed probe messages). With GROVE_SEED=n
// in the environment, explore() runs seed n alone. Each run has a thread of
// its own (its own hub), so explore() may be called from any test, fixture
// or not; the body must not share fibers or actors with the caller.

#include <grove/testing/simulation.hpp>

#include <grove/hub_config.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace grove::testing {

// Seeds is which seeds to run: explore(100, ...) runs 1..100; a list
// ({3, 17}) or Seeds::range(first, last) (inclusive) pick others.
class Seeds {
 public:
  Seeds(std::size_t count);  // NOLINT(google-explicit-constructor): explore(100, body)
  Seeds(std::initializer_list<std::uint64_t> seeds) : values_(seeds) {}
  explicit Seeds(std::vector<std::uint64_t> seeds) : values_(std::move(seeds)) {}
  static Seeds range(std::uint64_t first, std::uint64_t last);

  const std::vector<std::uint64_t>& values() const noexcept { return values_; }

 private:
  std::vector<std::uint64_t> values_;
};

struct ExploreOptions {
  // use_env_seed: GROVE_SEED=n in the environment runs seed n alone.
  bool use_env_seed = true;
  HubConfig hub{};  // each run's hub (the simulation sets its policy)
};

// ExploreResult is what explore_seeds() found: the runs it made and the
// first failing seed with its failure messages.
struct ExploreResult {
  std::size_t runs = 0;
  std::optional<std::uint64_t> failing_seed{};
  std::string failure{};
  bool passed() const noexcept { return !failing_seed; }
};

using ExploreBody = std::function<void(Simulation&)>;

// explore_seeds() runs body under each seed until one fails, and reports
// nothing itself: the failures of the runs are captured, not recorded.
ExploreResult explore_seeds(const Seeds& seeds, const ExploreBody& body, const ExploreOptions& options = {});
// explore() is explore_seeds() that fails the current test (non-fatally)
// with the first failing seed, its failures and the replay command.
ExploreResult explore(const Seeds& seeds, const ExploreBody& body, const ExploreOptions& options = {});
// run_seed(seed, body) is one run under seed (GROVE_SEED not consulted).
ExploreResult run_seed(std::uint64_t seed, const ExploreBody& body, const ExploreOptions& options = {});

template <class F>
  requires std::invocable<F&>
ExploreResult explore_seeds(const Seeds& seeds, F body, const ExploreOptions& options = {}) {
  return explore_seeds(seeds, ExploreBody([&body](Simulation&) { body(); }), options);
}
template <class F>
  requires std::invocable<F&>
ExploreResult explore(const Seeds& seeds, F body, const ExploreOptions& options = {}) {
  return explore(seeds, ExploreBody([&body](Simulation&) { body(); }), options);
}
template <class F>
  requires std::invocable<F&>
ExploreResult run_seed(std::uint64_t seed, F body, const ExploreOptions& options = {}) {
  return run_seed(seed, ExploreBody([&body](Simulation&) { body(); }), options);
}

// env_seed() is GROVE_SEED from the environment (UsageError if it is not a
// number); replay_command(seed) the shell command that reruns the current
// test under that seed.
std::optional<std::uint64_t> env_seed();
std::string replay_command(std::uint64_t seed);

}  // namespace grove::testing
