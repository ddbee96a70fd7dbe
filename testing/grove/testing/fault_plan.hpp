#pragma once
// fault_plan.hpp — FaultPlan: seeded faults for a Simulation, as
// FoundationDB's BUGGIFY and turmoil's partition/hold/release inject them.
//
//   grove::testing::explore(200, [](grove::testing::Simulation& sim) {
//     grove::testing::FaultPlan plan({.crash = 0.05, .late_timers = 0.2, .max_lateness = 5ms});
//     ... spawn supervised actors, send, sim.run_until_idle(), check ...
//     plan.stop();
//   });
//
// While it lives, a plan (one per thread, made inside a Simulation) injects:
//  - actor crashes: a receive throws InjectedFault before receive() runs,
//    at a message boundary (MessageFault::crash, message_observer.hpp);
//  - mailbox overflow: a send meets a bounded mailbox as if it were full,
//    so its Overflow policy sheds or rejects (MessageFault::overflow);
//  - late timers: a jump of the virtual clock lands up to max_lateness past
//    the deadline it was for, so the timers due fire late by at most that,
//    still in deadline order (SimulationPolicy::set_lateness). No firing is
//    dropped: every grove timer is a promise (a sleep wakes, a Timeout
//    fires, an ask fails), and losing one would hang the code under test
//    rather than exercise it;
//  - network faults, once attach(net) is called: every step (a random
//    duration in (0, 2 * network_step]) a fiber heals what the previous
//    step did and, by the probabilities, partitions two connected hosts
//    (their traffic is held, then released at the next step), clogs them
//    (extra latency up to max_clog) or resets their connections, until
//    network_until has passed; then the network is left whole.
// Every choice comes from the plan's own Prng, seeded from options.seed or
// the Simulation's seed, and is taken at a point the seeded schedule
// orders, so the same seed and program give the same faults (log()) and
// the same trace. The plan is this thread's MessageObserver; events go on
// to the observer installed before it (a Trace made first records them).

#include <grove/testing/memory_network.hpp>
#include <grove/testing/prng.hpp>

#include <grove/duration.hpp>
#include <grove/fiber.hpp>
#include <grove/message_observer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grove::testing {

class Simulation;

struct FaultOptions {
  // seed: the plan's random stream (none: the Simulation's seed, or 0).
  std::optional<std::uint64_t> seed{};
  // Actor faults, a probability per message in [0, 1].
  double crash = 0.0;     // a receive crashes its actor
  double overflow = 0.0;  // a send or ask meets a bounded mailbox as full
  // actors: which actors (by name) may be faulted; empty: every actor.
  std::function<bool(std::string_view actor)> actors{};
  // max_actor_faults: crashes and overflows in all, then no more.
  std::size_t max_actor_faults = std::numeric_limits<std::size_t>::max();
  // late_timers: the probability that a jump of the clock lands late, by a
  // uniform amount in (0, max_lateness].
  double late_timers = 0.0;
  Duration max_lateness = Duration::zero();
  // Network faults (attach()), a probability per step, tried in this order
  // (at most one fault per step).
  double partition = 0.0;
  double clog = 0.0;
  double reset = 0.0;
  Duration network_step = std::chrono::milliseconds(10);
  Duration max_clog = std::chrono::milliseconds(20);
  Duration network_until = std::chrono::seconds(1);  // from attach()
};

// FaultCounts is how many faults of each kind the plan injected.
struct FaultCounts {
  std::size_t crashes = 0;
  std::size_t overflows = 0;
  std::size_t late_timers = 0;
  std::size_t partitions = 0;
  std::size_t clogs = 0;
  std::size_t resets = 0;
  std::size_t total() const noexcept { return crashes + overflows + late_timers + partitions + clogs + resets; }
};

class FaultPlan final : public MessageObserver {
 public:
  // FaultPlan(options) installs the plan in this thread's Simulation; it
  // throws UsageError without one, with a plan installed already, or for a
  // probability outside [0, 1] or a negative duration.
  explicit FaultPlan(FaultOptions options = {});
  // ~FaultPlan() is stop(), then the previous observer is restored.
  ~FaultPlan() override;
  FaultPlan(const FaultPlan&) = delete;
  FaultPlan& operator=(const FaultPlan&) = delete;

  // attach(net) starts injecting network faults into net (one network per
  // plan); while attached, the plan heals and unclogs the whole network at
  // every step, its partitions included.
  void attach(MemoryNetwork net);
  // stop() ends every fault: no more actor or timer faults, the network
  // fiber ends (from another fiber: joined; it heals and unclogs net).
  // Call it before the test's end so that no fiber outlives the test.
  void stop();
  bool stopped() const noexcept { return stopped_; }

  const FaultCounts& counts() const noexcept { return counts_; }
  // log() is one line per fault, "<t> us <fault>", t in virtual time since
  // the plan began: compare two runs' logs to see the same faults.
  const std::vector<std::string>& log() const noexcept { return log_; }
  std::uint64_t seed() const noexcept { return seed_; }

 private:
  void on_event(const MessageEvent& event) noexcept override;
  MessageFault inject(const MessageEvent& event) noexcept override;
  Duration lateness(TimePoint deadline) noexcept;
  void disturb(MemoryNetwork net);
  bool chance(double p) noexcept;
  Duration up_to(Duration max) noexcept;  // uniform in (0, max]
  void note(std::string what);

  FaultOptions options_;
  Simulation* sim_;
  std::uint64_t seed_;
  Prng prng_;
  MessageObserver* previous_;
  TimePoint start_;
  FaultCounts counts_;
  std::vector<std::string> log_;
  Fiber<> network_fiber_;
  bool stopped_ = false;
};

}  // namespace grove::testing
