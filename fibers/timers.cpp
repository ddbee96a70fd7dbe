// timers.cpp — the hub's timers: delayed starts, deadlines of parked fibers, firing what is due.

#include <grove/hub.hpp>

#include <grove/fiber.hpp>

#include <memory>

namespace grove::detail {

void StartTimer::fire_now(TimerNode& n) noexcept {
  FiberBase* f = static_cast<StartTimer&>(n).fiber;
  engine_of(*f->hub).schedule(f);
}

void Scheduler::schedule_at(FiberBase* f, TimePoint when) {
  f->scheduled = true;
  if (when == TimePoint::max()) return;  // "never": it stays unstarted until killed
  auto timer = std::make_unique<StartTimer>(f);
  timer->deadline = when;
  timers_.push(*timer);
  f->more().start_timer = std::move(timer);
}

namespace {
struct WakeTimer final : TimerNode {
  WakeTimer(Scheduler* s, FiberBase* f) : TimerNode(&WakeTimer::fire_now), sched(s), fiber(f) {}
  static void fire_now(TimerNode& n) noexcept {
    auto& t = static_cast<WakeTimer&>(n);
    t.fired = true;
    t.sched->wake(t.fiber);
  }
  Scheduler* sched;
  FiberBase* fiber;
  bool fired = false;
};
}  // namespace

bool Scheduler::park_until(TimePoint deadline, const char* what, bool weak) {
  if (deadline == TimePoint::max()) {
    park(what);
    return true;
  }
  WakeTimer timer(this, current_);
  timer.deadline = deadline;
  timer.weak = weak;
  timers_.push(timer);
  current_->stats.deadline = deadline;
  try {
    park(what);
  } catch (...) {
    timers_.remove(timer);
    current_->stats.deadline = TimePoint::max();
    throw;
  }
  timers_.remove(timer);
  current_->stats.deadline = TimePoint::max();
  return !timer.fired;
}

void Scheduler::fire_due_timers() {
  if (timers_.empty()) return;
  TimePoint now = this->now();
  while (TimerNode* t = timers_.pop_due(now)) t->fire(*t);
}

}  // namespace grove::detail
