#pragma once
// dummy_semaphore.hpp — DummySemaphore (gevent.lock.DummySemaphore): a
// semaphore with an unlimited count that never blocks. It stands in where
// a Semaphore is expected and no limit is wanted (gevent's Pool(None) uses
// one): acquire() always succeeds at once, release() does nothing, and it
// is never locked. Like Semaphore it is Lockable and TimedLockable, so
// std::lock_guard and std::unique_lock work. Every call is safe from any
// thread and never switches fibers.

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
  template <class Rep, class Period>
  bool acquire(std::chrono::duration<Rep, Period>) noexcept {
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
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period>) const noexcept {
    return true;
  }

  // The standard Lockable names.
  void lock() noexcept {}
  void unlock() noexcept {}
  [[nodiscard]] bool try_lock() noexcept { return true; }
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>&) noexcept {
    return true;
  }
  template <class C, class D>
  bool try_lock_until(const std::chrono::time_point<C, D>&) noexcept {
    return true;
  }
};

}  // namespace grove
