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
// Not thread-safe: use one from its hub's thread.

#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/detail/park_on.hpp>
#include <grove/detail/waiter.hpp>

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
  template <class Rep, class Period>
  bool acquire(std::chrono::duration<Rep, Period> timeout) {
    if (try_acquire()) return true;
    return acquire_until(deadline_after(detail::scheduler().now(), to_duration(timeout, "Semaphore::acquire")));
  }
  // try_acquire() takes a permit if one is free, without blocking.
  bool try_acquire() noexcept {
    if (count_ == 0) return false;
    --count_;
    return true;
  }
  // release(n) gives back n permits and wakes up to n waiters. A
  // BoundedSemaphore throws UsageError (and changes nothing) when that
  // would raise the count past its initial value.
  void release(std::size_t n = 1) {
    if (n > bound_ - count_) throw_over_release(n);
    count_ += n;
    for (std::size_t i = 0; i < n && detail::wake_one(waiters_); ++i) {
    }
  }

  // available() is the number of free permits; locked() is available() == 0.
  std::size_t available() const noexcept { return count_; }
  bool locked() const noexcept { return count_ == 0; }

  // wait() blocks until a permit is free, without taking it (gevent's wait).
  void wait() { (void)wait_until(TimePoint::max()); }
  // wait(timeout) returns whether a permit was free before the deadline.
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) {
    if (count_ > 0) return true;
    return wait_until(deadline_after(detail::scheduler().now(), to_duration(timeout, "Semaphore::wait")));
  }

  // The standard Lockable names: lock() = acquire(), unlock() = release(),
  // try_lock() = try_acquire(), try_lock_for(d) = acquire(d).
  void lock() { acquire(); }
  void unlock() { release(); }
  bool try_lock() noexcept { return try_acquire(); }
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout) {
    return acquire(timeout);
  }
  // try_lock_until(t) waits until t, measured on t's own clock.
  template <class C, class D>
  bool try_lock_until(const std::chrono::time_point<C, D>& t) {
    // On the hub's own clock type, "now" is the hub's (virtual under test).
    auto now = [] {
      if constexpr (std::is_same_v<C, Clock>) return detail::scheduler().now();
      else return C::now();
    };
    auto left = t - now();
    return acquire(left < decltype(left)::zero() ? decltype(left)::zero() : left);
  }

 protected:
  // Semaphore(value, bound, kind) caps the count at bound; kind names the
  // class in error messages.
  Semaphore(std::size_t value, std::size_t bound, const char* kind) : count_(value), bound_(bound), kind_(kind) {}

 private:
  bool acquire_until(TimePoint deadline) {
    if (try_acquire()) return true;
    detail::PassOn pass(waiters_, [this] { return count_ > 0; });
    if (!detail::park_on(waiters_, deadline, "Semaphore::acquire", [this] { return count_ > 0; })) return false;
    --count_;
    return true;
  }
  bool wait_until(TimePoint deadline) {
    detail::PassOn pass(waiters_, [this] { return count_ > 0; });
    return detail::park_on(waiters_, deadline, "Semaphore::wait", [this] { return count_ > 0; });
  }
  [[noreturn]] void throw_over_release(std::size_t n) const {
    std::string head = std::string("grove::") + kind_ + "::release: releasing " + std::to_string(n) + " with " +
                       std::to_string(count_) + " available";
    if (bound_ == std::numeric_limits<std::size_t>::max()) throw UsageError(head + " would overflow the count");
    throw UsageError(head + " would exceed the initial value " + std::to_string(bound_) +
                     "; release only permits that were acquired");
  }

  std::size_t count_;
  std::size_t bound_;
  const char* kind_ = "Semaphore";
  detail::WaitList waiters_;
};

// BoundedSemaphore is a Semaphore whose release() past the initial value
// throws UsageError: it catches a release without a matching acquire.
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(std::size_t value = 1) : Semaphore(value, value, "BoundedSemaphore") {}
};

}  // namespace grove
