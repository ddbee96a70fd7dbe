#pragma once
// detail/sanitizer.hpp — telling AddressSanitizer and ThreadSanitizer about
// stack switches. Without these notes ASan sees a fiber switch as a wild
// stack-pointer jump and reports false positives when exceptions unwind a
// fiber's stack. The calls follow the contract of
// <sanitizer/common_interface_defs.h>: start before jumping to the target
// stack (a null save slot means "the current stack is dying"), finish on
// the target stack right after arriving. TSan (GROVE_TSAN,
// <sanitizer/tsan_interface.h>) needs each fiber to be a TSan fiber: one is
// made with the fiber's stack (tsan_make_fiber), switched to right before
// each jump (sanitizer_start_switch), and destroyed with the stack
// (tsan_free_fiber); the main fiber is the thread's own.

#include <cstddef>

// GROVE_ASAN is defined when AddressSanitizer is on: GCC says so with
// __SANITIZE_ADDRESS__, clang (before 18) only through __has_feature —
// without this second test a clang ASan build (GROVE_FUZZ, docs/fuzzing.md)
// had no switch notes and reported stale stack poison on reused stacks.
#if defined(__SANITIZE_ADDRESS__)
#define GROVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GROVE_ASAN 1
#endif
#endif
#if defined(GROVE_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_THREAD__)
#define GROVE_TSAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GROVE_TSAN_FIBERS 1
#endif
#endif
#if defined(GROVE_TSAN_FIBERS)
#include <sanitizer/tsan_interface.h>
#endif

namespace grove::detail {

// StackBounds is where a fiber's stack lies, as ASan needs it at each
// switch; without ASan it is empty and takes no room in the control block.
struct StackBounds {
#if defined(GROVE_ASAN)
  const void* bottom = nullptr;  // lowest address
  std::size_t size = 0;
#endif
#if defined(GROVE_TSAN_FIBERS)
  void* tsan_fiber = nullptr;  // null: the thread's own (the main fiber)
#endif
  void set(const void* lowest, std::size_t bytes) noexcept {
#if defined(GROVE_ASAN)
    bottom = lowest;
    size = bytes;
#else
    (void)lowest, (void)bytes;
#endif
  }
};

#if defined(GROVE_TSAN_FIBERS)
// tls_tsan_thread_fiber is the TSan fiber of the thread's own stack (the
// main fiber's), taken before the thread's first switch.
inline thread_local void* tls_tsan_thread_fiber = nullptr;

// tsan_make_fiber() is a new TSan fiber for a new fiber stack;
// tsan_free_fiber(f) destroys it, from another fiber.
inline void* tsan_make_fiber() noexcept { return __tsan_create_fiber(0); }
inline void tsan_free_fiber(void* fiber) noexcept {
  if (fiber) __tsan_destroy_fiber(fiber);
}
#endif

// sanitizer_start_switch(save, to) is called before jumping to the stack
// `to`; save is null when the current stack is dying.
inline void sanitizer_start_switch(void** fake_stack_save, const StackBounds& to) noexcept {
#if defined(GROVE_TSAN_FIBERS)
  if (!tls_tsan_thread_fiber) tls_tsan_thread_fiber = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(to.tsan_fiber ? to.tsan_fiber : tls_tsan_thread_fiber, 0);
#endif
#if defined(GROVE_ASAN)
  __sanitizer_start_switch_fiber(fake_stack_save, to.bottom, to.size);
#else
  (void)fake_stack_save, (void)to;
#endif
}

// sanitizer_finish_switch(save, from) is called on arrival; it records the
// bounds of the stack left behind in *from (null: that stack died).
inline void sanitizer_finish_switch(void* fake_stack_save, StackBounds* from) noexcept {
#if defined(GROVE_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack_save, from ? &from->bottom : nullptr, from ? &from->size : nullptr);
#else
  (void)fake_stack_save, (void)from;
#endif
}

}  // namespace grove::detail
