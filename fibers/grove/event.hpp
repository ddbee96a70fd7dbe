#pragma once
// event.hpp — Event: a flag fibers can wait for (gevent.event.Event).
// set() wakes every waiter; until clear(), wait() returns at once.
//
// Threads: wait() belongs to the hub thread whose fibers use the event.
// set(), clear() and is_set() may be called from any OS thread: a set()
// from another thread raises the flag at once and wakes the waiters through
// their hub (posted to its io_context; dropped if that thread has no hub
// any more). A wait with no timeout that only another thread can end is a
// LoopExit once nothing else keeps the hub busy (as in gevent): give such a
// wait a timeout. The event must outlive every set() call, not the wakes
// it queued (docs/design/waiter.md).

#include <grove/duration.hpp>
#include <grove/hub.hpp>
#include <grove/detail/remote_wake.hpp>
#include <grove/detail/waiter.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace grove {

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  bool is_set() const noexcept { return flag_.load(); }
  // set() raises the flag and wakes every waiting fiber; any thread.
  void set() noexcept {
    flag_.store(true);
    generation_.fetch_add(1);
    remote_.wake(this, 0, &Event::wake_waiters);
  }
  // clear() lowers the flag; any thread.
  void clear() noexcept { flag_.store(false); }

  // wait() blocks until the flag is set; it returns true. A waiter woken by
  // set() returns even if clear() came before it ran.
  bool wait() {
    if (flag_.load()) return true;
    auto& s = detail::scheduler();
    remote_.bind();
    const std::uint64_t gen = generation_.load();
    detail::Waiter w(s.current());
    while (!flag_.load() && generation_.load() == gen) {
      waiters_.push_back(w);
      s.park("Event::wait");
    }
    return true;
  }
  // wait(timeout) returns whether the flag was set before the deadline.
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) {
    if (flag_.load()) return true;
    auto& s = detail::scheduler();
    TimePoint deadline = deadline_after(s.now(), to_duration(timeout, "Event::wait"));
    remote_.bind();
    const std::uint64_t gen = generation_.load();
    detail::Waiter w(s.current());
    while (!flag_.load() && generation_.load() == gen) {
      waiters_.push_back(w);
      if (!s.park_until(deadline, "Event::wait")) return flag_.load() || generation_.load() != gen;
    }
    return true;
  }

 private:
  static void wake_waiters(void* self, std::size_t) noexcept {
    auto* e = static_cast<Event*>(self);
    if (!e->waiters_.empty()) detail::wake_all(e->waiters_);
  }

  detail::WaitList waiters_;
  detail::RemoteWake remote_;
  std::atomic<std::uint64_t> generation_{0};  // counts set() calls
  std::atomic<bool> flag_{false};
};

}  // namespace grove
