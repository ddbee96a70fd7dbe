#pragma once
// event.hpp — Event: a flag fibers can wait for (gevent.event.Event).
// set() wakes every waiter; until clear(), wait() returns at once.
// Not thread-safe: use it from its hub's thread.

#include <grove/duration.hpp>
#include <grove/hub.hpp>
#include <grove/detail/waiter.hpp>

#include <chrono>
#include <cstdint>

namespace grove {

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  bool is_set() const noexcept { return flag_; }
  // set() raises the flag and wakes every waiting fiber.
  void set() noexcept {
    flag_ = true;
    ++generation_;
    if (!waiters_.empty()) detail::wake_all(waiters_);
  }
  void clear() noexcept { flag_ = false; }

  // wait() blocks until the flag is set; it returns true. A waiter woken by
  // set() returns even if clear() came before it ran.
  bool wait() {
    if (flag_) return true;
    auto& s = detail::scheduler();
    const std::uint64_t gen = generation_;
    detail::Waiter w(s.current());
    while (!flag_ && generation_ == gen) {
      waiters_.push_back(w);
      s.park("Event::wait");
    }
    return true;
  }
  // wait(timeout) returns whether the flag was set before the deadline.
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) {
    if (flag_) return true;
    auto& s = detail::scheduler();
    TimePoint deadline = deadline_after(s.now(), to_duration(timeout, "Event::wait"));
    const std::uint64_t gen = generation_;
    detail::Waiter w(s.current());
    while (!flag_ && generation_ == gen) {
      waiters_.push_back(w);
      if (!s.park_until(deadline, "Event::wait")) return flag_ || generation_ != gen;
    }
    return true;
  }

 private:
  detail::WaitList waiters_;
  std::uint64_t generation_ = 0;  // counts set() calls
  bool flag_ = false;
};

}  // namespace grove
