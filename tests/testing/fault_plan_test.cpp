// fault_plan_test.cpp — FaultPlan: each fault kind does what it says, the
// same seed gives the same faults and trace, and the properties that must
// hold under faults, each checked under 200 seeds (a failing seed is
// printed with the command that replays it): per-sender FIFO, supervised
// actors lose at most the crashing message (sent = processed +
// dead-lettered, exactly), a supervisor never exceeds its restart
// intensity silently, per-connection order over a faulty network, and no
// fiber or timer outliving a run (explore()'s audit, asserted as well).
#include <grove/testing/fault_plan.hpp>

#include <grove/testing/explore.hpp>
#include <grove/testing/memory_network.hpp>
#include <grove/testing/simulation.hpp>
#include <grove/testing/trace.hpp>

#include <grove/actor.hpp>
#include <grove/fiber.hpp>
#include <grove/message_observer.hpp>
#include <grove/supervisor.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "log_capture.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using grove::testing::FaultOptions;
using grove::testing::FaultPlan;
using grove::testing::Simulation;

namespace {

constexpr std::size_t property_seeds = 200;

struct Num {
  int sender = 0;
  int seq = 0;
  std::string to_json() const { return "[" + std::to_string(sender) + "," + std::to_string(seq) + "]"; }
};

// Ledger is what a run saw: messages processed (per incarnation's actor)
// and dead-lettered, by sender, in order.
struct Ledger {
  std::map<int, std::vector<int>> processed;
  std::map<int, std::vector<int>> dropped;
  std::map<grove::DeadLetterReason, int> reasons;
  std::vector<grove::Duration> crashes;  // when each crash dead-lettered its message
  int starts = 0;
};

class Recorder final : public grove::Actor<Num> {
 public:
  explicit Recorder(std::shared_ptr<Ledger> ledger) : ledger_(std::move(ledger)) {}

 private:
  void on_start() override { ++ledger_->starts; }
  void receive(Num& m) override { ledger_->processed[m.sender].push_back(m.seq); }
  std::shared_ptr<Ledger> ledger_;
};

// DropLog, installed before the plan, sees the dead letters of Num.
class DropLog final : public grove::MessageObserver {
 public:
  DropLog(std::shared_ptr<Ledger> ledger, Simulation& sim)
      : ledger_(std::move(ledger)), sim_(&sim), previous_(grove::set_message_observer(this)) {}
  ~DropLog() override { grove::set_message_observer(previous_); }
  DropLog(const DropLog&) = delete;
  DropLog& operator=(const DropLog&) = delete;

  void on_event(const grove::MessageEvent& e) noexcept override {
    if (e.kind != grove::MessageEventKind::drop || !e.type || *e.type != typeid(Num)) return;
    const auto& m = *static_cast<const Num*>(e.message);
    ledger_->dropped[m.sender].push_back(m.seq);
    ++ledger_->reasons[e.reason];
    if (e.reason == grove::DeadLetterReason::crashed) ledger_->crashes.push_back(sim_->elapsed());
  }

