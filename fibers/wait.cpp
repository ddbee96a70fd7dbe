// wait.cpp — joinall, killall, wait_any.

#include <grove/wait.hpp>

#include <grove/timeout.hpp>

#include <memory>

namespace grove {

namespace detail {

std::optional<std::size_t> wait_any(const std::vector<Fiber<>>& fibers, TimePoint deadline) {
  for (std::size_t i = 0; i < fibers.size(); ++i) {
    check_owner(fibers[i].base(), "wait_any");
    if (fibers[i].dead()) return i;
  }
  if (fibers.empty()) throw UsageError("grove::wait_any: no fibers to wait for");
  Scheduler& s = scheduler();
  for (const auto& f : fibers)
    if (f.base() == s.current()) throw UsageError("grove::wait_any: a fiber cannot wait for itself");
  // One waiter per fiber, all leading back to the caller: the first death
  // wakes it, and every node unlinks itself on the way out.
  std::unique_ptr<Waiter[]> nodes(new Waiter[fibers.size()]{});
  std::optional<std::size_t> first;
  auto any_dead = [&] {
    for (std::size_t i = 0; i < fibers.size(); ++i) {
      if (fibers[i].dead()) {
        first = i;
        return true;
      }
    }
    return false;
  };
  WaitQueue::wait_until_any(
      fibers.size(), [&](std::size_t i) -> WaitQueue& { return fibers[i].base()->joiners; }, nodes.get(), deadline,
      "wait_any", any_dead);
  return first;
}

std::vector<Fiber<>> joinall(std::vector<Fiber<>> fibers, TimePoint deadline, bool raise_error, std::size_t count) {
  if (count < fibers.size()) {
    // The first `count` to finish, in completion order (gevent's joinall(count=)).
    Iwait<Fiber<>> finished(std::move(fibers), deadline, count, "joinall");
    std::vector<Fiber<>> done;
    done.reserve(count);
    while (auto f = finished.next()) {
      done.push_back(*f);
      if (raise_error) rethrow_failure(f->base());
    }
    return done;
  }
  std::vector<Fiber<>> done;
  done.reserve(fibers.size());
  if (!raise_error) {
    for (auto& f : fibers) {
      check_owner(f.base(), "joinall");
      if (!join_until(f.base(), deadline)) break;
    }
    for (auto& f : fibers)
      if (f.dead()) done.push_back(f);
    return done;
  }
  // raise_error: stop at the first failure, in completion order.
  std::vector<Fiber<>> pending = std::move(fibers);
  while (!pending.empty()) {
    auto i = detail::wait_any(pending, deadline);
    if (!i) break;
    Fiber<> f = pending[*i];
    pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(*i));
    done.push_back(f);
    rethrow_failure(f.base());
  }
  return done;
}

void killall(std::vector<Fiber<>> fibers, std::exception_ptr e, bool block, TimePoint deadline) {
  Scheduler& s = scheduler();
  Fiber<> self_handle;
  const bool exit = is_fiber_exit(e);
  for (auto& f : fibers) {
    check_owner(f.base(), "killall");
    if (f.base() == s.current()) {
      self_handle = f;  // killed last
    } else if (!f.dead()) {
      if (exit) f.base()->exiting = true;
      s.interrupt(f.base(), e);
    }
  }
  if (block) {
    for (auto& f : fibers)
      if (f.base() != s.current() && !join_until(f.base(), deadline)) break;
  }
  if (self_handle) std::rethrow_exception(e);
  if (!s.in_hub_context()) s.raise_pending();
}

}  // namespace detail

}  // namespace grove
