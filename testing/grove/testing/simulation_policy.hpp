#pragma once
// simulation_policy.hpp — SimulationPolicy: the SchedulingPolicy a
// Simulation installs in its hub. Its clock is virtual: it moves only when
// every fiber is blocked, jumping to the next deadline. Its choice of the
// next fiber is a seeded Prng's, uniform among the ready fibers, or first
// in, first out without a seed. Use it through Simulation; it is public for
// hubs that want virtual time without the rest of the kit.

#include <grove/testing/prng.hpp>

#include <grove/duration.hpp>
#include <grove/scheduling_policy.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

namespace grove::testing {

// virtual_epoch is where virtual time starts: a fixed point (one day after
// the clock's epoch, so that now() - period stays a valid time point), the
// same in every run.
inline constexpr TimePoint virtual_epoch = TimePoint(std::chrono::hours(24));

class SimulationPolicy final : public SchedulingPolicy {
 public:
  explicit SimulationPolicy(std::optional<std::uint64_t> seed = std::nullopt, TimePoint start = virtual_epoch)
      : now_(start), seed_(seed), prng_(seed.value_or(0)) {}

  TimePoint now() override { return now_; }

  // on_idle() jumps to next_deadline unless it lies past the limit set by
  // Simulation::advance(): then the clock stops at the limit and the hub
  // reports idle. With no deadline at all the hub waits for real I/O, or
  // finds itself idle (LoopExit) when there is none.
  // A lateness hook (set_lateness) may land the jump later, never past the
  // limit: the timers due by then fire together, in deadline order.
  IdleAction on_idle(TimePoint next_deadline) override {
    if (next_deadline == TimePoint::max()) return IdleAction::wait;
    if (next_deadline > limit_) {
      now_ = std::max(now_, limit_);
      return IdleAction::idle;
    }
    TimePoint target = next_deadline;
    if (lateness_) [[unlikely]]
      target = std::min(deadline_after(next_deadline, lateness_(next_deadline)), limit_);
    now_ = std::max(now_, target);
    ++jumps_;
    return IdleAction::advanced;
  }

  std::size_t pick(std::size_t ready) override {
    if (!seed_ || ready == 1) return 0;
    ++choices_;
    return prng_.below(ready);
  }

  std::optional<std::uint64_t> seed() const noexcept { return seed_; }
  // limit() is how far on_idle() may move the clock (max: no limit).
  TimePoint limit() const noexcept { return limit_; }
  void set_limit(TimePoint limit) noexcept { limit_ = limit; }
  // move_to(t) sets the clock forward to t (never backwards).
  void move_to(TimePoint t) noexcept { now_ = std::max(now_, t); }
  // set_lateness(fn) has fn(deadline) (>= 0; it must not throw or call
  // into grove) say how late the clock's next jump to `deadline` lands:
  // every timer firing is then late by at most what fn returns
  // (FaultPlan's late timers, fault_plan.hpp). An empty fn: on time.
  void set_lateness(std::function<Duration(TimePoint)> fn) { lateness_ = std::move(fn); }
  // jumps() counts the clock's moves; choices() the seeded picks among two
  // or more ready fibers.
  std::uint64_t jumps() const noexcept { return jumps_; }
  std::uint64_t choices() const noexcept { return choices_; }

 private:
  TimePoint now_;
  TimePoint limit_ = TimePoint::max();
  std::optional<std::uint64_t> seed_;
  Prng prng_;
  std::function<Duration(TimePoint)> lateness_;
  std::uint64_t jumps_ = 0;
  std::uint64_t choices_ = 0;
};

}  // namespace grove::testing
