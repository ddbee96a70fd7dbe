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

#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/detail/waiter.hpp>

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
  template <class Rep, class Period>
  std::size_t wait(std::chrono::duration<Rep, Period> timeout) {
    const Duration d = to_duration(timeout, "Barrier::wait");
    return wait_until(deadline_after(detail::scheduler().now(), d), d);
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
    waiters_.push_back(me);
    for (;;) {
      bool in_time;
      try {
        in_time = s.park_until(deadline, "Barrier::wait");
      } catch (...) {
        withdraw(me);
        throw;
      }
      if (me.outcome == Outcome::passed) return index;
      if (me.outcome == Outcome::broken) throw_broken("wait", "the barrier was broken while this fiber waited");
      if (!in_time) {
        withdraw(me);
        abort();
        throw_broken("wait", ("the round was not complete within " +
                              std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
                              " ms; the barrier is now broken")
                                 .c_str());
      }
      if (!me.linked()) waiters_.push_back(me);  // woken by something else
    }
  }
  // withdraw() takes back an arrival that has not passed: the round still
  // needs as many fibers as before this one came.
  void withdraw(Arrival& me) noexcept {
    if (me.list == &waiters_) {
      me.unlink();
      --count_;
    }
  }
  // trip() ends the round: the waiters pass once the action has run; an
  // action that throws breaks the barrier instead, and its exception leaves
  // the last fiber's wait().
  void trip() {
    detail::WaitList round;
    while (detail::Waiter* w = waiters_.pop_front()) round.push_back(*w);
    count_ = 0;
    Outcome outcome = Outcome::passed;
    struct Release {
      detail::WaitList& round;
      Outcome& outcome;
      ~Release() {
        while (detail::Waiter* w = round.pop_front()) {
          static_cast<Arrival*>(w)->outcome = outcome;
          detail::scheduler().wake(w->fiber);
        }
      }
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
    while (detail::Waiter* w = waiters_.pop_front()) {
      static_cast<Arrival*>(w)->outcome = Outcome::broken;
      detail::scheduler().wake(w->fiber);
    }
    count_ = 0;
  }
  [[noreturn]] static void throw_broken(const char* call, const char* why) {
    throw BrokenBarrier(std::string("grove::Barrier::") + call + ": " + why);
  }

  std::size_t parties_;
  std::function<void()> action_;
  detail::WaitList waiters_;  // Arrivals of this round, oldest first
  std::size_t count_ = 0;     // fibers arrived in this round
  bool broken_ = false;
};

}  // namespace grove
