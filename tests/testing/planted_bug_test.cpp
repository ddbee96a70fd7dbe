// planted_bug_test.cpp — the kit's proof: a bank account whose deposit is a
// read-modify-write across an ask. It passes under first in, first out;
// explore() finds the interleaving that loses an update within 100 seeds,
// and the failing seed replays the same failure, every time.

#include <grove/testing/explore.hpp>
#include <grove/testing/simulation.hpp>

#include <grove/actor.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <variant>

using namespace std::chrono_literals;
using grove::testing::ExploreOptions;

namespace {

struct GetBalance {};
struct SetBalance {
  int value;
};
struct Deposit {
  int amount;
};
using AccountMsg = std::variant<GetBalance, SetBalance, Deposit>;

class Account : public grove::Actor<AccountMsg> {
  void receive(AccountMsg& m) override {
    grove::match(
        m, [&](GetBalance&) { reply(balance_); }, [&](SetBalance& s) { balance_ = s.value; },
        [&](Deposit& d) { balance_ += d.amount; });
  }
  int balance_ = 0;
};

// The planted bug: read the balance, then write balance + amount. Another
// deposit between the ask and the send is lost.
void racy_deposit(const grove::ActorRef<AccountMsg>& account, int amount) {
  const int balance = account.ask<int>(GetBalance{}, 1s).get();
  account.send(SetBalance{balance + amount});
}
// The fix: the account adds in one message.
void atomic_deposit(const grove::ActorRef<AccountMsg>& account, int amount) { account.send(Deposit{amount}); }

// Two clients deposit 10 and 20; the second prepares a little first (two
// yields), which under first in, first out is just long enough for the
// first client's write to land before its read.
template <class DepositFn>
void bank(DepositFn deposit) {
  auto account = grove::spawn_actor<Account>();
  auto alice = grove::spawn([&] { deposit(account, 10); });
  auto bob = grove::spawn([&] {
    grove::this_fiber::yield();
    grove::this_fiber::yield();
    deposit(account, 20);
  });
  alice.join();
  bob.join();
  EXPECT_EQ(account.ask<int>(GetBalance{}, 1s).get(), 30) << "a deposit was lost";
  account.fiber().kill();
}

void racy_bank() { bank(racy_deposit); }

const ExploreOptions exact{.use_env_seed = false};  // these tests pin their seeds

TEST(DeterministicBank, TheRacyDepositPassesUnderFifo) {
  grove::testing::Simulation sim;  // no seed: first in, first out
  racy_bank();
}

TEST(DeterministicBank, ExploreFindsTheLostUpdateWithin100Seeds) {
  const auto result = grove::testing::explore_seeds(100, racy_bank, exact);
  ASSERT_FALSE(result.passed()) << "no seed of 100 lost an update";
  EXPECT_LE(*result.failing_seed, 100u);
  EXPECT_EQ(result.runs, *result.failing_seed);  // seeds 1, 2, ... in order, stopping at the first failure
  EXPECT_NE(result.failure.find("a deposit was lost"), std::string::npos) << result.failure;
}

TEST(DeterministicBank, TheFailingSeedReplaysTheSameFailure) {
  const auto found = grove::testing::explore_seeds(100, racy_bank, exact);
  ASSERT_TRUE(found.failing_seed);
  for (int i = 0; i < 3; ++i) {
    const auto replay = grove::testing::run_seed(*found.failing_seed, racy_bank);
    ASSERT_FALSE(replay.passed());
    EXPECT_EQ(replay.failure, found.failure);
  }
  if (*found.failing_seed > 1) {
    EXPECT_TRUE(grove::testing::run_seed(*found.failing_seed - 1, racy_bank).passed());
  }
}

TEST(DeterministicBank, ExploreFailsTheTestWithTheSeedAndTheReplayCommand) {
  EXPECT_NONFATAL_FAILURE(grove::testing::explore(100, racy_bank, ExploreOptions{.use_env_seed = false}),
                          "Replay exactly this run with:\n  GROVE_SEED=");
}

TEST(DeterministicBank, TheAtomicDepositSurvivesEverySeed) {
  grove::testing::explore(100, [] { bank(atomic_deposit); });
}

}  // namespace
