#pragma once
// condition.hpp — Condition: a condition variable for fibers on a Lock or
// RLock (Python's threading.Condition, as gevent runs it).
//
//   grove::Lock lock;
//   grove::Condition cond(lock);
//   std::deque<int> items;
//   // consumer:
//   { std::unique_lock hold(cond); cond.wait_for([&] { return !items.empty(); }); take(items); }
//   // producer:
//   { std::lock_guard hold(cond); items.push_back(1); cond.notify(); }
//
// wait() must be called by the fiber that holds the lock: it releases the
// lock (an RLock entirely, whatever its depth), parks until notify() picks
// it, then takes the lock back before it returns or throws, even when it
// leaves by kill() or a Timeout. A notification given to a waiter that then
// leaves by an exception is passed on to the next waiter, so none is lost.
// Should taking the lock back itself be interrupted (a second kill, the
// hub's destruction) the exception leaves without the lock, and the
// Condition's own release() by that fiber is then a no-op, so a
// std::unique_lock on the Condition unwinds cleanly.
// Not thread-safe: use a Condition from its hub's thread.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/lock.hpp>
#include <grove/detail/wait_queue.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace grove {

class Condition {
 public:
  // Condition() uses a lock of its own, an RLock (as Python's default).
  Condition() : owned_(std::make_unique<RLock>()), rlock_(owned_.get()) {}
  explicit Condition(Lock& lock) : lock_(&lock) {}
  explicit Condition(RLock& lock) : rlock_(&lock) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // The underlying lock, as the standard Lockable names, so that
  // std::unique_lock / std::lock_guard work on the Condition itself.
  void acquire() { lock_ ? lock_->acquire() : rlock_->acquire(); }
  [[nodiscard]] bool acquire(Deadline timeout) {
    const TimePoint deadline = timeout.time_point("Condition::acquire");
    return lock_ ? lock_->acquire(deadline) : rlock_->acquire(deadline);
  }
  void release() {
    if (lost_.is_current() && lost_depth_ > 0) {  // the hold a wait() could not take back
      if (--lost_depth_ == 0) lost_ = {};
      return;
    }
    lock_ ? lock_->release() : rlock_->release();
  }
  void lock() { acquire(); }
  void unlock() { release(); }
  [[nodiscard]] bool try_lock() { return lock_ ? lock_->try_acquire() : rlock_->try_acquire(); }

  // wait() releases the lock, blocks until notified, and takes the lock
  // back; it returns true. It throws UsageError unless the caller holds the lock.
  bool wait() { return wait_until(TimePoint::max()); }
  // wait(timeout) returns false if no notification came before the deadline.
  [[nodiscard]] bool wait(Deadline timeout) { return wait_until(timeout.time_point("Condition::wait")); }
  // wait_for(pred) waits until pred() holds (checked with the lock held,
  // first before any wait) and returns true.
  template <class Pred>
  bool wait_for(Pred pred) {
    while (!pred()) wait();
    return true;
  }
  // wait_for(pred, timeout) returns pred()'s last value once it holds or
  // the deadline has passed.
  template <class Pred>
  [[nodiscard]] bool wait_for(Pred pred, Deadline timeout) {
    const TimePoint deadline = timeout.time_point("Condition::wait_for");
    while (!pred()) {
      if (!wait_until(deadline)) return pred();
    }
    return true;
  }

  // notify(n) wakes up to n waiting fibers, oldest first; notify_all()
  // wakes them all. The caller must hold the lock (else UsageError).
  void notify(std::size_t n = 1) {
    check_owned("notify");
    wake(n);
  }
  void notify_all() {
    check_owned("notify_all");
    wake(static_cast<std::size_t>(-1));
  }

  // waiting() is the number of fibers parked in wait().
  std::size_t waiting() const noexcept { return waiters_.size(); }

 private:
  struct Node : detail::Waiter {
    using detail::Waiter::Waiter;
    bool notified = false;
  };

  bool owned() const { return lock_ ? lock_->owned() : rlock_->owned(); }
  void check_owned(const char* what) const {
    if (!owned())
      throw UsageError(std::string("grove::Condition::") + what +
                       ": the calling fiber does not hold the Condition's lock; acquire it first "
                       "(std::unique_lock hold(condition))");
  }
  // wake(n) notifies up to n waiters, passing over those about to leave
  // with an interrupt (they would only hand the notification on).
  void wake(std::size_t n) noexcept {
    for (detail::Waiter* w = waiters_.front(); w && n > 0;) {
      detail::Waiter* next = w->next;
      if (!w->fiber->has_interrupt()) {
        static_cast<Node*>(w)->notified = true;
        waiters_.notify(*w);
        --n;
      }
      w = next;
    }
  }
  // release_all() frees the lock and returns how deep the hold was.
  std::size_t release_all() {
    if (lock_) {
      lock_->release();
      return 1;
    }
    const std::size_t depth = rlock_->depth();
    for (std::size_t i = 0; i < depth; ++i) rlock_->release();
    return depth;
  }
  // retake(depth) takes the lock back; if that is interrupted, the
  // Condition remembers the hold it could not restore (see release()).
  void retake(std::size_t depth) {
    try {
      for (std::size_t i = 0; i < depth; ++i) acquire();
    } catch (...) {
      if (lock_ ? !lock_->owned() : !rlock_->owned()) {
        lost_ = detail::FiberIdentity::current();
        lost_depth_ = depth;
      }
      throw;
    }
  }

  bool wait_until(TimePoint deadline) {
    check_owned("wait");
    Node node(detail::scheduler().current());
    waiters_.push(node);  // in line before the lock is let go: no notify is missed
    const std::size_t depth = release_all();
    try {
      (void)waiters_.wait_until(deadline, "Condition::wait", node, [&node] { return node.notified; });
    } catch (...) {
      node.unlink();
      if (node.notified) wake(1);  // pass the notification on
      retake(depth);
      throw;
    }
    node.unlink();
    retake(depth);
    return node.notified;
  }

  std::unique_ptr<RLock> owned_;
  Lock* lock_ = nullptr;
  RLock* rlock_ = nullptr;
  detail::WaitQueue waiters_;  // Nodes of the fibers in wait(), oldest first
  detail::FiberIdentity lost_;
  std::size_t lost_depth_ = 0;
};

}  // namespace grove
