// introspect.cpp — the hub registry and grove::debug snapshots
// (fibers/grove/introspect.hpp, detail/hub_registry.hpp).

#include <grove/introspect.hpp>

#include <grove/async_result.hpp>
#include <grove/hub.hpp>
#include <grove/detail/hub_registry.hpp>
#include <grove/detail/scheduler.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <sstream>
#include <utility>

namespace grove::detail {

namespace {
struct Registry {
  std::mutex mutex;
  std::vector<Scheduler*> hubs;
  std::uint64_t next_number = 0;
};
Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: hubs may outlive static destruction
  return *r;
}

const char* state_name(RunState s) noexcept {
  switch (s) {
    case RunState::created:
      return "created";
    case RunState::ready:
      return "ready";
    case RunState::running:
      return "running";
    case RunState::parked:
      return "waiting";
    case RunState::dead:
      return "dead";
  }
  return "unknown";
}
}  // namespace

// SchedulerProbe reads a hub's private state for a snapshot, on its thread
// (and numbers a hub as it registers).
class SchedulerProbe {
 public:
  static void set_number(Scheduler& s, std::uint64_t n) noexcept { s.number_ = n; }
  static debug::HubSnapshot take(const Scheduler& s);

 private:
  static debug::FiberSnapshot fiber(const FiberBase& f, TimePoint now);
};

std::uint64_t register_hub(Scheduler* s) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.hubs.push_back(s);
  SchedulerProbe::set_number(*s, r.next_number);  // before another thread can see s
  return r.next_number++;
}

void unregister_hub(Scheduler* s) noexcept {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.hubs.erase(std::remove(r.hubs.begin(), r.hubs.end(), s), r.hubs.end());
}

LockedHubs::LockedHubs() : lock_(registry().mutex), hubs_(registry().hubs) {}

debug::HubSnapshot SchedulerProbe::take(const Scheduler& s) {
  debug::HubSnapshot h;
  h.number = s.number_;
  std::ostringstream thread;
  thread << s.thread_;
  h.thread = thread.str();
  h.loop_turns = s.loop_turns();
  const auto idle = std::chrono::nanoseconds(s.idle_ns_);
  h.idle = idle;
  h.busy = std::max(std::chrono::nanoseconds(0),
                    std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - s.created_at_) - idle);
  for (const FiberBase* f = s.ready_.front(); f; f = f->ready_next) ++h.ready;
  h.timers = s.timers_.size();
  h.inbox_pending = !s.anchor_->queue.empty();
  h.fiber_timing = s.config_.fiber_timing;
  h.fiber_count = s.live_count_;
  h.spawned = s.next_id_ - 1;
  h.fibers.reserve(s.live_count_ + 1);
  const TimePoint now = s.now();
  h.fibers.push_back(fiber(*s.main_, now));
  for (const FiberBase* f = s.live_head_; f; f = f->live_next) h.fibers.push_back(fiber(*f, now));
  return h;
}

debug::FiberSnapshot SchedulerProbe::fiber(const FiberBase& f, TimePoint now) {
  debug::FiberSnapshot out;
  out.id = f.id;
  out.name = f.display_name();
  if (f.parent_id != FiberBase::no_parent) out.parent_id = f.parent_id;
  out.state = state_name(f.state);
  out.file = f.stats.spawn_site.file_name();
  out.line = f.stats.spawn_site.line();
  out.function = f.stats.spawn_site.function_name();
  if (f.state == RunState::parked) {
    out.waits_on = f.waiting_on ? f.waiting_on : "";
    if (const WaitEdge* e = f.wait_edge) {
      if (FiberIdentity holder = e->holder()) out.waits_for_fiber = holder.id;
      out.waits_relation = std::string(e->label()) + ' ' + e->relation();
    }
    out.waiting_for = std::max(Duration::zero(), now - f.stats.since);
    if (f.stats.deadline != TimePoint::max()) out.deadline_in = f.stats.deadline - now;
  }
  out.switches_in = f.stats.switches_in;
  out.wakes = f.stats.wakes;
  out.run_time = std::chrono::nanoseconds(f.stats.run_ns);
  out.longest_run = std::chrono::nanoseconds(f.stats.longest_run_ns);
  if (f.extras && f.extras->probe) {
    out.actor.emplace();
    out.actor->name = out.name;
    f.extras->probe->describe(*out.actor);
  }
  return out;
}

}  // namespace grove::detail

namespace grove::debug {

HubSnapshot snapshot_hub() { return detail::SchedulerProbe::take(detail::scheduler()); }

std::vector<HubSnapshot> snapshot_all(Duration timeout) {
  // Shared is what the other hubs answer into; it outlives a caller that
  // stopped waiting.
  struct Shared {
    std::mutex mutex;
    std::condition_variable answered;
    std::vector<HubSnapshot> hubs;
    std::size_t left = 0;
    std::optional<AsyncResult<void>> done;  // a fiber caller parks on it
  };
  auto shared = std::make_shared<Shared>();
  detail::Scheduler* self = detail::tls_scheduler;
  std::vector<std::pair<std::size_t, std::shared_ptr<detail::RemoteAnchor>>> others;
  {
    detail::LockedHubs locked;
    for (detail::Scheduler* s : locked.hubs()) {
      HubSnapshot placeholder;
      placeholder.number = s->number();
      std::ostringstream thread;
      thread << s->thread();
      placeholder.thread = thread.str();
      placeholder.loop_turns = s->loop_turns();
      placeholder.responsive = false;
      if (s != self) others.emplace_back(shared->hubs.size(), s->anchor());
      shared->hubs.push_back(std::move(placeholder));
    }
  }
  const bool in_fiber = self != nullptr && !self->in_hub_context();
  if (in_fiber) shared->done.emplace();
  shared->left = others.size();
  for (auto& [index, anchor] : others) {
    const bool posted = detail::post_remote(anchor, [shared, index = index] {
      HubSnapshot snap = snapshot_hub();
      std::lock_guard lock(shared->mutex);
      shared->hubs[index] = std::move(snap);
      if (--shared->left == 0) {
        if (shared->done) shared->done->set();
        shared->answered.notify_all();
      }
    });
    if (!posted) {
      std::lock_guard lock(shared->mutex);
      if (--shared->left == 0 && shared->done) shared->done->set();
    }
  }
  if (self) {
    HubSnapshot mine = detail::SchedulerProbe::take(*self);
    std::lock_guard lock(shared->mutex);
    const auto it = std::find_if(shared->hubs.begin(), shared->hubs.end(),
                                 [&](const HubSnapshot& h) { return h.number == mine.number; });
    if (it != shared->hubs.end()) *it = std::move(mine);
  }
  bool waiting = false;
  {
    std::lock_guard lock(shared->mutex);
    waiting = shared->left > 0;
  }
  if (waiting && in_fiber) {
    (void)shared->done->wait(timeout);
  } else if (waiting) {
    std::unique_lock lock(shared->mutex);
    shared->answered.wait_for(lock, timeout, [&] { return shared->left == 0; });
  }
  std::lock_guard lock(shared->mutex);
  return shared->hubs;
}

}  // namespace grove::debug
