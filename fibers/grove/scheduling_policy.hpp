#pragma once
// scheduling_policy.hpp — SchedulingPolicy: the hub's two seams, its clock
// and its choice of the next ready fiber (as Boost.Fiber's `algorithm`).
// A hub without a policy runs on the steady clock and picks fibers first in,
// first out; grove::testing installs one that runs on virtual time and picks
// by a seed. Install one with HubConfig::policy or Hub::set_policy().
//
//   class Lifo : public grove::SchedulingPolicy {
//     std::size_t pick(std::size_t ready) override { return ready - 1; }
//   };
//   grove::Hub::create({.policy = std::make_shared<Lifo>()});
//
// The hooks run in the hub's own context, on its thread: they must not
// block, throw or call into grove (no spawn, no sleep, no send).

#include <grove/duration.hpp>

#include <cstddef>

namespace grove {

// IdleAction is what the hub does when every fiber is blocked and no Asio
// handler is ready (SchedulingPolicy::on_idle's answer).
enum class IdleAction {
  wait,      // block in the io_context until the next deadline or an I/O event (the real clock)
  advanced,  // the clock has moved: fire the timers now due and look again
  idle,      // nothing will happen: the hub is idle (Hub::run() returns; a main fiber blocked elsewhere gets LoopExit)
};

class SchedulingPolicy {
 public:
  virtual ~SchedulingPolicy() = default;

  // now() is the hub's clock while the policy is installed: every deadline
  // (sleep, Timeout, ask, spawn_later, supervisor windows) is measured on
  // it. It must never go backwards. Default: the steady clock.
  virtual TimePoint now() { return Clock::now(); }

  // on_idle(next_deadline) is called when no fiber is ready and no I/O
  // handler is ready; next_deadline is the earliest armed timer, or
  // TimePoint::max() when none is armed. A virtual clock jumps to it and
  // answers `advanced`; a real clock answers `wait` (which waits for the
  // deadline on the steady clock: only a policy on it may). With no timer armed,
  // `wait` still ends in LoopExit (or Hub::run() returning) when no I/O is
  // outstanding: a deadlock is reported, never a hang.
  virtual IdleAction on_idle(TimePoint /*next_deadline*/) { return IdleAction::wait; }

  // pick(ready) chooses the next fiber to run among the `ready` (>= 1)
  // runnable fibers: 0 is the head of the ready queue (the oldest), ready-1
  // the newest. Default: 0 (first in, first out).
  virtual std::size_t pick(std::size_t /*ready*/) { return 0; }
};

}  // namespace grove
