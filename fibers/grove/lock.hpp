#pragma once
// lock.hpp — Lock and RLock (gevent.lock): mutual exclusion between fibers.
// Both remember the fiber that holds them, so misuse is an error instead of
// a deadlock: a Lock re-acquired by its holder, or either released by a
// fiber that does not hold it, throws UsageError. Both satisfy the standard
// Lockable/TimedLockable names (lock/unlock/try_lock/try_lock_for):
//
//   grove::Lock lock;
//   { std::lock_guard hold(lock); ... }
//
// A lock held by a fiber that ends stays held (only its holder may release
// it). Threads: use a Lock from its hub's thread. An RLock's release() may
// be called from any OS thread, but, as in gevent, only its holder may
// release it: from another thread it throws UsageError and leaves the lock
// as it was (to let another thread end a hold, use a Semaphore, whose
// release() is thread-safe).

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/semaphore.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace grove {

class Lock {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  // acquire() takes the lock, blocking while another fiber holds it; it
  // throws UsageError if the calling fiber already holds it (use RLock).
  void acquire() {
    check_not_owner("acquire");
    if (!permit_.try_acquire()) {
      const detail::WaitEdge edge(detail::scheduler().current(), "Lock", "held by", &owner_);
      permit_.acquire();
    }
    owner_ = detail::FiberIdentity::current();
  }
  // acquire(timeout) returns whether the lock was taken before the deadline.
  [[nodiscard]] bool acquire(Deadline timeout) { return acquire_by(timeout.time_point("Lock::acquire")); }
  // try_acquire() takes the lock if it is free; false if held (by anyone,
  // the caller included).
  [[nodiscard]] bool try_acquire() {
    if (!permit_.try_acquire()) return false;
    owner_ = detail::FiberIdentity::current();
    return true;
  }
  // release() frees the lock; it throws UsageError unless the calling fiber
  // holds it.
  void release() {
    if (!owner_.is_current())
      throw UsageError(
          owner_ ? "grove::Lock::release: the calling fiber does not hold this Lock; only its holder may release it"
                 : "grove::Lock::release: the Lock is not held");
    owner_ = {};
    permit_.release();
  }

  // locked() is true while some fiber holds the lock; owned() while the
  // calling fiber does.
  bool locked() const noexcept { return permit_.locked(); }
  bool owned() const { return owner_.is_current(); }

  void lock() { acquire(); }
  void unlock() { release(); }
  [[nodiscard]] bool try_lock() { return try_acquire(); }
  [[nodiscard]] bool try_lock_for(Deadline timeout) { return acquire_by(timeout.time_point("Lock::try_lock_for")); }
  template <class C, class D>
  [[nodiscard]] bool try_lock_until(const std::chrono::time_point<C, D>& t) {
    return acquire_by(Deadline::on_clock(t).time_point("Lock::try_lock_until"));
  }

 private:
  // acquire_by(deadline) is every timed acquire, once its Deadline is resolved.
  bool acquire_by(TimePoint deadline) {
    check_not_owner("acquire");
    if (!permit_.try_acquire()) {
      const detail::WaitEdge edge(detail::scheduler().current(), "Lock", "held by", &owner_);
      if (!permit_.acquire(deadline)) return false;
    }
    owner_ = detail::FiberIdentity::current();
    return true;
  }

  void check_not_owner(const char* what) const {
    if (owner_.is_current())
      throw UsageError(std::string("grove::Lock::") + what +
                       ": the calling fiber already holds this Lock, which is not reentrant "
                       "(it would deadlock); use grove::RLock");
  }

  Semaphore permit_{1};
  detail::FiberIdentity owner_;
};

// RLock is a reentrant lock: its holder may acquire it again, and must
// release it as many times as it acquired it.
class RLock {
 public:
  RLock() = default;
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  // acquire() takes the lock (or deepens the caller's hold), blocking while
  // another fiber holds it.
  void acquire() {
    if (reenter()) return;
    if (!permit_.try_acquire()) {
      const detail::WaitEdge edge(detail::scheduler().current(), "RLock", "held by", &owner_);
      permit_.acquire();
    }
    take();
  }
  // acquire(timeout) returns whether the lock was taken before the deadline.
  [[nodiscard]] bool acquire(Deadline timeout) { return acquire_by(timeout.time_point("RLock::acquire")); }
  // try_acquire() takes or deepens the lock if it can without blocking.
  [[nodiscard]] bool try_acquire() {
    if (reenter()) return true;
    if (!permit_.try_acquire()) return false;
    take();
    return true;
  }
  // release() undoes one acquire(); the last one frees the lock. It throws
  // UsageError unless the calling fiber holds the lock.
  void release() {
    check_holder_thread();
    if (!owner_.is_current())
      throw UsageError(
          owner_ ? "grove::RLock::release: the calling fiber does not hold this RLock; only its holder may release it"
                 : "grove::RLock::release: the RLock is not held");
    if (--depth_ == 0) {
      owner_ = {};
      holder_hub_.store(nullptr, std::memory_order_relaxed);
      permit_.release();
    }
  }

  // locked() is true while some fiber holds the lock; owned() while the
  // calling fiber does; depth() is how many times its holder acquired it.
  bool locked() const noexcept { return permit_.locked(); }
  bool owned() const { return owner_.is_current(); }
  std::size_t depth() const noexcept { return depth_; }

  void lock() { acquire(); }
  void unlock() { release(); }
  [[nodiscard]] bool try_lock() { return try_acquire(); }
  [[nodiscard]] bool try_lock_for(Deadline timeout) { return acquire_by(timeout.time_point("RLock::try_lock_for")); }
  template <class C, class D>
  [[nodiscard]] bool try_lock_until(const std::chrono::time_point<C, D>& t) {
    return acquire_by(Deadline::on_clock(t).time_point("RLock::try_lock_until"));
  }

 private:
  // acquire_by(deadline) is every timed acquire, once its Deadline is resolved.
  bool acquire_by(TimePoint deadline) {
    if (reenter()) return true;
    if (!permit_.try_acquire()) {
      const detail::WaitEdge edge(detail::scheduler().current(), "RLock", "held by", &owner_);
      if (!permit_.acquire(deadline)) return false;
    }
    take();
    return true;
  }
  bool reenter() {
    if (!owner_.is_current()) return false;
    ++depth_;
    return true;
  }
  void take() {
    owner_ = detail::FiberIdentity::current();
    depth_ = 1;
    holder_hub_.store(detail::tls_scheduler, std::memory_order_relaxed);
  }
  // check_holder_thread() rejects a release from a thread whose hub does
  // not run the holder, before anything else of the lock is read.
  void check_holder_thread() const {
    const detail::Scheduler* here = detail::tls_scheduler;
    const detail::Scheduler* holder = holder_hub_.load(std::memory_order_relaxed);
    if (here == nullptr || (holder != nullptr && holder != here))
      throw UsageError(
          "grove::RLock::release: called from a thread whose hub does not run the RLock's holder; only the "
          "fiber that holds it may release it (to end a hold from another thread, use a grove::Semaphore)");
  }

  Semaphore permit_{1};
  detail::FiberIdentity owner_;
  std::size_t depth_ = 0;
  std::atomic<const detail::Scheduler*> holder_hub_{nullptr};  // the holder's hub, or null
};

}  // namespace grove
