// fault_plan.cpp — FaultPlan: actor faults through the MessageObserver
// seam, late timers through SimulationPolicy's lateness hook, network
// faults from a fiber of its own.

#include <grove/testing/fault_plan.hpp>

#include <grove/testing/simulation.hpp>

#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace grove::testing {

namespace {

thread_local FaultPlan* tls_plan = nullptr;

void check_probability(double p, const char* name) {
  if (!(p >= 0.0 && p <= 1.0))
    throw UsageError(std::string("grove::testing::FaultPlan: FaultOptions::") + name +
                     " is a probability; give one in [0, 1]");
}

Duration check_duration(Duration d, const char* name) {
  if (d < Duration::zero())
    throw UsageError(std::string("grove::testing::FaultPlan: FaultOptions::") + name + " must not be negative");
  return d;
}

std::int64_t micros(Duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); }

// The plan's stream differs from the schedule's even under the same seed.
constexpr std::uint64_t stream_salt = 0x6661756c74706c61ULL;  // "faultpla"

}  // namespace

FaultPlan::FaultPlan(FaultOptions options) : options_(std::move(options)), sim_(Simulation::current()), prng_(0) {
  if (!sim_) throw UsageError("grove::testing::FaultPlan: make it inside a Simulation (or explore()'s body)");
  if (tls_plan) throw UsageError("grove::testing::FaultPlan: a FaultPlan is installed on this thread already");
  check_probability(options_.crash, "crash");
  check_probability(options_.overflow, "overflow");
  check_probability(options_.late_timers, "late_timers");
  check_probability(options_.partition, "partition");
  check_probability(options_.clog, "clog");
  check_probability(options_.reset, "reset");
  check_duration(options_.max_lateness, "max_lateness");
  check_duration(options_.max_clog, "max_clog");
  check_duration(options_.network_until, "network_until");
  if (check_duration(options_.network_step, "network_step") == Duration::zero())
    throw UsageError("grove::testing::FaultPlan: FaultOptions::network_step must be positive");
  seed_ = options_.seed.value_or(sim_->seed().value_or(0));
  prng_ = Prng(seed_ ^ stream_salt);
  start_ = sim_->now();
  if (options_.late_timers > 0 && options_.max_lateness > Duration::zero())
    sim_->policy().set_lateness([this](TimePoint deadline) { return lateness(deadline); });
  previous_ = set_message_observer(this);
  tls_plan = this;
}

FaultPlan::~FaultPlan() {
  stopped_ = true;
  sim_->policy().set_lateness({});
  if (network_fiber_ && !network_fiber_.dead()) {
    try {
      network_fiber_.kill(false);  // it heals the network as it unwinds
    } catch (...) {
    }
  }
  set_message_observer(previous_);
  tls_plan = nullptr;
}

void FaultPlan::stop() {
  stopped_ = true;
  sim_->policy().set_lateness({});
  if (network_fiber_ && !network_fiber_.dead()) network_fiber_.kill(this_fiber::self() != network_fiber_);
}

void FaultPlan::attach(MemoryNetwork net) {
  if (network_fiber_) throw UsageError("grove::testing::FaultPlan::attach: the plan has a network already");
  if (stopped_) throw UsageError("grove::testing::FaultPlan::attach: the plan was stopped");
  network_fiber_ = spawn([this, net]() mutable { disturb(std::move(net)); });
  network_fiber_.set_name("fault-plan");
}

void FaultPlan::disturb(MemoryNetwork net) {
  struct Heal {
    MemoryNetwork& net;
    ~Heal() {
      net.heal();
      net.unclog();
    }
  } heal{net};
  const TimePoint end = deadline_after(sim_->now(), options_.network_until);
  const Duration step_span = options_.network_step * 2;
  while (!stopped_ && sim_->now() < end) {
    this_fiber::sleep_until(std::min(end, sim_->now() + up_to(step_span)));
    net.heal();
    net.unclog();
    if (stopped_ || sim_->now() >= end) break;
    auto links = net.links();
    if (links.empty()) continue;
    const auto& [a, b] = links[prng_.below(links.size())];
    std::string pair = a;
    pair += ' ';
    pair += b;
    if (chance(options_.partition)) {
      net.partition(a, b);
      ++counts_.partitions;
      note("partition " + pair);
    } else if (chance(options_.clog) && options_.max_clog > Duration::zero()) {
      const Duration extra = up_to(options_.max_clog);
      net.clog(a, b, extra);
      ++counts_.clogs;
      note("clog " + pair + " +" + std::to_string(micros(extra)) + " us");
    } else if (chance(options_.reset)) {
      const std::size_t n = net.reset(a, b);
      ++counts_.resets;
      note("reset " + pair + " (" + std::to_string(n) + " connection(s))");
    }
  }
}

void FaultPlan::on_event(const MessageEvent& event) noexcept {
  if (previous_) previous_->on_event(event);
}

MessageFault FaultPlan::inject(const MessageEvent& event) noexcept {
  if (stopped_ || counts_.crashes + counts_.overflows >= options_.max_actor_faults) return MessageFault::none;
  try {
    if (options_.actors && !options_.actors(event.to)) return MessageFault::none;
    if (event.kind == MessageEventKind::receive && chance(options_.crash)) {
      ++counts_.crashes;
      note("crash " + std::string(event.to));
      return MessageFault::crash;
    }
    if (event.kind == MessageEventKind::send && chance(options_.overflow)) {
      ++counts_.overflows;
      note("overflow " + std::string(event.to) + " (from " + std::string(event.from) + ")");
      return MessageFault::overflow;
    }
  } catch (...) {
    // the filter threw, or the log could not grow: no fault this time
  }
  return MessageFault::none;
}

Duration FaultPlan::lateness(TimePoint deadline) noexcept {
  if (stopped_ || !chance(options_.late_timers)) return Duration::zero();
  const Duration late = up_to(options_.max_lateness);
  ++counts_.late_timers;
  try {
    note("late timer " + std::to_string(micros(deadline - start_)) + " us +" + std::to_string(micros(late)) + " us");
  } catch (...) {
  }
  return late;
}

bool FaultPlan::chance(double p) noexcept {
  if (p <= 0.0) return false;
  // 53 random bits as a double in [0, 1): the same on every machine.
  return static_cast<double>(prng_.next() >> 11) * 0x1.0p-53 < p;
}

Duration FaultPlan::up_to(Duration max) noexcept {
  if (max <= Duration::zero()) return Duration::zero();
  return Duration(static_cast<Duration::rep>(prng_.below(static_cast<std::size_t>(max.count())) + 1));
}

void FaultPlan::note(std::string what) {
  log_.push_back(std::to_string(micros(sim_->now() - start_)) + " us " + std::move(what));
}

}  // namespace grove::testing
