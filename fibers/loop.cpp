// loop.cpp — the hub's loop: run ready fibers, poll and wait for I/O and
// timers, and tell LoopExit when nothing can ever happen again.

#include <grove/hub.hpp>
#include <grove/log.hpp>

#include <grove/fiber.hpp>

#include "internal/context_switch.hpp"
#include "internal/loop_io.hpp"

#include <spdlog/spdlog.h>

#include <sched.h>

#include <memory>
#include <utility>

namespace grove::detail {

bool Scheduler::run_until_idle(TimePoint deadline) {
  require_fiber_context("Hub::run");
  // One park: the loop wakes this fiber once nothing is left to do.
  Waiter w(current_);
  idle_waiters_.push(w);
  // The deadline's timer is weak: it must not itself keep the hub busy.
  return park_until(deadline, "Hub::run (until idle)", /*weak=*/true);
}

void Scheduler::wait_until_nothing_ready() {
  require_fiber_context("idle");
  Waiter w(current_);
  idle_callers_.push(w);
  park("idle (nothing else ready)");
}

void Scheduler::wake_idle_waiters() noexcept {
  idle_waiters_.notify_all();
  drain_waiters_.notify_all();
}

// The hub's loop: fire due timers, poll I/O, run ready fibers; when none is
// ready, block in the io_context until the next deadline or I/O event.
void Scheduler::loop() {
  while (!stopping_loop_) {
    switches_since_poll_ = 0;
    loop_turns_.store(loop_turns_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    turn_time_ = now();
    fire_due_timers();
    poll_io();
    drain_inbox();
    if (FiberBase* f = pop_ready()) {
      switch_to(f);
      continue;
    }
    if (!idle_callers_.empty()) [[unlikely]] {
      // Nothing else is ready: this_fiber::idle() callers go on.
      idle_callers_.notify_all();
      continue;
    }
    if (config_.spin > Duration::zero() && !policy_ && spin_before_sleep()) continue;
    if (!sleep_begin()) continue;  // the inbox has items after all
    ++sleeps_;
    const Clock::time_point slept = Clock::now();
    const bool events = wait_for_events();
    idle_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - slept).count();
    sleep_end();
    if (!events) {
      // Nothing can ever wake anyone again.
      if (!idle_waiters_.empty() || !drain_waiters_.empty()) {
        wake_idle_waiters();
      } else if (main_->state == RunState::parked) {
        InterruptQueue(*main_).push_front(std::make_exception_ptr(LoopExit(describe_blocked())));
        wake(main_.get());
      }
    }
  }
}

bool Scheduler::asleep() const noexcept { return anchor_->asleep.load(std::memory_order_relaxed); }

void Scheduler::drain_inbox() {
  if (anchor_->queue.empty()) return;
  RemoteAnchor::settle_all(anchor_->queue.take_all(), true);
}

// The hub's sleep handshake (detail/inbox.hpp): raise asleep, then re-check
// the inbox (both seq_cst, the Dekker pair of RemoteAnchor::push).
bool Scheduler::sleep_begin() noexcept {
  anchor_->asleep.store(true, std::memory_order_seq_cst);
  if (anchor_->queue.empty()) return true;
  anchor_->asleep.store(false, std::memory_order_relaxed);
  return false;
}

namespace {
void inbox_wake_handler() noexcept {}  // waking the io_context is all it is for
}  // namespace

void RemoteAnchor::wake_hub() noexcept {
  try {
    boost::asio::post(scheduler->io(), &inbox_wake_handler);
  } catch (...) {
    grove::logger()->error("grove: could not wake a hub for its inbox (out of memory)");
  }
}

void RemoteAnchor::settle_all(InboxNode* n, bool run) {
  while (n) {
    InboxNode* next = n->inbox_next;
    try {
      n->settle(n, run);
    } catch (const std::exception& e) {
      grove::logger()->error("grove: a closure posted to the hub threw: {}", e.what());
    } catch (...) {
      grove::logger()->error("grove: a closure posted to the hub threw a non-std exception");
    }
    n = next;
  }
}

void Scheduler::keep_alive(bool on) {
  if (on) loop_io_->keep_alive.emplace(io_.get_executor());
  else loop_io_->keep_alive.reset();
}

std::size_t Scheduler::poll_io() {
  if (io_.stopped()) io_.restart();
  try {
    return io_.poll();
  } catch (const std::exception& e) {
    grove::logger()->error("grove: an Asio handler threw out of the hub's loop: {}", e.what());
  } catch (...) {
    grove::logger()->error("grove: an Asio handler threw a non-std exception out of the hub's loop");
  }
  return 1;  // a handler ran (and threw)
}

namespace {
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
}  // namespace

// Spinning before sleep (docs/design/runtime.md): asleep stays down, so a
// sender posts no wake-up; the hub sees its item on the next empty() check.
// The first kPauses checks only pause; later ones yield the core
// (sched_yield), so on a machine with more runnable threads than cores the
// spinning hub does not hold the core the sender needs. I/O is polled every
// kIoEvery checks (io_context::poll is a syscall), the clock read every
// kClockEvery.
bool Scheduler::spin_before_sleep() {
  constexpr unsigned kPauses = 256;
  constexpr unsigned kClockEvery = 16;
  constexpr unsigned kIoEvery = 256;
  TimePoint until = Clock::now() + config_.spin;
  bool timer_bound = false;
  if (TimerNode* t = timers_.top(); t && t->deadline < until) {
    until = t->deadline;
    timer_bound = true;
  }
  for (unsigned i = 1;; ++i) {
    if (!anchor_->queue.empty()) return true;
    if (i < kPauses) cpu_relax();
    else sched_yield();
    if (i % kIoEvery == 0 && poll_io() > 0) return true;
    if (i % kClockEvery == 0 && Clock::now() >= until) return timer_bound;  // a due timer: go round and fire it
  }
}

bool Scheduler::wait_for_events() {
  TimerNode* t = timers_.top();
  if (policy_) [[unlikely]] {
    // Weak timers alone do not keep the hub busy: they are no deadline to
    // jump to. A virtual clock jumps (advanced) or calls the hub idle; a
    // policy on the steady clock answers wait: the real wait below.
    switch (policy_->on_idle(t && timers_.strong() > 0 ? t->deadline : TimePoint::max())) {
      case IdleAction::advanced:
        return true;
      case IdleAction::idle:
        return false;
      case IdleAction::wait:
        break;
    }
  }
  if (t && timers_.strong() == 0) {
    // Only weak timers: wait for I/O until the earliest of them, and call
    // the hub idle if nothing at all is pending.
    if (wakeup_armed_ != TimePoint::max()) {
      wakeup_armed_ = TimePoint::max();
      loop_io_->wakeup_timer.cancel();
    }
    if (io_.stopped()) io_.restart();
    std::size_t n = 0;
    try {
      // On the policy's clock the weak deadline is this far away in real time.
      n = io_.run_one_until(policy_ ? Clock::now() + (t->deadline - now()) : t->deadline);
    } catch (const std::exception& e) {
      grove::logger()->error("grove: an Asio handler threw out of the hub's loop: {}", e.what());
      return true;
    } catch (...) {
      grove::logger()->error("grove: an Asio handler threw a non-std exception out of the hub's loop");
      return true;
    }
    if (n > 0) return true;
    if (io_.stopped()) io_.restart();
    return now() >= t->deadline;  // timed out (timers due) or idle
  }
  if (t) {
    if (t->deadline != wakeup_armed_) {
      wakeup_armed_ = t->deadline;
      loop_io_->wakeup_timer.expires_at(t->deadline);
      loop_io_->wakeup_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) wakeup_armed_ = TimePoint::max();
      });
    }
  } else if (wakeup_armed_ != TimePoint::max()) {
    wakeup_armed_ = TimePoint::max();
    loop_io_->wakeup_timer.cancel();
  }
  if (io_.stopped()) io_.restart();
  std::size_t n = 0;
  try {
    n = io_.run_one();
  } catch (const std::exception& e) {
    grove::logger()->error("grove: an Asio handler threw out of the hub's loop: {}", e.what());
    return true;
  } catch (...) {
    grove::logger()->error("grove: an Asio handler threw a non-std exception out of the hub's loop");
    return true;
  }
  if (n == 0) {
    io_.restart();
    return !timers_.empty();
  }
  return true;
}

}  // namespace grove::detail
