// group.cpp — the non-template half of Group and Pool: membership, joining,
// killing and waiting for a free slot.

#include <grove/group.hpp>

#include <grove/detail/wait_queue.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace grove {

Group::~Group() {
  // Members keep running; they must not call back into a dead group.
  for (auto& m : members_) detail::remove_observer(m.fiber.base(), m.link);
  // Queued calls start, as plain fibers (the hub, had it gone, killed them).
  for (auto& q : queued_) {
    detail::FiberBase* f = q.fiber.base();
    detail::remove_observer(f, q.link);
    if (!f->finished) detail::engine_of(*f->hub).schedule(f);
  }
}

void Group::add(const Fiber<>& f) { (void)add_until(f, TimePoint::max(), "Group::add"); }

bool Group::add_until(const Fiber<>& f, TimePoint deadline, const char* what) {
  if (!f) throw UsageError(std::string("grove::") + what + ": empty fiber handle; assign it from spawn() first");
  detail::check_owner(f.base(), what);
  if (f.dead() || contains(f)) return true;
  if (!wait_for_slot_until(deadline, what)) return false;
  SlotPassOn pass{*this};
  if (!f.dead()) insert(f);
  return true;
}

void Group::insert(const Fiber<>& f) {
  if (index_.contains(f.base())) return;
  members_.push_back(Member{f, 0, nullptr});
  index_.emplace(f.base(), std::prev(members_.end()));
  // Membership is not an observation of the fiber's failure: the hub still
  // reports it unless someone joins, links or asks for it (or a
  // join(raise_error) is waiting, which rethrows it).
  auto on_exit = [this](detail::FiberBase& dead) { on_member_exit(dead); };
  auto observer = std::make_unique<detail::CallbackObserver<decltype(on_exit)>>(std::move(on_exit));
  observer->handles_failure = !failure_watchers_.empty();
  detail::ExitObserver* raw = observer.get();
  const LinkId id = detail::add_observer(f.base(), std::move(observer));
  // (a fiber that is already dead has left again inside add_observer())
  if (auto it = index_.find(f.base()); it != index_.end()) {
    it->second->link = id;
    it->second->observer = raw;
  }
}

void Group::enqueue(const Fiber<>& f) {
  queued_.push_back(Queued{f, 0});
  queued_index_.emplace(f.base(), std::prev(queued_.end()));
  auto on_exit = [this](detail::FiberBase& dead) { on_queued_exit(dead); };
  auto observer = std::make_unique<detail::CallbackObserver<decltype(on_exit)>>(std::move(on_exit));
  observer->handles_failure = false;  // only a kill ends it before it starts
  queued_.back().link = detail::add_observer(f.base(), std::move(observer));
}

void Group::start_queued() {
  Queued q = std::move(queued_.front());
  queued_.pop_front();
  queued_index_.erase(q.fiber.base());
  detail::remove_observer(q.fiber.base(), q.link);
  insert(q.fiber);
  detail::engine_of(*q.fiber.base()->hub).schedule(q.fiber.base());
}

void Group::on_queued_exit(detail::FiberBase& dead) noexcept {
  auto it = queued_index_.find(&dead);
  if (it == queued_index_.end()) return;
  Fiber<> keep = it->second->fiber;
  queued_.erase(it->second);
  queued_index_.erase(it);
  if (idle()) join_waiters_.notify_all();
}

void Group::set_failure_handled(bool handled) noexcept {
  for (auto& m : members_) m.observer->handles_failure = handled;
}

bool Group::discard(const Fiber<>& f) {
  if (!f) return false;
  auto it = index_.find(f.base());
  if (it == index_.end()) return false;
  detail::check_owner(f.base(), "Group::discard");
  detail::remove_observer(f.base(), it->second->link);
  members_.erase(it->second);
  index_.erase(it);
  pass_on_slot();
  if (idle()) join_waiters_.notify_all();
  return true;
}

void Group::on_member_exit(detail::FiberBase& dead) {
  auto it = index_.find(&dead);
  if (it == index_.end()) return;
  Fiber<> keep = it->second->fiber;  // the handle in the list keeps `dead` alive until here
  members_.erase(it->second);
  index_.erase(it);
  if (detail::failed(&dead)) report_failure(dead);
  pass_on_slot();
  if (idle()) join_waiters_.notify_all();
}

void Group::report_failure(detail::FiberBase& dead) {
  if (failure_watchers_.empty()) return;  // the hub has decided whether to report it
  for (std::exception_ptr* slot : failure_watchers_)
    if (!*slot) *slot = dead.error;
  dead.error_observed = true;
  join_waiters_.notify_all();
}

void Group::pass_on_slot() noexcept {
  // Queued apply_async() calls first, then one blocked spawner (which
  // passes the slot on again once it has filled it).
  while (!queued_.empty() && has_free_slot()) start_queued();
  if (!slot_waiters_.empty() && has_free_slot()) slot_waiters_.notify_one();
}

