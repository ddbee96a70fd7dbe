// explore_test.cpp — explore(): every seed in order, the first failure (a
// GoogleTest failure, an exception, a leaked fiber) with its seed and the
// replay command, GROVE_SEED running one seed alone.

#include <grove/testing/explore.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using grove::testing::ExploreOptions;
using grove::testing::Simulation;

namespace {

const ExploreOptions exact{.use_env_seed = false};

// ScopedEnv sets (or unsets) GROVE_SEED for one test and restores it.
class ScopedSeedEnv {
 public:
  explicit ScopedSeedEnv(const char* value) {
    if (const char* old = std::getenv("GROVE_SEED")) old_ = old;
    if (value) ::setenv("GROVE_SEED", value, 1);
    else ::unsetenv("GROVE_SEED");
  }
  ~ScopedSeedEnv() {
    if (old_) ::setenv("GROVE_SEED", old_->c_str(), 1);
    else ::unsetenv("GROVE_SEED");
  }

 private:
  std::optional<std::string> old_;
};

TEST(TestingExplore, RunsEverySeedInOrderEachInAFreshSimulation) {
  std::vector<std::uint64_t> seen;
  const auto result = grove::testing::explore_seeds(
      25,
      [&](Simulation& sim) {
        seen.push_back(*sim.seed());
        EXPECT_EQ(sim.elapsed(), grove::Duration::zero());
        EXPECT_EQ(grove::hub().fiber_count(), 0u);
        grove::this_fiber::sleep(1s);
      },
      exact);
  EXPECT_TRUE(result.passed()) << result.failure;
  EXPECT_EQ(result.runs, 25u);
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), 1u);
  EXPECT_EQ(seen.back(), 25u);
}

TEST(TestingExplore, StopsAtTheFirstFailingSeed) {
  const auto result = grove::testing::explore_seeds(
      20, [](Simulation& sim) { EXPECT_NE(*sim.seed() % 7, 0u) << "seed is a multiple of 7"; }, exact);
  ASSERT_TRUE(result.failing_seed);
  EXPECT_EQ(*result.failing_seed, 7u);
  EXPECT_EQ(result.runs, 7u);
  EXPECT_NE(result.failure.find("seed is a multiple of 7"), std::string::npos) << result.failure;
}

TEST(TestingExplore, AnExceptionFailsTheRun) {
  const auto result = grove::testing::explore_seeds(
      5, [](Simulation& sim) {
        if (*sim.seed() == 3) throw std::runtime_error("kaboom");
      }, exact);
  ASSERT_TRUE(result.failing_seed);
  EXPECT_EQ(*result.failing_seed, 3u);
  EXPECT_NE(result.failure.find("kaboom"), std::string::npos) << result.failure;
}

TEST(TestingExplore, AFiberOutlivingTheBodyFailsTheRun) {
  const auto result = grove::testing::explore_seeds(
      3, [] { grove::spawn([] { grove::this_fiber::sleep(1h); }).set_name("sleeper"); }, exact);
  ASSERT_TRUE(result.failing_seed);
  EXPECT_EQ(*result.failing_seed, 1u);
  EXPECT_NE(result.failure.find("outlived"), std::string::npos) << result.failure;
  EXPECT_NE(result.failure.find("sleeper"), std::string::npos) << result.failure;
}

TEST(TestingExplore, ExploreReportsTheSeedAndHowToReplayIt) {
  EXPECT_NONFATAL_FAILURE(grove::testing::explore(
                              10, [](Simulation& sim) { EXPECT_NE(*sim.seed(), 4u); },
                              ExploreOptions{.use_env_seed = false}),
                          "seed 4 fails");
  EXPECT_NONFATAL_FAILURE(grove::testing::explore(
                              10, [](Simulation& sim) { EXPECT_NE(*sim.seed(), 4u); },
                              ExploreOptions{.use_env_seed = false}),
                          "GROVE_SEED=4 ");
  EXPECT_NONFATAL_FAILURE(grove::testing::explore(
                              10, [](Simulation& sim) { EXPECT_NE(*sim.seed(), 4u); },
                              ExploreOptions{.use_env_seed = false}),
                          "--gtest_filter='TestingExplore.ExploreReportsTheSeedAndHowToReplayIt'");
}

TEST(TestingExplore, GroveSeedRunsExactlyThatSeed) {
  ScopedSeedEnv env("4242");
  std::vector<std::uint64_t> seen;
  const auto result = grove::testing::explore_seeds(100, [&](Simulation& sim) { seen.push_back(*sim.seed()); });
  EXPECT_EQ(result.runs, 1u);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{4242}));
}

TEST(TestingExplore, AMalformedGroveSeedIsAnError) {
  ScopedSeedEnv env("12abc");
  EXPECT_THROW(grove::testing::env_seed(), grove::UsageError);
}

TEST(TestingExplore, SeedsCanBeAListOrARange) {
  std::vector<std::uint64_t> seen;
  auto record = [&](Simulation& sim) { seen.push_back(*sim.seed()); };
  grove::testing::explore_seeds({9, 3}, record, exact);
  grove::testing::explore_seeds(grove::testing::Seeds::range(100, 102), record, exact);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{9, 3, 100, 101, 102}));
}

}  // namespace
