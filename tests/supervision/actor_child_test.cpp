// actor_child_test.cpp — actors under supervision: the ActorRef and the
// mailbox outlive restarts, a message sent during a restart reaches the next
// incarnation, and 1,000 random crashes lose nothing (sent = processed +
// dead-lettered) under each restarting strategy.

#include <grove/actor_child.hpp>

#include <grove/actor.hpp>
#include <grove/dead_letters.hpp>
#include <grove/links.hpp>
#include <grove/supervisor.hpp>

#include "supervision_test_support.hpp"

#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
using grove::Restart;
using grove::Strategy;

namespace {

struct Work {
  int n;
  bool crash;
};
struct WhoAreYou {};
using Msg = std::variant<Work, WhoAreYou>;

struct Stats {
  int incarnations = 0;
  int processed = 0;
  std::vector<std::pair<int, int>> seen;  // (incarnation, n)
};

class Worker : public grove::Actor<Msg> {
 public:
  explicit Worker(std::shared_ptr<Stats> stats) : stats_(std::move(stats)) {}

 protected:
  void on_start() override { incarnation_ = ++stats_->incarnations; }
  void receive(Msg& m) override {
    grove::match(
        m,
        [&](Work& w) {
          if (w.crash) throw std::runtime_error("crash on " + std::to_string(w.n));
          ++stats_->processed;
          stats_->seen.emplace_back(incarnation_, w.n);
        },
        [&](WhoAreYou&) { reply(incarnation_); });
  }

