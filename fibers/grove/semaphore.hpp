#pragma once
// semaphore.hpp — Semaphore and BoundedSemaphore (gevent.lock): a counter of
// permits that fibers take and give back. acquire() blocks while the count
// is zero; release() adds permits and wakes waiters, each of which re-checks
// the count (a permit is never handed to a fiber that has stopped waiting).
// Both are BasicLockable/Lockable/TimedLockable, so std::lock_guard and
// std::unique_lock work:
//
//   grove::BoundedSemaphore sem(2);
//   { std::lock_guard hold(sem); ... }   // at most two fibers in here
//
// Threads: acquire, wait and try_acquire belong to the hub thread whose
// fibers use the semaphore. release(), available() and locked() may be
// called from any OS thread: a release from another thread adds the permits
// at once (a BoundedSemaphore's over-release throws UsageError in the
// caller) and wakes the waiters through their hub (posted to its
// io_context). A wait with no timeout that only another thread can end is
// a LoopExit once nothing else keeps the hub busy (as in gevent): give it a
// timeout. The semaphore must outlive every release() call.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/detail/remote_wake.hpp>
#include <grove/detail/wait_queue.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <limits>
#include <string>
#include <type_traits>

namespace grove {

class Semaphore {
 public:
  // Semaphore(value) starts with `value` permits (gevent's default is 1).
  explicit Semaphore(std::size_t value = 1) : count_(value), bound_(std::numeric_limits<std::size_t>::max()) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // acquire() takes a permit, blocking while there is none.
  void acquire() { (void)acquire_until(TimePoint::max()); }
  // acquire(timeout) returns whether a permit was taken before the deadline.
  [[nodiscard]] bool acquire(Deadline timeout) { return acquire_until(timeout.time_point("Semaphore::acquire")); }
  // try_acquire() takes a permit if one is free, without blocking.
  [[nodiscard]] bool try_acquire() noexcept {
    std::size_t c = count_.load();
    while (c > 0 && !count_.compare_exchange_weak(c, c - 1)) {
    }
    return c > 0;
  }
  // release(n) gives back n permits and wakes up to n waiters; any thread.
  // A BoundedSemaphore throws UsageError (and changes nothing) when that
  // would raise the count past its initial value.
  void release(std::size_t n = 1) {
    std::size_t c = count_.load();
    do {
      if (n > bound_ - c) throw_over_release(n, c);
    } while (!count_.compare_exchange_weak(c, c + n));
    remote_.wake(this, n, &Semaphore::wake_waiters);
  }

  // available() is the number of free permits; locked() is available() == 0.
  std::size_t available() const noexcept { return count_.load(); }
  bool locked() const noexcept { return count_.load() == 0; }

  // wait() blocks until a permit is free, without taking it (gevent's wait).
  void wait() { (void)wait_until(TimePoint::max()); }
  // wait(timeout) returns whether a permit was free before the deadline.
  [[nodiscard]] bool wait(Deadline timeout) { return wait_until(timeout.time_point("Semaphore::wait")); }

  // The standard Lockable names: lock() = acquire(), unlock() = release(),
  // try_lock() = try_acquire(), try_lock_for(d) = acquire(d).
  void lock() { acquire(); }
  void unlock() { release(); }
  [[nodiscard]] bool try_lock() noexcept { return try_acquire(); }
  [[nodiscard]] bool try_lock_for(Deadline timeout) {
    return acquire_until(timeout.time_point("Semaphore::try_lock_for"));
  }
  // try_lock_until(t) waits until t, measured on t's own clock.
  template <class C, class D>
  [[nodiscard]] bool try_lock_until(const std::chrono::time_point<C, D>& t) {
    return acquire_until(Deadline::on_clock(t).time_point("Semaphore::try_lock_until"));
  }

 protected:
  // Semaphore(value, bound, kind) caps the count at bound; kind names the
  // class in error messages.
  Semaphore(std::size_t value, std::size_t bound, const char* kind) : count_(value), bound_(bound), kind_(kind) {}

 private:
  // The waits bind the semaphore to this thread's hub before they check
  // the count (detail/remote_wake.hpp). A permit is taken only by a fiber
  // that has re-checked it: acquire retries if another took it first.
  // acquire_until()'s predicate takes the permit itself, so a fiber that
  // finds one free never parks again.
  bool acquire_until(TimePoint deadline) {
    if (try_acquire()) return true;
    remote_.bind();
    detail::PassOn pass(waiters_, [this] { return count_.load() > 0; });
    return waiters_.wait_until(deadline, "Semaphore::acquire", [this] { return try_acquire(); });
  }
  bool wait_until(TimePoint deadline) {
    if (count_.load() > 0) return true;
    remote_.bind();
    detail::PassOn pass(waiters_, [this] { return count_.load() > 0; });
    return waiters_.wait_until(deadline, "Semaphore::wait", [this] { return count_.load() > 0; });
  }
  static void wake_waiters(void* self, std::size_t n) noexcept {
    auto* s = static_cast<Semaphore*>(self);
    for (std::size_t i = 0; i < n && s->waiters_.notify_one(); ++i) {
    }
  }
  [[noreturn]] void throw_over_release(std::size_t n, std::size_t count) const {
    std::string head = std::string("grove::") + kind_ + "::release: releasing " + std::to_string(n) + " with " +
                       std::to_string(count) + " available";
    if (bound_ == std::numeric_limits<std::size_t>::max()) throw UsageError(head + " would overflow the count");
    throw UsageError(head + " would exceed the initial value " + std::to_string(bound_) +
                     "; release only permits that were acquired");
  }

  std::atomic<std::size_t> count_;
  std::size_t bound_;
  const char* kind_ = "Semaphore";
  detail::WaitQueue waiters_;
  detail::RemoteWake remote_;
};

// BoundedSemaphore is a Semaphore whose release() past the initial value
// throws UsageError: it catches a release without a matching acquire.
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(std::size_t value = 1) : Semaphore(value, value, "BoundedSemaphore") {}
};

}  // namespace grove