bool Group::wait_for_slot_until(TimePoint deadline, const char* what) {
  if (has_free_slot()) return true;
  // On success the caller passes the slot on once it has filled it.
  bool got = false;
  struct OnFailure {
    Group& g;
    bool& got;
    ~OnFailure() {
      if (!got) g.pass_on_slot();
    }
  } on_failure{*this, got};
  got = slot_waiters_.wait_until(deadline, what, [this] { return has_free_slot(); });
  return got;
}

bool Group::wait_free_until(TimePoint deadline, const char* what) {
  detail::PassOn pass(slot_waiters_, [this] { return has_free_slot(); });
  return slot_waiters_.wait_until(deadline, what, [this] { return has_free_slot(); });
}

bool Group::join_until(TimePoint deadline, bool raise_error) {
  if (idle()) return true;
  auto& s = detail::scheduler();
  if (index_.contains(s.current()))
    throw UsageError("grove::Group::join: a member fiber cannot join its own group (it would wait for itself)");
  std::exception_ptr failure;
  struct Watch {
    Group* group;
    std::exception_ptr* slot;
    ~Watch() {
      if (!group) return;
      std::erase(group->failure_watchers_, slot);
      if (group->failure_watchers_.empty()) group->set_failure_handled(false);
    }
  } watch{raise_error ? this : nullptr, &failure};
  if (raise_error) {
    if (failure_watchers_.empty()) set_failure_handled(true);
    failure_watchers_.push_back(&failure);
  }
  const bool empty = join_waiters_.wait_until(deadline, "Group::join", [&] { return idle() || failure != nullptr; });
  if (failure) std::rethrow_exception(failure);
  return empty;
}

bool Group::kill_until(std::exception_ptr e, bool block, TimePoint deadline) {
  if (!e) e = std::make_exception_ptr(FiberExit{});
  auto& s = detail::scheduler();
  const bool exit = detail::is_fiber_exit(e);
  while (!idle()) {
    // Queued calls die first, never having run (they would otherwise take
    // the slots the dying members free).
    std::vector<Fiber<>> queued;
    for (auto& q : queued_) queued.push_back(q.fiber);
    for (auto& f : queued) s.interrupt(f.base(), e);  // each leaves the queue at once
    // A member already being killed (a FiberExit sent, by this group or
    // anyone) is not shot again, as gevent's Group.kill skips the dying.
    std::vector<Fiber<>> members = fibers();
    Fiber<> self;
    for (auto& f : members) {
      detail::FiberBase* m = f.base();
      if (m == s.current()) self = f;  // killed last
      else if (!m->finished && !m->exiting) {
        if (exit) m->exiting = true;
        s.interrupt(m, e);
      }
    }
    bool in_time = true;
    if (block) {
      s.require_fiber_context("Group::kill (blocking)");
      for (auto& f : members) {
        if (f.base() == s.current()) continue;
        in_time = detail::join_until(f.base(), deadline);
        if (!in_time) break;
      }
    }
    if (self) {
      // A member killing its own group: it is shot last, unless it is
      // already being killed (it cannot wait for itself either).
      if (self.base()->exiting) return false;
      if (exit) self.base()->exiting = true;
      std::rethrow_exception(e);
    }
    if (!s.in_hub_context()) s.raise_pending();
    if (!block || !in_time) break;
  }
  return idle();
}

bool Group::killone_until(const Fiber<>& f, std::exception_ptr e, bool block, TimePoint deadline) {
  if (!f) throw UsageError("grove::Group::killone: empty fiber handle; assign it from spawn() first");
  detail::check_owner(f.base(), "Group::killone");
  detail::FiberBase* m = f.base();
  if (!e) e = std::make_exception_ptr(FiberExit{});
  // As gevent's: only a member, and not one already being killed.
  if (contains(f) && !m->exiting && !m->finished) (void)detail::kill(m, std::move(e), false);
  if (block && !m->finished) {
    detail::scheduler().require_fiber_context("Group::killone (blocking)");
    (void)detail::join_until(m, deadline);
  }
  return m->finished;
}

std::vector<Fiber<>> Group::fibers() const {
  std::vector<Fiber<>> out;
  out.reserve(members_.size());
  for (const auto& m : members_) out.push_back(m.fiber);
  return out;
}

Group::KillIfAbandoned::~KillIfAbandoned() {
  if (fiber.dead() || detail::tls_scheduler == nullptr) return;
  try {
    fiber.kill(!detail::tls_scheduler->in_hub_context() && !detail::tls_scheduler->stopped());
  } catch (...) {
    // interrupted again while waiting: the worker is dying anyway
  }
}

}  // namespace grove
