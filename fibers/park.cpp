// park.cpp — the switch path: park(), yield() and one park of a shielded
// wait. They live here, beside the inline switch of
// internal/context_switch.hpp, so that the headers primitives include need
// not include Boost.Context (docs/design/hub.md).

#include <grove/errors.hpp>
#include <grove/detail/scheduler.hpp>

#include "internal/context_switch.hpp"

#include <algorithm>
#include <exception>
#include <vector>

namespace grove::detail {

// park() and yield() keep only `this` across calls (see switch_to in
// internal/context_switch.hpp): the running fiber is read back from
// current_, the checks that throw are [[noreturn]].

// resumed() raises the pending interrupt of the fiber just switched back to.
inline void Scheduler::resumed() {
  if (current_->has_interrupt()) [[unlikely]]
    throw_pending(current_);
}

void Scheduler::park(const char* what) {
  FiberBase* self = current_;
  if (self == hub_fiber_.get()) [[unlikely]]
    throw_in_hub_context(what);
  if (self->has_interrupt()) [[unlikely]]
    throw_pending(self);
  self->state = RunState::parked;
  self->waiting_on = what;
  self->stats.since = turn_time_;
  switch_to(next_to_run());
  resumed();
}

void Scheduler::yield() {
  FiberBase* self = current_;
  if (self == hub_fiber_.get()) [[unlikely]]
    throw_in_hub_context("yield");
  if (self->has_interrupt()) [[unlikely]]
    throw_pending(self);
  self->state = RunState::ready;
  self->waiting_on = "yield";
  ready_.push_back(self);
  FiberBase* next = next_to_run();
  if (next == current_) [[unlikely]] {  // nothing else was ready
    current_->state = RunState::running;
    return resumed();
  }
  switch_to(next);
  resumed();
}

// account_run() ends the running fiber's current run (HubConfig::
// fiber_timing): one steady clock read a scheduling decision. The hub's
// own fiber (the loop) is accounted too.
void Scheduler::account_run() noexcept {
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  const std::int64_t ran = now - switched_at_ns_;  // set when the hub was made
  switched_at_ns_ = now;
  current_->stats.run_ns += ran;
  if (ran > current_->stats.longest_run_ns) current_->stats.longest_run_ns = ran;
}

bool Scheduler::shielded_park(const char* what, std::vector<std::exception_ptr>& deferred, std::exception_ptr& never) {
  try {
    park(what);
  } catch (const boost::context::detail::forced_unwind&) {
    throw;  // the stack is being destroyed
  } catch (const LoopExit&) {
    never = std::current_exception();
    return false;
  } catch (...) {
    std::exception_ptr e = std::current_exception();
    if (std::find(deferred.begin(), deferred.end(), e) == deferred.end()) deferred.push_back(std::move(e));
  }
  return true;
}

bool handling_forced_unwind() noexcept {
  try {
    throw;
  } catch (const boost::context::detail::forced_unwind&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace grove::detail
