#pragma once
// detail/sanitizer.hpp — telling AddressSanitizer about stack switches.
// Without these notes ASan sees a fiber switch as a wild stack-pointer jump
// and reports false positives when exceptions unwind a fiber's stack. The
// calls follow the contract of <sanitizer/common_interface_defs.h>: start
// before jumping to the target stack (a null save slot means "the current
// stack is dying"), finish on the target stack right after arriving.

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define GROVE_ASAN 1
#endif

namespace grove::detail {

inline void sanitizer_start_switch(void** fake_stack_save, const void* bottom, std::size_t size) noexcept {
#if defined(GROVE_ASAN)
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#else
  (void)fake_stack_save, (void)bottom, (void)size;
#endif
}

inline void sanitizer_finish_switch(void* fake_stack_save, const void** bottom_old, std::size_t* size_old) noexcept {
#if defined(GROVE_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack_save, bottom_old, size_old);
#else
  (void)fake_stack_save, (void)bottom_old, (void)size_old;
#endif
}

}  // namespace grove::detail