 private:
  std::shared_ptr<Stats> stats_;
  int incarnation_ = 0;
};

class ActorChildTest : public SupervisionTest {};

TEST_F(ActorChildTest, RefStaysValidAndTheMailboxIsKeptAcrossRestarts) {
  auto stats = std::make_shared<Stats>();
  auto child = grove::actor_child<Worker>("worker", {.restart = Restart::permanent}, stats);
  grove::ActorRef<Msg> ref = child.ref;
  EXPECT_EQ(ref.name(), "worker");
  grove::Supervisor sup({.intensity = 5}, {child});
  sup.start();
  EXPECT_EQ(ref.ask<int>(WhoAreYou{}).get(), 1);
  grove::Fiber<> first = ref.fiber();

  // The crash and the message after it are queued together: the crash kills
  // incarnation 1 and goes to dead letters; the next message waits in the
  // kept mailbox for incarnation 2.
  ref.send(Work{1, true});
  ref.send(Work{2, false});
  ASSERT_TRUE(eventually([&] { return stats->processed == 1; }));
  EXPECT_EQ(stats->seen, (std::vector<std::pair<int, int>>{{2, 2}}));
  EXPECT_TRUE(first.dead());
  EXPECT_FALSE(ref.fiber() == first);
  EXPECT_TRUE(ref.alive());
  EXPECT_EQ(grove::dead_letters().count(grove::DeadLetterReason::crashed), 1u);
  EXPECT_EQ(grove::dead_letters().total(), 1u);

  // A message sent while the supervisor is restarting the actor (after the
  // crash, before the new incarnation runs) is processed by the new one.
  grove::Fiber<> second = ref.fiber();
  grove::monitor(second, [ref](const grove::Down&) { ref.send(Work{4, false}); });  // at its death
  ref.send(Work{3, true});
  ASSERT_TRUE(eventually([&] { return stats->processed == 2; }));
  EXPECT_EQ(stats->seen.back(), (std::pair<int, int>{3, 4}));
  EXPECT_EQ(ref.ask<int>(WhoAreYou{}).get(), 3);
  EXPECT_EQ(sup.which_children()[0].actor<Msg>(), ref);
  EXPECT_EQ(grove::dead_letters().total(), 2u);

  sup.stop();  // retires the child: its mailbox closes
  EXPECT_FALSE(ref.alive());
  ref.send(Work{5, false});
  EXPECT_EQ(grove::dead_letters().count(grove::DeadLetterReason::dead_actor), 1u);
}

TEST_F(ActorChildTest, MessagesQueuedDuringABackoffWaitReachTheNextIncarnation) {
  auto stats = std::make_shared<Stats>();
  auto child = grove::actor_child<Worker>("worker", {}, stats);
  grove::Supervisor sup({.intensity = 5, .backoff = {.initial = 30ms, .jitter = 0.0}}, {child});
  sup.start();
  child.ref.send(Work{1, true});
  settle();
  EXPECT_EQ(stats->incarnations, 1);
  for (int i = 2; i <= 11; ++i) child.ref.send(Work{i, false});
  EXPECT_EQ(child.ref.mailbox_size(), 10u);
  ASSERT_TRUE(eventually([&] { return stats->processed == 10; }));
  EXPECT_EQ(stats->incarnations, 2);
  sup.stop();
  EXPECT_EQ(grove::dead_letters().total(), 1u);
}

TEST_F(ActorChildTest, DeletingAnActorChildClosesItsMailbox) {
  auto stats = std::make_shared<Stats>();
  auto child = grove::actor_child<Worker>("worker", {.shutdown = grove::brutal_kill}, stats);
  grove::Supervisor sup({}, {child});
  sup.start();
  settle();
  sup.terminate_child("worker");
  EXPECT_TRUE(child.ref.alive());  // terminated, not retired: mail waits for restart_child
  child.ref.send(Work{1, false});
  EXPECT_EQ(child.ref.mailbox_size(), 1u);
  sup.restart_child("worker");
  ASSERT_TRUE(eventually([&] { return stats->processed == 1; }));
  sup.terminate_child("worker");
  child.ref.send(Work{2, false});
  sup.delete_child("worker");
  EXPECT_FALSE(child.ref.alive());
  EXPECT_EQ(grove::dead_letters().count(grove::DeadLetterReason::leftover), 1u);
  sup.stop();
}

TEST_F(ActorChildTest, ActorTemplateStartsDynamicActors) {
  auto stats = std::make_shared<Stats>();
  grove::Supervisor sup(
      {.strategy = Strategy::simple_one_for_one, .intensity = 5},
      grove::actor_template<Worker, std::shared_ptr<Stats>>("worker", {.restart = Restart::transient}));
  sup.start();
  auto info = sup.start_child(stats);
  grove::ActorRef<Msg> ref = info.actor<Msg>();
  EXPECT_THROW(info.actor<int>(), grove::UsageError);
  ref.send(Work{1, true});
  ref.send(Work{2, false});
  ASSERT_TRUE(eventually([&] { return stats->processed == 1; }));
  EXPECT_EQ(stats->incarnations, 2);
  EXPECT_EQ(sup.count_children().active, 1u);
  sup.stop();
  EXPECT_FALSE(ref.alive());
}

TEST_F(ActorChildTest, RefSurvivesEscalationThroughANestedSupervisor) {
  auto stats = std::make_shared<Stats>();
  auto child = grove::actor_child<Worker>("worker", {}, stats);
  grove::Supervisor inner({.intensity = 0, .name = "inner"}, {child});
  grove::Supervisor outer({.intensity = 3, .name = "outer"}, {grove::supervisor_child("inner", inner)});
  outer.start();
  child.ref.send(Work{1, true});  // inner gives up; outer restarts it, and it restarts the actor
  child.ref.send(Work{2, false});
  ASSERT_TRUE(eventually([&] { return stats->processed == 1; }));
  EXPECT_EQ(stats->incarnations, 2);
  EXPECT_EQ(outer.restart_count(), 1u);
  EXPECT_TRUE(child.ref.alive());
  EXPECT_EQ(grove::dead_letters().total(), 1u);
  outer.stop();  // retires the whole tree
  EXPECT_FALSE(inner.running());
  EXPECT_FALSE(child.ref.alive());
}

TEST_F(ActorChildTest, BoundedMailboxKeepsItsPolicyAcrossRestarts) {
  auto stats = std::make_shared<Stats>();
  auto child = grove::actor_child<Worker>(
      {.name = "bounded", .mailbox = {.capacity = 2, .overflow = grove::Overflow::drop_newest}}, {}, stats);
  EXPECT_EQ(child.id, "bounded");
  EXPECT_THROW(grove::actor_child<Worker>(grove::ActorOptions{}, {}, stats), grove::UsageError);
  grove::Supervisor sup({.intensity = 3}, {child});
  sup.start();
  child.ref.send(Work{1, true});
  EXPECT_EQ(child.ref.send(Work{2, false}), grove::SendStatus::delivered);
  EXPECT_EQ(child.ref.send(Work{3, false}), grove::SendStatus::shed);  // 2 queued: full
  ASSERT_TRUE(eventually([&] { return stats->processed == 1; }));
  EXPECT_EQ(stats->incarnations, 2);
  EXPECT_EQ(grove::dead_letters().count(grove::DeadLetterReason::shed), 1u);
  EXPECT_EQ(grove::dead_letters().count(grove::DeadLetterReason::crashed), 1u);
  sup.stop();
}

class RandomCrashes : public SupervisionTest, public ::testing::WithParamInterface<Strategy> {};

TEST_P(RandomCrashes, ThousandCrashesLoseNothing) {
  constexpr int actors = 4;
  constexpr int messages = 5'000;
  constexpr int crashes = 1'000;
  std::mt19937 rng(20261122);
  std::set<int> crashing;
  while (static_cast<int>(crashing.size()) < crashes)
    crashing.insert(std::uniform_int_distribution<int>(0, messages - 1)(rng));

  std::vector<std::shared_ptr<Stats>> stats;
  std::vector<grove::ActorRef<Msg>> refs;
  std::vector<grove::ChildSpec> specs;
  for (int i = 0; i < actors; ++i) {
    stats.push_back(std::make_shared<Stats>());
    auto child = grove::actor_child<Worker>("worker" + std::to_string(i), {.shutdown = 50ms}, stats.back());
    refs.push_back(child.ref);
    specs.push_back(child);
  }
  grove::Supervisor sup({.strategy = GetParam(), .intensity = 100'000, .period = 1s}, std::move(specs));
  sup.start();

  std::uint64_t sent = 0;
  for (int n = 0; n < messages; ++n) {
    refs[std::uniform_int_distribution<int>(0, actors - 1)(rng)].send(Work{n, crashing.contains(n)});
    ++sent;
    if (n % 37 == 0) grove::this_fiber::yield();  // let crashes and restarts interleave with sends
  }
  auto processed = [&] {
    std::uint64_t p = 0;
    for (auto& s : stats) p += s->processed;
    return p;
  };
  ASSERT_TRUE(eventually([&] { return processed() + grove::dead_letters().total() == sent; }, 1500ms))
      << processed() << " processed, " << grove::dead_letters().total() << " dead letters";
  EXPECT_EQ(grove::dead_letters().count(grove::DeadLetterReason::crashed), static_cast<std::uint64_t>(crashes));
  EXPECT_EQ(processed(), static_cast<std::uint64_t>(messages - crashes));
  // one_for_one restarts once per crash; the group strategies restart a
  // whole group once for crashes that land while it is being restarted.
  if (GetParam() == Strategy::one_for_one) {
    EXPECT_EQ(sup.restart_count(), static_cast<std::uint64_t>(crashes));
  } else {
    EXPECT_LE(sup.restart_count(), static_cast<std::uint64_t>(crashes));
  }
  EXPECT_GT(sup.restart_count(), 0u);
  EXPECT_TRUE(sup.running());
  sup.stop();
  EXPECT_EQ(processed() + grove::dead_letters().total(), sent);
  for (auto& r : refs) EXPECT_FALSE(r.alive());
}

INSTANTIATE_TEST_SUITE_P(Strategies, RandomCrashes,
                         ::testing::Values(Strategy::one_for_one, Strategy::one_for_all, Strategy::rest_for_one),
                         [](const ::testing::TestParamInfo<Strategy>& info) {
                           switch (info.param) {
                             case Strategy::one_for_one:
                               return std::string("one_for_one");
                             case Strategy::one_for_all:
                               return std::string("one_for_all");
                             case Strategy::rest_for_one:
                               return std::string("rest_for_one");
                             default:
                               return std::string("other");
                           }
                         });

}  // namespace
