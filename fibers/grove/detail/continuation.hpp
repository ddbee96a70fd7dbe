#pragma once
// detail/continuation.hpp — a suspended fiber's Boost.Context continuation,
// held opaquely so that the headers every primitive includes do not pull in
// Boost.Context (docs/design/hub.md, "What a primitive's header includes").
// It is the one pointer a boost::context::fiber is; only the engine's own
// sources (fibers/internal/context_switch.hpp) turn it back into one, to
// create, resume or unwind it. Moving it is copying a pointer.

#include <utility>

namespace grove::detail {

class Continuation {
 public:
  Continuation() noexcept = default;
  Continuation(Continuation&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  // Assigning to a continuation that still holds a suspended fiber unwinds
  // that fiber's stack first (boost::context::fiber's own rule).
  Continuation& operator=(Continuation&& o) noexcept {
    if (this != &o) {
      Continuation old(std::move(*this));
      handle_ = std::exchange(o.handle_, nullptr);
    }
    return *this;
  }
  Continuation(const Continuation&) = delete;
  Continuation& operator=(const Continuation&) = delete;
  // A continuation still held when it is destroyed is unwound
  // (boost::context::fiber's destructor): out of line, never on the switch path.
  ~Continuation() {
    if (handle_) [[unlikely]]
      unwind();
  }

  // true while it holds a suspended fiber that can be resumed.
  explicit operator bool() const noexcept { return handle_ != nullptr; }

 private:
  friend struct ContinuationAccess;  // fibers/internal/context_switch.hpp
  void unwind() noexcept;            // fibers/fiber_lifecycle.cpp
  void* handle_ = nullptr;
};

// handling_forced_unwind() tells, inside a catch (...) block, whether the
// exception being handled is Boost.Context's forced_unwind (a fiber's stack
// being destroyed), which must be rethrown, never kept. It rethrows to find
// out, so call it only on an exception path.
bool handling_forced_unwind() noexcept;

}  // namespace grove::detail
