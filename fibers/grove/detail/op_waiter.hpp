#pragma once
// detail/op_waiter.hpp — OpWaiter, the fiber's side of one outstanding
// Asio operation, and the interrupt-deferring wait it needs: the fiber
// parks until the operation's handler has run, whatever happens meanwhile,
// so no handler ever touches a dead stack. detail::run_op (run_op.hpp) is
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

// defer_interrupts_until(done, what) parks the running fiber until done()
// holds. Interrupts (Timeout, kill) that arrive meanwhile are set aside and
// queued again, in order, before it returns: the caller raises them once
// the operation it waits for can no longer touch its stack. If the hub
// proves that nothing can complete it (LoopExit, main fiber only), that is
// thrown instead: no handler can run any more.
// (Core note: this reaches into FiberBase::pending/more_pending; it belongs
// in Scheduler as park_shielded(), see io/README.md.)
template <class Done>
void defer_interrupts_until(Scheduler& s, Done&& done, const char* what) {
  if (done()) return;
  FiberBase* self = s.current();
  std::vector<std::exception_ptr> deferred;
  auto set_aside = [&](std::exception_ptr e) {
    if (!e) return;
    for (const auto& d : deferred)
      if (d == e) return;
    deferred.push_back(std::move(e));
  };
  auto take_pending = [&] {
    set_aside(std::exchange(self->pending, nullptr));
    if (self->extras) {
      for (auto& e : self->extras->more_pending) set_aside(std::move(e));
      self->extras->more_pending.clear();
    }
  };
  std::exception_ptr never;  // LoopExit: nothing can complete the operation any more
  while (!done()) {
    take_pending();
    try {
      s.park(what);
    } catch (const boost::context::detail::forced_unwind&) {
      throw;  // the stack is being destroyed: nothing will ever run the handler
    } catch (const LoopExit&) {
      never = std::current_exception();
      break;
    } catch (...) {
      set_aside(std::current_exception());
    }
  }
  take_pending();
  if (!deferred.empty()) {
    self->pending = deferred.front();
    if (deferred.size() > 1) {
      auto& more = self->more().more_pending;
      more.insert(more.begin(), std::make_move_iterator(deferred.begin() + 1), std::make_move_iterator(deferred.end()));
    }
  }
  if (never) std::rethrow_exception(never);
}

// requeue_interrupt(e) puts e back at the head of the running fiber's
// pending interrupts (it was raised by park but must wait its turn).
inline void requeue_interrupt(Scheduler& s, std::exception_ptr e) {
  FiberBase* self = s.current();
  if (self->pending == e) return;  // a doomed fiber keeps it pending anyway
  if (self->pending) {
    auto& more = self->more().more_pending;
    more.insert(more.begin(), std::move(self->pending));
  }
  self->pending = std::move(e);
}

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
      defer_interrupts_until(*sched_, [this] { return done_; }, what);
      std::rethrow_exception(loop_exit);
    }
    if (interrupt) {
      if (!done_) call(cancel);
      requeue_interrupt(*sched_, std::move(interrupt));
      defer_interrupts_until(*sched_, [this] { return done_; }, what);
      return Outcome::interrupted;
    }
    if (done_) return Outcome::completed;
    call(cancel);
    defer_interrupts_until(*sched_, [this] { return done_; }, what);
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
