#pragma once
// barrier.hpp — Barrier: a fixed number of fibers wait for each other
// (Python's threading.Barrier, as gevent runs it).
//
//   grove::Barrier ready(3, [] { std::puts("all three arrived"); });
//   for (int i = 0; i < 3; ++i)
//     grove::spawn([&] { prepare(); ready.wait(); go(); });
//
// wait() blocks until `parties` fibers have called it; then the action (if
// any) runs in the last fiber to arrive, every waiter returns, and the
// barrier is ready for the next round. A barrier can break: a wait that
// times out, an action that throws, or abort() wakes every waiter with
// BrokenBarrier, and later waits throw it too until reset(). A fiber killed
// (or timed out by a Timeout scope) while it waits withdraws its arrival:
// it takes nothing with it and the barrier does not break.
// Not thread-safe: use a barrier from its hub's thread.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/detail/wait_queue.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>

namespace grove {

// BrokenBarrier is thrown by Barrier::wait() on a broken barrier.
class BrokenBarrier : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Barrier {
 public:
  // Barrier(parties, action) waits for `parties` fibers (0 is a
  // UsageError); action runs once per round, in the last fiber to arrive.
  explicit Barrier(std::size_t parties, std::function<void()> action = {})
      : parties_(parties), action_(std::move(action)) {
    if (parties_ == 0) throw UsageError("grove::Barrier: parties is 0; a barrier needs at least one party");
  }
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  // wait() blocks until every party has arrived and returns this fiber's
  // arrival index, 0 to parties() - 1 (the last to arrive gets parties() - 1).
  std::size_t wait() { return wait_until(TimePoint::max(), Duration::max()); }
  // wait(timeout) breaks the barrier (for every waiter) and throws
  // BrokenBarrier if the round is not complete before the deadline.
  std::size_t wait(Deadline timeout) {
    if (timeout.is_never()) return wait();
    const TimePoint start = detail::scheduler().now();
    const TimePoint deadline = timeout.resolve(start, "Barrier::wait");
    return wait_until(deadline, deadline > start ? deadline - start : Duration::zero());
  }

  // reset() wakes the fibers waiting now with BrokenBarrier and makes the
  // barrier whole again for a fresh round.
  void reset() noexcept {
    break_waiters();
    broken_ = false;
  }
  // abort() breaks the barrier until reset().
  void abort() noexcept {
    break_waiters();
    broken_ = true;
  }

  std::size_t parties() const noexcept { return parties_; }
  // n_waiting() is the number of fibers waiting in the current round.
  std::size_t n_waiting() const noexcept { return count_; }
  bool broken() const noexcept { return broken_; }

 private:
  enum class Outcome { waiting, passed, broken };
  struct Arrival : detail::Waiter {
    using detail::Waiter::Waiter;
    Outcome outcome = Outcome::waiting;
  };

  std::size_t wait_until(TimePoint deadline, Duration timeout) {
    if (broken_) throw_broken("wait", "the barrier is broken; reset() it first");
    auto& s = detail::scheduler();
    s.require_fiber_context("Barrier::wait");
    const std::size_t index = count_++;
    if (count_ == parties_) {
      trip();
      return index;
    }
    Arrival me(s.current());
    waiters_.push(me);
    try {
      (void)waiters_.wait_until(deadline, "Barrier::wait", me, [&me] { return me.outcome != Outcome::waiting; });
    } catch (...) {
      withdraw(me);
      throw;
    }
    if (me.outcome == Outcome::passed) return index;
    if (me.outcome == Outcome::broken) throw_broken("wait", "the barrier was broken while this fiber waited");
    withdraw(me);  // the deadline passed
    abort();
    throw_broken("wait", ("the round was not complete within " +
                          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
                          " ms; the barrier is now broken")
                             .c_str());
  }
  // withdraw() takes back an arrival that has not passed: the round still
  // needs as many fibers as before this one came.
  void withdraw(Arrival& me) noexcept {
    if (waiters_.holds(me)) {
      me.unlink();
      --count_;
    }
  }
  // trip() ends the round: the waiters pass once the action has run; an
  // action that throws breaks the barrier instead, and its exception leaves
  // the last fiber's wait().
  void trip() {
    detail::WaitQueue round;
    waiters_.splice_to(round);
    count_ = 0;
    Outcome outcome = Outcome::passed;
    struct Release {
      detail::WaitQueue& round;
      Outcome& outcome;
      ~Release() { settle(round, outcome); }
    } release{round, outcome};
    if (action_) {
      try {
        action_();
      } catch (...) {
        outcome = Outcome::broken;
        abort();
        throw;
      }
    }
  }
  void break_waiters() noexcept {
    settle(waiters_, Outcome::broken);
    count_ = 0;
  }
  // settle(queue, outcome) gives every arrival in queue its outcome and wakes it.
  static void settle(detail::WaitQueue& queue, Outcome outcome) noexcept {
    for (detail::Waiter* w = queue.front(); w; w = w->next) static_cast<Arrival*>(w)->outcome = outcome;
    queue.notify_all();
  }
  [[noreturn]] static void throw_broken(const char* call, const char* why) {
    throw BrokenBarrier(std::string("grove::Barrier::") + call + ": " + why);
  }

  std::size_t parties_;
  std::function<void()> action_;
  detail::WaitQueue waiters_;  // Arrivals of this round, oldest first
  std::size_t count_ = 0;      // fibers arrived in this round
  bool broken_ = false;
};

}  // namespace grove
