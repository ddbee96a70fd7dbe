#pragma once
// detail/hub_check.hpp — green I/O objects belong to the hub of the thread
// that made them: their completions run on that hub's io_context and wake
// that hub's fibers. Using one from another thread is a UsageError.

#include <grove/detail/scheduler.hpp>

namespace grove::detail {

[[noreturn]] void throw_wrong_hub(const char* what);

// check_hub(owner, what) throws UsageError unless the calling thread's hub is owner.
inline void check_hub(const Scheduler* owner, const char* what) {
  if (owner != tls_scheduler) [[unlikely]]
    throw_wrong_hub(what);
}

}  // namespace grove::detail
