#pragma once
// dummy_semaphore.hpp — DummySemaphore (gevent.lock.DummySemaphore): a
// semaphore with an unlimited count that never blocks. It stands in where
// a Semaphore is expected and no limit is wanted (gevent's Pool(None) uses
// one): acquire() always succeeds at once, release() does nothing, and it
// is never locked. Like Semaphore it is Lockable and TimedLockable, so
// std::lock_guard and std::unique_lock work. Every call is safe from any
// thread and never switches fibers. The timed forms take a Deadline like
// Semaphore's: a negative or NaN duration is a UsageError naming the call,
// so code tested against a DummySemaphore does not break on a Semaphore.

#include <grove/deadline.hpp>

#include <chrono>
#include <cstddef>
#include <limits>

namespace grove {

class DummySemaphore {
 public:
  // DummySemaphore(value) ignores value (gevent accepts and ignores one).
  explicit DummySemaphore(std::size_t /*value*/ = 0) noexcept {}
  DummySemaphore(const DummySemaphore&) = delete;
  DummySemaphore& operator=(const DummySemaphore&) = delete;

  // acquire() / acquire(timeout) / try_acquire() take a permit at once.
  void acquire() noexcept {}
  [[nodiscard]] bool acquire(Deadline timeout) {
    timeout.check("DummySemaphore::acquire");
    return true;
  }
  [[nodiscard]] bool try_acquire() noexcept { return true; }
  // release(n) does nothing: the count is unlimited.
  void release(std::size_t /*n*/ = 1) noexcept {}

  // available() is SIZE_MAX; locked() is always false.
  [[nodiscard]] std::size_t available() const noexcept { return std::numeric_limits<std::size_t>::max(); }
  [[nodiscard]] bool locked() const noexcept { return false; }

  // wait() / wait(timeout) return at once: a permit is always free.
  void wait() const noexcept {}
  [[nodiscard]] bool wait(Deadline timeout) const {
    timeout.check("DummySemaphore::wait");
    return true;
  }

  // The standard Lockable names.
  void lock() noexcept {}
  void unlock() noexcept {}
  [[nodiscard]] bool try_lock() noexcept { return true; }
  [[nodiscard]] bool try_lock_for(Deadline timeout) {
    timeout.check("DummySemaphore::try_lock_for");
    return true;
  }
  template <class C, class D>
  [[nodiscard]] bool try_lock_until(const std::chrono::time_point<C, D>&) noexcept {
    return true;
  }
};

}  // namespace grove
