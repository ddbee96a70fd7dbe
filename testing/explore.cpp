// explore.cpp — many seeded runs, each on a thread and hub of its own, with
// GoogleTest's failures captured per run.

#include <grove/testing/explore.hpp>

#include <grove/errors.hpp>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <unistd.h>

namespace grove::testing {

Seeds::Seeds(std::size_t count) {
  values_.reserve(count);
  for (std::uint64_t s = 1; s <= count; ++s) values_.push_back(s);
}

Seeds Seeds::range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> v;
  for (std::uint64_t s = first; s <= last; ++s) {
    v.push_back(s);
    if (s == last) break;  // last may be the largest value
  }
  return Seeds(std::move(v));
}

std::optional<std::uint64_t> env_seed() {
  const char* text = std::getenv("GROVE_SEED");
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || *text == '-')
    throw UsageError(std::string("grove::testing: GROVE_SEED='") + text + "' is not a seed (an unsigned integer)");
  return value;
}

std::string replay_command(std::uint64_t seed) {
  std::string binary = "<test binary>";
  char path[4096];
  if (ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1); n > 0) binary.assign(path, static_cast<std::size_t>(n));
  std::string test = "<Suite>.<Test>";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info())
    test = std::string(info->test_suite_name()) + "." + info->name();
  const std::string env = "GROVE_SEED=" + std::to_string(seed);
  return env + " " + binary + " --gtest_filter='" + test + "'\n  or: " + env + " ctest -R '" + test + "'";
}

namespace {

// run_once() runs body under seed on a fresh thread (hence a fresh hub),
// capturing every GoogleTest failure of that thread; "" means it passed.
std::string run_once(std::uint64_t seed, const ExploreBody& body, const ExploreOptions& options) {
  ::testing::TestPartResultArray results;
  std::string exception;
  {
    ::testing::ScopedFakeTestPartResultReporter capture(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS, &results);
    std::thread run([&] {
      try {
        Simulation sim({.seed = seed, .hub = options.hub});
        try {
          body(sim);
        } catch (...) {
          exception = "exception: " + grove::describe_current();
        }
        for (auto& problem : sim.audit()) ADD_FAILURE() << problem;
      } catch (...) {
        if (exception.empty()) exception = "exception: " + grove::describe_current();
      }
    });
    run.join();
  }
  std::string failure;
  for (int i = 0; i < results.size(); ++i) {
    const ::testing::TestPartResult& r = results.GetTestPartResult(i);
    if (!r.failed()) continue;
    if (r.file_name()) failure += std::string(r.file_name()) + ":" + std::to_string(r.line_number()) + ": ";
    failure += r.message();
    failure += "\n";
  }
  if (!exception.empty()) failure += exception + "\n";
  return failure;
}

}  // namespace

ExploreResult run_seed(std::uint64_t seed, const ExploreBody& body, const ExploreOptions& options) {
  ExploreResult result;
  result.runs = 1;
  if (std::string failure = run_once(seed, body, options); !failure.empty()) {
    result.failing_seed = seed;
    result.failure = std::move(failure);
  }
  return result;
}

ExploreResult explore_seeds(const Seeds& seeds, const ExploreBody& body, const ExploreOptions& options) {
  if (options.use_env_seed) {
    if (std::optional<std::uint64_t> seed = env_seed()) return run_seed(*seed, body, options);
  }
  ExploreResult result;
  for (std::uint64_t seed : seeds.values()) {
    ++result.runs;
    if (std::string failure = run_once(seed, body, options); !failure.empty()) {
      result.failing_seed = seed;
      result.failure = std::move(failure);
      break;
    }
  }
  return result;
}

ExploreResult explore(const Seeds& seeds, const ExploreBody& body, const ExploreOptions& options) {
  ExploreResult result = explore_seeds(seeds, body, options);
  if (result.failing_seed) {
    ADD_FAILURE() << "grove::testing::explore: seed " << *result.failing_seed << " fails (run " << result.runs
                  << " of " << (options.use_env_seed && env_seed() ? 1 : seeds.values().size())
                  << "). Its failures:\n"
                  << result.failure << "Replay exactly this run with:\n  " << replay_command(*result.failing_seed);
  }
  return result;
}

}  // namespace grove::testing
