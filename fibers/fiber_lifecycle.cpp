// fiber_lifecycle.cpp — a fiber's life on its hub: adoption, its context and
// first switch, the end of its body, and interrupts raised into it.

#include <grove/hub.hpp>

#include <grove/fiber.hpp>

#include "internal/context_switch.hpp"

#include <boost/context/fiber.hpp>

#include <utility>

#if defined(GROVE_TSAN_FIBERS)
extern "C" void __tsan_func_entry(void* call_pc);  // TSan's runtime; not in its public header
#endif

namespace grove::detail {

void Continuation::unwind() noexcept {
  // Destroying a suspended fiber unwinds its stack (forced_unwind).
#if defined(GROVE_TSAN_FIBERS)
  // The unwound frames pop from TSan's current shadow call stack, and the
  // continuation does not know its fiber's TSan fiber: unwind on a
  // throwaway TSan fiber given enough frames to pop (a 256 KiB stack holds
  // fewer than 16384 frames), then go back (docs/design/runtime.md, "TSan").
  void* unwinder = __tsan_create_fiber(0);
  void* back = tsan_enter(unwinder);
  for (int i = 0; i < 16384; ++i) __tsan_func_entry(__builtin_return_address(0));
  { boost::context::fiber f = ContinuationAccess::take(*this); }
  __tsan_switch_to_fiber(back, 0);
  __tsan_destroy_fiber(unwinder);
#else
  boost::context::fiber f = ContinuationAccess::take(*this);
#endif
}

void Scheduler::unlink_live(FiberBase* f) noexcept {
  if (f->live_prev) f->live_prev->live_next = f->live_next;
  else live_head_ = f->live_next;
  if (f->live_next) f->live_next->live_prev = f->live_prev;
  f->live_prev = f->live_next = nullptr;
  --live_count_;
  if (live_count_ == 0 && !drain_waiters_.empty()) drain_waiters_.notify_all();
  f->release();
}

void Scheduler::dispatch(FiberBase* f) {
  FiberBase* self = current_;
  if (self == hub_fiber_.get()) return schedule(f);
  f->scheduled = true;
  self->state = RunState::ready;
  self->waiting_on = "dispatch";
  ready_.push_front(self);
  if (policy_) [[unlikely]] {
    // The policy chooses among f, the caller and every other ready fiber;
    // picking the head (FIFO) is the same as the direct switch below.
    f->state = RunState::ready;
    ready_.push_front(f);
    FiberBase* next = pop_picked();
    if (next == self) self->state = RunState::running;
    else switch_to(next);
  } else {
    switch_to(f);
  }
  if (self->has_interrupt()) throw_pending(self);
}

// Under TSan the context is made on the new fiber's own TSan fiber, so that
// the frame Boost.Context's fiber_entry opens on the new stack is pushed
// there, not on the creator's shadow call stack; the entry functions below
// are not instrumented (GROVE_TSAN_NO_INSTRUMENT) and switch TSan to the
// next fiber as their last act, so no frame of a dying fiber pops from the
// next fiber's shadow call stack (docs/design/runtime.md, "TSan"). They are
// local classes, not lambdas: clang 14 ignores the attribute on a lambda.
void Scheduler::ensure_context(FiberBase* f) {
  // HubEntry runs the hub's loop; when the hub is destroyed it goes back to
  // the main fiber for good.
  struct HubEntry {
    Scheduler* s;
    GROVE_TSAN_NO_INSTRUMENT boost::context::fiber operator()(boost::context::fiber&& caller) const {
      s->arrived(nullptr);
      if (caller) ContinuationAccess::put(s->prev_->context, std::move(caller));
      s->loop();
      FiberBase* m = s->main_.get();
      s->current_ = m;
      m->state = RunState::running;
      s->prev_ = nullptr;
#if defined(GROVE_TSAN_FIBERS)
      tsan_leave_dying(m->stack);
#else
      sanitizer_start_switch(nullptr, m->stack);
#endif
      return ContinuationAccess::take(m->context);
    }
  };
  // FiberEntry runs a fiber's body and ends it, handing over to the next.
  struct FiberEntry {
    Scheduler* s;
    FiberBase* f;
    GROVE_TSAN_NO_INSTRUMENT boost::context::fiber operator()(boost::context::fiber&& caller) const {
      s->arrived(nullptr);
      if (caller) ContinuationAccess::put(s->prev_->context, std::move(caller));
      s->run_fiber(f);
      Continuation next = s->finish(f);
      tsan_leave_dying(s->current_->stack);
      return ContinuationAccess::take(next);
    }
  };
  PoolAllocator alloc{&stacks_, &f->stack};
#if defined(GROVE_TSAN_FIBERS)
  alloc.tsan_fiber = f->stack.tsan_fiber = tsan_make_fiber();
  struct Back {  // back on the creator's TSan fiber, also if allocation throws
    void* creator;
    GROVE_TSAN_NO_INSTRUMENT ~Back() { __tsan_switch_to_fiber(creator, 0); }
  } back{tsan_enter(alloc.tsan_fiber)};
#endif
  if (f == hub_fiber_.get())
    ContinuationAccess::put(f->context, boost::context::fiber(std::allocator_arg, alloc, HubEntry{this}));
  else ContinuationAccess::put(f->context, boost::context::fiber(std::allocator_arg, alloc, FiberEntry{this, f}));
}

void Scheduler::run_fiber(FiberBase* f) {
  try {
    if (f->has_interrupt()) std::rethrow_exception(InterruptQueue(*f).pop_front());
    f->run_body();
  } catch (const boost::context::detail::forced_unwind&) {
    throw;  // destroying an unfinished fiber: let Boost.Context unwind it
  } catch (const ForcedUnwind&) {
    f->error = std::make_exception_ptr(FiberExit(ExitReason::shutdown()));
  } catch (...) {
    f->error = std::current_exception();
  }
}

Continuation Scheduler::finish(FiberBase* f) noexcept {
  f->finished = true;
  InterruptQueue(*f).clear();
  // Fiber-local values die on the fiber's own stack.
  if (f->extras && !f->extras->locals.empty()) release_locals(f->extras->locals);
  bool observed = f->error_observed || !f->joiners.empty();
  for (ExitObserver* o = f->observers; o && !observed; o = o->next) observed = o->handles_failure;
  f->joiners.notify_all();
  if (f->observers) notify_exit(f);
  if (f->error && !observed && failed(f)) report_unhandled(*f);
  f->state = RunState::dead;
  f->waiting_on = nullptr;
  unlink_live(f);  // may free f: do not touch it below
  FiberBase* next = next_to_run();
  current_ = next;
  prev_ = nullptr;
  next->state = RunState::running;
  if (!next->context) ensure_context(next);
#if !defined(GROVE_TSAN_FIBERS)
  sanitizer_start_switch(nullptr, next->stack);  // TSan: the caller's tsan_leave_dying
#endif
  return std::move(next->context);
}

void Scheduler::interrupt(FiberBase* f, std::exception_ptr e) {
  if (f->finished) return;
  if (f != current_ &&
      (f->state == RunState::created || (f->state == RunState::ready && !f->context && f != main_.get()))) {
    // Never started: it dies without running.
    if (f->state == RunState::ready) ready_.remove(f);
    if (f->extras && f->extras->start_timer) timers_.remove(*f->extras->start_timer);
    Ref<FiberBase> keep(f);
    f->error = std::move(e);
    f->finished = true;
    f->error_observed = true;
    f->joiners.notify_all();
    notify_exit(f);
    f->state = RunState::dead;
    unlink_live(f);
    return;
  }
  // Interrupts queue up: each is raised at a suspension point of its own.
  InterruptQueue(*f).push_back(std::move(e));
  if (f != current_) wake(f);
}

void Scheduler::discard_pending(FiberBase* f, const std::exception_ptr& e) noexcept { InterruptQueue(*f).remove(e); }

[[noreturn]] void Scheduler::throw_pending(FiberBase* self) {
  // A doomed fiber (hub shutdown) keeps its exit pending for every call.
  InterruptQueue interrupts(*self);
  std::rethrow_exception(self->doomed ? interrupts.front() : interrupts.pop_front());
}

}  // namespace grove::detail
