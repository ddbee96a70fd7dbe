#pragma once
// pool.hpp — Pool (gevent.pool.Pool): a Group with a cap on its live
// members. spawn(), add(), start() and the map family block while it is
// full; apply_async() queues instead; add()/start() can also refuse at once
// (PoolFull) or after a timeout.
//
//   grove::Pool pool(10);                        // at most 10 members at once
//   auto pages = pool.map(fetch, urls);
//   pool.add(grove::create(job), false);         // PoolFull if no slot now
//
// Include <grove/group.hpp> or this; each includes the other.

#include <grove/group.hpp>

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/fiber.hpp>

#include <chrono>
#include <cstddef>
#include <limits>

namespace grove {

// PoolFull is thrown by Pool::add()/start() when no slot is free: at once
// for the non-blocking forms, at the deadline for the timed ones (gevent's
// PoolFull, a queue.Full). Like QueueFull, it is also a TimeoutError (a
// non-blocking call is a wait with no time).
class PoolFull : public Error, public TimeoutError {
 public:
  using Error::Error;
  const char* what() const noexcept override { return Error::what(); }
};

class Pool : public Group {
 public:
  // Pool() has no size limit (gevent's Pool(size=None)): it tracks its
  // members without capping them, as a Group does, and capacity() and
  // free_count() are SIZE_MAX. Pool(size) caps them at size; 0 is a
  // UsageError (gevent accepts a pool that can never admit a member; it
  // is only ever a bug here).
  Pool() : Group(0) {}
  explicit Pool(std::size_t size);

  // capacity() is the size limit; free_count() how many more may be
  // added now; full() is free_count() == 0.
  [[nodiscard]] std::size_t capacity() const noexcept {
    return capacity_ == 0 ? std::numeric_limits<std::size_t>::max() : capacity_;
  }
  [[nodiscard]] std::size_t free_count() const noexcept { return size() >= capacity() ? 0 : capacity() - size(); }
  [[nodiscard]] bool full() const noexcept { return free_count() == 0; }

  // add(f) makes f a member, blocking while the pool is full; add(f,
  // false) throws PoolFull instead of blocking (gevent's
  // add(blocking=False)); add(f, timeout) throws PoolFull if no slot freed
  // in time. A dead fiber or a member is ignored. Add an unstarted fiber
  // (grove::create()) and start it after, or use start(): a running one
  // may finish while add() waits (gevent's caution).
  void add(const Fiber<>& f, bool blocking = true) {
    if (!blocking && f && !f.dead() && !contains(f) && full()) throw_full("Pool::add");
    Group::add(f);
  }
  void add(const Fiber<>& f, Deadline timeout) { add_by(f, timeout, "Pool::add"); }
  // start(f[, blocking | timeout]) is add() with the same arguments, then
  // f.start() (gevent's Pool.start).
  void start(const Fiber<>& f, bool blocking = true) {
    add(f, blocking);
    Fiber<>(f).start();
  }
  void start(const Fiber<>& f, Deadline timeout) {
    add_by(f, timeout, "Pool::start");
    Fiber<>(f).start();
  }

  // wait_available() blocks until the pool is not full.
  void wait_available() { (void)wait_free_until(TimePoint::max(), "Pool::wait_available"); }
  // wait_available(timeout) returns whether a slot was free before the deadline.
  [[nodiscard]] bool wait_available(Deadline timeout) {
    return wait_free_until(timeout.time_point("Pool::wait_available"), "Pool::wait_available");
  }

 private:
  // add_by() is the timed add; `call` names it in UsageError and PoolFull.
  void add_by(const Fiber<>& f, Deadline timeout, const char* call) {
    if (!add_until(f, timeout.time_point(call), call)) throw_full(call);
  }
  [[noreturn]] void throw_full(const char* what) const;
};

}  // namespace grove
