#pragma once
// detail/op_waiter.hpp — OpWaiter, the fiber's side of one outstanding
// Asio operation: the fiber parks (Scheduler::park_shielded) until the
// operation's handler has run, whatever happens meanwhile, so no handler
// ever touches a dead stack. detail::run_op (run_op.hpp) is
// the one user in grove; it adds the mapping of results to errors.

#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/detail/scheduler.hpp>

#include <boost/context/fiber.hpp>

#include <exception>
#include <iterator>
#include <utility>
#include <vector>

namespace grove::detail {

// OpWaiter is the running fiber's side of one outstanding asynchronous
// operation: the handler calls complete() (hub thread, noexcept), the fiber
// calls wait(). It lives on the fiber's stack for the whole operation.
class OpWaiter {
 public:
  enum class Outcome {
    completed,    // the handler ran before any deadline or interrupt
    timed_out,    // the deadline passed: cancelled, and the handler has run since
    interrupted,  // Timeout/kill: cancelled, the handler has run, the interrupt is pending again
  };

  OpWaiter() : sched_(&scheduler()), fiber_(sched_->current()) {}
  explicit OpWaiter(Scheduler& s) : sched_(&s), fiber_(s.current()) {}
  OpWaiter(const OpWaiter&) = delete;
  OpWaiter& operator=(const OpWaiter&) = delete;

  Scheduler& scheduler_ref() const noexcept { return *sched_; }
  bool done() const noexcept { return done_; }
  // complete() marks the operation finished and wakes the fiber.
  void complete() noexcept {
    done_ = true;
    sched_->wake(fiber_);
  }

  // wait(deadline, what, cancel) parks until complete(). If the deadline
  // passes or the fiber is interrupted first, it calls cancel() (noexcept
  // in spirit: exceptions are swallowed) and waits for complete() anyway.
  // After Outcome::interrupted the caller either raises the interrupt
  // (scheduler.raise_pending()) or, when the operation had an effect that
  // must not be lost (bytes read, a connection accepted), returns it and
  // lets the interrupt surface at the fiber's next suspension point.
  template <class Cancel>
  Outcome wait(TimePoint deadline, const char* what, Cancel&& cancel) {
    if (done_) return Outcome::completed;
    bool in_time = true;
    std::exception_ptr interrupt, loop_exit;
    try {
      while (!done_ && in_time) in_time = sched_->park_until(deadline, what);
    } catch (const boost::context::detail::forced_unwind&) {
      call(cancel);
      throw;
    } catch (const LoopExit&) {
      loop_exit = std::current_exception();
    } catch (...) {
      // Leave the catch block before parking again: a fiber must not
      // switch while it is handling an exception (the C++ runtime keeps
      // the caught-exception stack per thread).
      interrupt = std::current_exception();
    }
    if (loop_exit) {
      // Nothing could complete the operation: cancel it, give a completion
      // the cancel may have posted its chance to run, and report LoopExit.
      if (!done_) call(cancel);
      sched_->park_shielded([this] { return done_; }, what);
      std::rethrow_exception(loop_exit);
    }
    if (interrupt) {
      if (!done_) call(cancel);
      sched_->requeue_interrupt(std::move(interrupt));
      sched_->park_shielded([this] { return done_; }, what);
      return Outcome::interrupted;
    }
    if (done_) return Outcome::completed;
    call(cancel);
    sched_->park_shielded([this] { return done_; }, what);
    return Outcome::timed_out;
  }

 private:
  template <class Cancel>
  static void call(Cancel& cancel) noexcept {
    try {
      cancel();
    } catch (...) {
    }
  }

  Scheduler* sched_;
  FiberBase* fiber_;
  bool done_ = false;
};

}  // namespace grove::detail