 private:
  std::shared_ptr<Ledger> ledger_;
  Simulation* sim_;
  grove::MessageObserver* previous_;
};

// send_from(ref, senders, count) starts `senders` fibers, each sending
// count numbered messages with a random pause (0-2 ms) between them.
std::vector<grove::Fiber<>> send_from(grove::ActorRef<Num> ref, int senders, int count, std::uint64_t seed) {
  std::vector<grove::Fiber<>> fibers;
  for (int s = 0; s < senders; ++s)
    fibers.push_back(grove::spawn([ref, s, count, seed] {
      grove::testing::Prng pauses(seed * 31 + static_cast<std::uint64_t>(s));
      for (int i = 0; i < count; ++i) {
        try {
          ref.send(Num{s, i});
        } catch (const grove::MailboxFull&) {
          // rejected (policy fail): it is a dead letter too
        }
        grove::this_fiber::sleep(std::chrono::microseconds(pauses.below(2000)));
      }
    }));
  return fibers;
}

// expect_exact_accounting(): per sender, what was processed came in send
// order, and processed + dead-lettered is every message sent, once.
void expect_exact_accounting(const Ledger& ledger, int senders, int count) {
  for (int s = 0; s < senders; ++s) {
    const auto p = ledger.processed.count(s) ? ledger.processed.at(s) : std::vector<int>{};
    const auto d = ledger.dropped.count(s) ? ledger.dropped.at(s) : std::vector<int>{};
    for (std::size_t i = 1; i < p.size(); ++i) EXPECT_LT(p[i - 1], p[i]) << "sender " << s << ": out of order";
    std::multiset<int> all(p.begin(), p.end());
    all.insert(d.begin(), d.end());
    EXPECT_EQ(all.size(), static_cast<std::size_t>(count)) << "sender " << s << ": sent != processed + dead-lettered";
    for (int i = 0; i < count; ++i) EXPECT_EQ(all.count(i), 1u) << "sender " << s << " message " << i;
  }
}

void expect_nothing_outlives(Simulation& sim) {
  sim.advance(0s);
  EXPECT_EQ(sim.hub().fiber_count(), 0u) << sim.hub().describe_fibers();
  EXPECT_EQ(sim.hub().timer_count(), 0u);
}

// ---------------------------------------------------------------- each fault

TEST(TestingFaultPlan, ACrashIsAtAMessageBoundaryAndLosesThatMessageOnly) {
  auto result = grove::testing::run_seed(7, [](Simulation& sim) {
    auto ledger = std::make_shared<Ledger>();
    DropLog drops(ledger, sim);
    FaultPlan plan({.crash = 1.0, .max_actor_faults = 1});
    auto ref = grove::spawn_actor<Recorder>({.name = "victim"}, ledger);
    ref.send(Num{0, 0});
    ref.send(Num{0, 1});
    sim.run_until_idle();
    EXPECT_EQ(plan.counts().crashes, 1u);
    EXPECT_EQ(ledger->dropped[0], std::vector<int>({0, 1}));  // the crashing message, then the one left over
    EXPECT_EQ(ledger->reasons[grove::DeadLetterReason::crashed], 1);
    EXPECT_EQ(ledger->reasons[grove::DeadLetterReason::leftover], 1);  // unsupervised: the actor is gone
    auto failures = sim.take_unhandled();
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_NE(failures[0].what.find("fault injected"), std::string::npos) << failures[0].what;
    EXPECT_TRUE(ledger->processed.empty());
    EXPECT_EQ(plan.log(), std::vector<std::string>({"0 us crash victim"}));
  });
  EXPECT_TRUE(result.passed()) << result.failure;
}

TEST(TestingFaultPlan, AnOverflowAppliesTheMailboxPolicy) {
  auto result = grove::testing::run_seed(3, [](Simulation& sim) {
    auto ledger = std::make_shared<Ledger>();
    DropLog drops(ledger, sim);
    FaultPlan plan({.overflow = 1.0});
    auto shed = grove::spawn_actor<Recorder>(
        {.name = "shed", .mailbox = {.capacity = 8, .overflow = grove::Overflow::drop_newest}}, ledger);
    auto fail = grove::spawn_actor<Recorder>(
        {.name = "fail", .mailbox = {.capacity = 8, .overflow = grove::Overflow::fail}}, ledger);
    auto block = grove::spawn_actor<Recorder>({.name = "block", .mailbox = {.capacity = 8}}, ledger);
    auto unbounded = grove::spawn_actor<Recorder>({.name = "unbounded"}, ledger);
    EXPECT_EQ(shed.send(Num{0, 0}), grove::SendStatus::shed);
    EXPECT_THROW(fail.send(Num{1, 0}), grove::MailboxFull);
    EXPECT_THROW(fail.ask(Num{1, 1}, 1s).get(), grove::MailboxFull);
    EXPECT_EQ(block.send(Num{2, 0}), grove::SendStatus::delivered);  // a blocking mailbox has room: it waits for none
    EXPECT_EQ(unbounded.send(Num{3, 0}), grove::SendStatus::delivered);
    sim.run_until_idle();
    EXPECT_EQ(ledger->reasons[grove::DeadLetterReason::shed], 1);
    EXPECT_EQ(ledger->reasons[grove::DeadLetterReason::rejected], 2);
    EXPECT_EQ(ledger->processed[2], std::vector<int>({0}));
    EXPECT_EQ(ledger->processed[3], std::vector<int>({0}));
    for (auto* r : {&shed, &fail, &block, &unbounded}) r->fiber().kill();
  });
  EXPECT_TRUE(result.passed()) << result.failure;
}

TEST(TestingFaultPlan, LateTimersAreLateByAtMostTheBoundAndInOrder) {
  std::size_t late = 0;
  auto result = grove::testing::explore_seeds(property_seeds, [&late](Simulation& sim) {
    FaultPlan plan({.late_timers = 0.5, .max_lateness = 3ms});
    std::vector<std::pair<grove::TimePoint, grove::TimePoint>> wakes;  // (deadline, woke)
    std::vector<grove::Fiber<>> sleepers;
    for (int i = 0; i < 6; ++i)
      sleepers.push_back(grove::spawn([&wakes, &sim, i] {
        for (int k = 1; k <= 4; ++k) {
          const grove::TimePoint deadline = sim.now() + std::chrono::milliseconds(i + k);
          grove::this_fiber::sleep_until(deadline);
          wakes.emplace_back(deadline, sim.now());
        }
      }));
    sim.run_until_idle();
    ASSERT_EQ(wakes.size(), 24u);
    for (auto [deadline, woke] : wakes) {
      EXPECT_GE(woke, deadline);
      EXPECT_LE(woke - deadline, 3ms);
    }
    late += plan.counts().late_timers;
    plan.stop();
    expect_nothing_outlives(sim);
  });
  EXPECT_TRUE(result.passed()) << "seed " << *result.failing_seed << ":\n"
                               << result.failure << "replay: " << grove::testing::replay_command(*result.failing_seed);
  EXPECT_GT(late, property_seeds);  // the bound was exercised, not just met
}

TEST(TestingFaultPlan, TheSameSeedGivesTheSameFaultsAndTrace) {
  auto run = [](std::uint64_t seed) {
    std::string out;
    grove::testing::run_seed(seed, [&out](Simulation& sim) {
      grove::testing::Trace trace({.time = true});
      auto ledger = std::make_shared<Ledger>();
      FaultPlan plan({.crash = 0.1, .late_timers = 0.3, .max_lateness = 1ms});
      auto child = grove::actor_child<Recorder>("r", {}, ledger);
      grove::Supervisor sup({.intensity = 100, .period = 1s}, {child});
      sup.start();
      auto senders = send_from(child.ref, 2, 10, 1);
      for (auto& f : senders) f.join();
      sim.run_until_idle();
      sup.stop();
      plan.stop();
      out = trace.dump();
      for (auto& line : plan.log()) out += line + "\n";
    });
    return out;
  };
  const std::string first = run(11);
  EXPECT_NE(first.find("crash r"), std::string::npos) << first;
  EXPECT_EQ(first, run(11));
  EXPECT_NE(first, run(12));
}

// ------------------------------------------------- properties, 200 seeds each

// One supervised Recorder fed by 3 senders, under crashes (and overflows
// of its bounded drop_oldest mailbox when `overflow` is set).
grove::testing::FaultCounts supervised_run(Simulation& sim, double overflow) {
  auto ledger = std::make_shared<Ledger>();
  DropLog drops(ledger, sim);
  FaultPlan plan({.crash = 0.08, .overflow = overflow, .late_timers = 0.2, .max_lateness = 500us});
  grove::MailboxConfig mailbox{};
  if (overflow > 0) mailbox = {.capacity = 4, .overflow = grove::Overflow::drop_oldest};
  auto child = grove::actor_child<Recorder>({.name = "r", .mailbox = mailbox}, {}, ledger);
  grove::Supervisor sup({.intensity = 1000, .period = 1s}, {child});
  sup.start();
  for (auto& f : send_from(child.ref, 3, 15, *sim.seed())) f.join();
  sim.run_until_idle();
  sup.stop();
  plan.stop();
  expect_exact_accounting(*ledger, 3, 15);
  const auto crashes = static_cast<int>(plan.counts().crashes);
  EXPECT_EQ(ledger->reasons[grove::DeadLetterReason::crashed], crashes);  // one message lost per crash
  EXPECT_EQ(ledger->starts, 1 + crashes);
  if (overflow == 0) {
    int dropped = 0;
    for (auto& [sender, seqs] : ledger->dropped) dropped += static_cast<int>(seqs.size());
    EXPECT_EQ(dropped, crashes);  // the crashing message, nothing else
  }
  expect_nothing_outlives(sim);
  return plan.counts();
}

TEST(TestingFaultProperties, PerSenderFifoUnderCrashesAndOverflow) {
  grove::testing::FaultCounts all;
  grove::testing::explore(property_seeds, [&all](Simulation& sim) {
    auto counts = supervised_run(sim, 0.1);
    all.crashes += counts.crashes;
    all.overflows += counts.overflows;
  });
  EXPECT_GT(all.crashes, property_seeds);  // the faults were there to survive
  EXPECT_GT(all.overflows, property_seeds);
}

TEST(TestingFaultProperties, SupervisedActorsLoseAtMostTheCrashingMessage) {
  std::size_t crashes = 0;
  grove::testing::explore(property_seeds, [&crashes](Simulation& sim) { crashes += supervised_run(sim, 0.0).crashes; });
  EXPECT_GT(crashes, property_seeds);
}

TEST(TestingFaultProperties, RestartIntensityIsNeverExceededSilently) {
  int gave_up = 0;
  grove::test::LogCapture log;  // where a supervisor that gives up says so
  grove::testing::explore(property_seeds, [&gave_up, &log](Simulation& sim) {
    const std::size_t mark = log.text().size();  // this run's lines come after
    constexpr int intensity = 2;
    constexpr auto period = 20ms;
    auto ledger = std::make_shared<Ledger>();
    DropLog drops(ledger, sim);
    FaultPlan plan({.crash = 0.15, .late_timers = 0.3, .max_lateness = 2ms});
    auto child = grove::actor_child<Recorder>("r", {}, ledger);
    grove::Supervisor sup({.intensity = intensity, .period = period}, {child});
    sup.start();
    for (auto& f : send_from(child.ref, 2, 20, *sim.seed())) f.join();
    sim.run_until_idle();
    // The model: the first crash with more than `intensity` others in the
    // window [t - period, t] is where the supervisor must give up.
    std::optional<std::size_t> give_up_at;
    for (std::size_t i = 0; i < ledger->crashes.size() && !give_up_at; ++i) {
      std::size_t in_window = 0;
      for (std::size_t j = 0; j <= i; ++j)
        if (ledger->crashes[i] - ledger->crashes[j] <= period) ++in_window;
      if (in_window > static_cast<std::size_t>(intensity)) give_up_at = i;
    }
    const std::string said = log.text().substr(mark);
    const bool reported = said.find("gave up: more than 2 restarts within 20 ms") != std::string::npos;
    if (give_up_at) {
      ++gave_up;
      EXPECT_TRUE(reported) << said;
      EXPECT_FALSE(sup.running());
      const grove::ExitReason reason = sup.fiber().exit_reason();
      EXPECT_EQ(reason.kind(), grove::ExitReason::Kind::exception);
      EXPECT_NE(reason.to_string().find("gave up"), std::string::npos) << reason.to_string();
      EXPECT_EQ(ledger->starts, static_cast<int>(*give_up_at) + 1);  // no restart past the limit
      EXPECT_EQ(ledger->crashes.size(), *give_up_at + 1);
    } else {
      EXPECT_FALSE(reported) << said;
      EXPECT_TRUE(sup.running());
      EXPECT_EQ(sup.restart_count(), ledger->crashes.size());
    }
    sup.stop();
    plan.stop();
    expect_nothing_outlives(sim);
  });
  EXPECT_GT(gave_up, 0);  // both outcomes were explored
  EXPECT_LT(gave_up, static_cast<int>(property_seeds));
}

// Over a network with partitions, clogs and resets, each client's lines
// reach the server in order, without duplicates; a client whose connection
// is reset reconnects and goes on.
TEST(TestingFaultProperties, ConnectionsKeepOrderUnderPartitionsClogsAndResets) {
  std::size_t faults = 0;
  grove::testing::explore(property_seeds, [&faults](Simulation& sim) {
    grove::testing::MemoryNetwork net({.latency = 1ms});
    FaultPlan plan(
        {.partition = 0.3, .clog = 0.3, .reset = 0.1, .network_step = 3ms, .max_clog = 4ms, .network_until = 200ms});
    auto listener = net.listen("server:1");
    std::map<std::string, std::vector<int>> received;  // by client
    std::vector<grove::Fiber<>> handlers;
    auto acceptor = grove::spawn([&] {
      for (;;) {
        std::shared_ptr<grove::Stream> s = listener.accept();
        handlers.push_back(grove::spawn([s, &received] {
          boost::system::error_code ec;
          for (;;) {
            std::string line = s->read_line(64, ec);
            if (line.empty()) return;
            const auto space = line.find(' ');
            received[line.substr(0, space)].push_back(std::stoi(line.substr(space + 1)));
          }
        }));
      }
    });
    plan.attach(net);
    std::vector<grove::Fiber<>> clients;
    for (int c = 0; c < 3; ++c)
      clients.push_back(grove::spawn([&net, c] {
        const std::string name = "c" + std::to_string(c);
        std::unique_ptr<grove::testing::MemoryStream> s;
        for (int i = 0; i < 20; ++i) {
          boost::system::error_code ec;
          if (!s) s = net.connect("server:1", ec, {.from = name, .timeout = 1s});
          if (s) s->send_all(name + " " + std::to_string(i) + "\n", ec);
          if (ec) s.reset();  // reset (or never connected): the line is lost, the next goes on a new connection
          grove::this_fiber::sleep(2ms);
        }
      }));
    for (auto& c : clients) c.join();
    grove::this_fiber::sleep(50ms);  // what is in flight arrives
    plan.stop();
    sim.run_until_idle();
    acceptor.kill();
    for (auto& h : handlers) h.kill();
    listener.close();
    for (auto& [client, seqs] : received) {
      for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_LT(seqs[i - 1], seqs[i]) << client << ": reordered";
      if (plan.counts().resets == 0) {
        EXPECT_EQ(seqs.size(), 20u) << client << ": lost without a reset";
      }
    }
    faults += plan.counts().total();
    expect_nothing_outlives(sim);
  });
  EXPECT_GT(faults, property_seeds);
}

}  // namespace
