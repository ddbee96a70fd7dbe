#pragma once
// internal/context_switch.hpp — the engine's side of Boost.Context: turning a
// detail::Continuation back into the boost::context::fiber it holds, the
// stack allocator a new fiber's context is made with, and the switch itself.
// Private to fibers/*.cpp: the installed headers hold the continuation
// opaquely so that including a primitive does not pull in Boost.Context
// (docs/design/hub.md). The switch is inline here, so park(), yield(),
// park_until(), dispatch() and finish() each switch without another call.

#include <grove/detail/scheduler.hpp>

#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>

#include <cstring>
#include <type_traits>
#include <utility>

namespace grove::detail {

// ContinuationAccess moves a boost::context::fiber into and out of a
// Continuation. A fiber (fcontext build, Debian's) is one pointer; the bytes
// move as they are, and the source is left empty so its destructor does
// nothing (an empty fiber is a null pointer).
struct ContinuationAccess {
  static_assert(sizeof(boost::context::fiber) == sizeof(void*) && std::is_standard_layout_v<boost::context::fiber>,
                "grove expects Boost.Context's fcontext fiber: one pointer");
  // take(c) moves the fiber out of c, leaving c empty.
  static boost::context::fiber take(Continuation& c) noexcept {
    boost::context::fiber f;
    void* handle = std::exchange(c.handle_, nullptr);
    std::memcpy(static_cast<void*>(&f), &handle, sizeof handle);
    return f;
  }
  static boost::context::fiber take(Continuation&& c) noexcept { return take(c); }
  // put(c, f) moves f into c, which must be empty; f is left empty.
  static void put(Continuation& c, boost::context::fiber&& f) noexcept {
    std::memcpy(&c.handle_, static_cast<const void*>(&f), sizeof c.handle_);
    void* empty = nullptr;
    std::memcpy(static_cast<void*>(&f), &empty, sizeof empty);
  }
};

// GROVE_TSAN_NO_INSTRUMENT marks the functions whose frames are still open
// on a dying fiber's stack when TSan is switched to the next fiber (a fiber
// body's entry lambda): TSan must neither push nor pop for them, or the pop
// would land on the next fiber's shadow call stack (docs/design/runtime.md,
// "TSan"). clang 14 still inlines such a function into an instrumented
// caller, and instruments it there, hence noinline. Empty in every other build.
#if defined(GROVE_TSAN_FIBERS)
#define GROVE_TSAN_NO_INSTRUMENT __attribute__((disable_sanitizer_instrumentation, noinline))
#else
#define GROVE_TSAN_NO_INSTRUMENT
#endif

#if defined(GROVE_TSAN_FIBERS)
// tsan_enter(to) makes `to` TSan's current fiber (null: the thread's own)
// and returns the one it replaces.
GROVE_TSAN_NO_INSTRUMENT inline void* tsan_enter(void* to) noexcept {
  void* from = __tsan_get_current_fiber();
  if (!tls_tsan_thread_fiber) tls_tsan_thread_fiber = from;
  __tsan_switch_to_fiber(to ? to : tls_tsan_thread_fiber, 0);
  return from;
}
#endif

// tsan_leave_dying(to) switches TSan to the fiber `to` runs on, from a
// dying fiber's entry function, as its last act before returning its
// continuation to Boost.Context (no instrumented frame of the dying fiber
// returns after it). A no-op in other builds.
GROVE_TSAN_NO_INSTRUMENT inline void tsan_leave_dying([[maybe_unused]] const StackBounds& to) noexcept {
#if defined(GROVE_TSAN_FIBERS)
  __tsan_switch_to_fiber(to.tsan_fiber ? to.tsan_fiber : tls_tsan_thread_fiber, 0);
#endif
}

// PoolAllocator is the StackAllocator Boost.Context calls; it tells the
// fiber where its stack is (for ASan). Its TSan fiber is made before the
// context (Scheduler::ensure_context) and destroyed with the stack
// (Boost.Context keeps a copy of the allocator made after allocate(), and
// deallocates on the next fiber's stack, with TSan already switched there).
struct PoolAllocator {
  StackPool* pool;
  StackBounds* bounds;
#if defined(GROVE_TSAN_FIBERS)
  void* tsan_fiber = nullptr;  // made by ensure_context, freed here
#endif
  boost::context::stack_context allocate() {
    const StackSpan span = pool->allocate();
    boost::context::stack_context sctx;
    sctx.sp = span.sp;
    sctx.size = span.size;
#if defined(GROVE_VALGRIND)
    sctx.valgrind_stack_id = span.valgrind_id;
#endif
    bounds->set(static_cast<char*>(sctx.sp) - sctx.size, sctx.size);
    return sctx;
  }
  void deallocate(boost::context::stack_context& sctx) noexcept {
    StackSpan span;
    span.sp = sctx.sp;
    span.size = sctx.size;
#if defined(GROVE_VALGRIND)
    span.valgrind_id = sctx.valgrind_stack_id;
#endif
    pool->deallocate(span);
#if defined(GROVE_TSAN_FIBERS)
    tsan_free_fiber(tsan_fiber);
#endif
  }
};

// switch_to(next) suspends the running fiber and resumes next. Only `this`
// is kept across calls (next is read back from current_ after
// ensure_context): the out-of-line park() and yield() then save one
// register, not three (docs/benchmarks.md, include diet).
inline void Scheduler::switch_to(FiberBase* next) {
  prev_ = current_;
  current_ = next;
  next->state = RunState::running;
  ++next->stats.switches_in;
  if (!next->context) [[unlikely]]
    ensure_context(next);
  FiberBase* to = current_;  // next
  void* fake_stack = nullptr;
  sanitizer_start_switch(&fake_stack, to->stack);
  boost::context::fiber from = ContinuationAccess::take(to->context).resume();
  // Back on this fiber's stack: keep the continuation of whoever switched
  // here (prev_ is null when that fiber has just died).
  arrived(fake_stack);
  if (from) ContinuationAccess::put(prev_->context, std::move(from));
}

}  // namespace grove::detail
