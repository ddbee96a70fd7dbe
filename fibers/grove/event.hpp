#pragma once
// event.hpp — Event: a flag fibers can wait for (gevent.event.Event).
// set() wakes every waiter; until clear(), wait() returns at once.
// rawlink() registers callbacks run from the hub after a set().
//
// Threads: wait() belongs to the hub thread whose fibers use the event.
// set(), clear() and is_set() may be called from any OS thread: a set()
// from another thread raises the flag at once and wakes the waiters through
// their hub (posted to its io_context; dropped if that thread has no hub
// any more). A wait with no timeout that only another thread can end is a
// LoopExit once nothing else keeps the hub busy (as in gevent): give such a
// wait a timeout. The event must outlive every set() call, not the wakes
// it queued (docs/design/waiter.md).

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/hub.hpp>
#include <grove/detail/remote_wake.hpp>
#include <grove/detail/wait_queue.hpp>

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace grove {

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() {
    if (links_) links_->event = nullptr;
  }

  bool is_set() const noexcept { return flag_.load(); }
  // set() raises the flag and wakes every waiting fiber; any thread.
  void set() noexcept {
    flag_.store(true);
    generation_.fetch_add(1);
    remote_.wake(this, 0, &Event::wake_waiters);
  }
  // clear() lowers the flag; any thread.
  void clear() noexcept { flag_.store(false); }

  // rawlink(cb) registers cb(event) to be called once, from the hub's loop
  // (never inside set()), after the next set() — or soon, when the event is
  // set already (gevent's rawlink). It returns the id unlink() takes.
  // Callbacks must not block; one that throws is logged and the others
  // still run. The callbacks, rawlink, unlink, unlink_all and has_links
  // belong to the hub thread of the first rawlink(); set() may come from
  // any thread.
  template <class F>
  requires std::invocable<F&, Event&> std::uint64_t rawlink(F cb) {
    Links& l = links("rawlink");
    remote_.bind();  // a set() from another thread then reaches this hub
    const std::uint64_t id = l.next_id++;
    l.callbacks.emplace_back(id, std::function<void(Event&)>(std::move(cb)));
    if (flag_.load()) post_flush();
    return id;
  }
  // unlink(id) removes a callback that has not run; returns whether it did.
  bool unlink(std::uint64_t id);
  // unlink_all() removes every callback that has not run.
  void unlink_all() noexcept {
    if (links_) links_->callbacks.clear();
  }
  // has_links() is true while a callback waits to run.
  bool has_links() const noexcept { return links_ && !links_->callbacks.empty(); }

  // wait() blocks until the flag is set; it returns true. Its predicate:
  // the flag is up, or a set() came since the wait began — so a waiter
  // woken by set() returns even if clear() came before it ran.
  bool wait() { return wait(Deadline::never()); }
  // wait(timeout) returns whether the flag was set before the deadline.
  [[nodiscard]] bool wait(Deadline timeout) {
    const TimePoint deadline = timeout.time_point("Event::wait");
    if (flag_.load()) return true;
    remote_.bind();  // before the re-check: a remote set() then finds this hub
    const std::uint64_t gen = generation_.load();
    return waiters_.wait_until(deadline, "Event::wait",
                               [this, gen] { return flag_.load() || generation_.load() != gen; });
  }

  // The Waitable protocol (waitable.hpp) for grove::wait and iwait: ready
  // while the flag is up, or once a set() came since the wait began (the
  // mark is the set() count then), as wait() above.
  detail::WaitQueue& waitable_queue() noexcept { return waiters_; }
  std::uint64_t waitable_begin(const char*) noexcept {
    remote_.bind();
    return generation_.load();
  }
  bool waitable_ready(std::uint64_t gen) const noexcept { return flag_.load() || generation_.load() != gen; }

 private:
  // Links holds the rawlink() callbacks; a flush posted to the hub keeps it
  // alive, and finds event null once the Event is gone.
  struct Links {
    Event* event;
    detail::Scheduler* owner;
    std::vector<std::pair<std::uint64_t, std::function<void(Event&)>>> callbacks;
    std::uint64_t next_id = 1;
    bool flush_posted = false;
  };

  Links& links(const char* call);
  void post_flush() noexcept;
  static void wake_waiters(void* self, std::size_t) noexcept {
    auto* e = static_cast<Event*>(self);
    e->waiters_.notify_all();
    if (e->has_links()) e->post_flush();
  }

  std::shared_ptr<Links> links_;  // made by the first rawlink()

  detail::WaitQueue waiters_;
  detail::RemoteWake remote_;
  std::atomic<std::uint64_t> generation_{0};  // counts set() calls
  std::atomic<bool> flag_{false};
};

}  // namespace grove
