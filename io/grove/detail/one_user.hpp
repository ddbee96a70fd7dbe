#pragma once
// detail/one_user.hpp — at most one fiber may wait to read, and one to
// write, on an I/O object at a time. A second reader (or writer) is a
// programming error that gevent refuses at once (ConcurrentObjectUseError):
// grove throws ConcurrentUseError instead of letting it wait silently.

#include <grove/io_error.hpp>
#include <grove/detail/scheduler.hpp>

namespace grove::detail {

[[noreturn]] void throw_concurrent_use(const char* what, const FiberBase& user);

// OneUser is one direction's slot; claim() marks the running fiber as its
// user until the returned Claim ends. The same fiber may claim again
// (nested calls); another fiber's claim throws.
class OneUser {
 public:
  class Claim {
   public:
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;
    ~Claim() {
      if (owns_) slot_.user_ = nullptr;
    }

   private:
    friend class OneUser;
    Claim(OneUser& slot, bool owns) noexcept : slot_(slot), owns_(owns) {}
    OneUser& slot_;
    bool owns_;
  };

  [[nodiscard]] Claim claim(const Scheduler& s, const char* what) {
    FiberBase* self = s.current();
    if (user_ == self) return Claim(*this, false);
    if (user_) [[unlikely]] throw_concurrent_use(what, *user_);
    user_ = self;
    return Claim(*this, true);
  }

 private:
  FiberBase* user_ = nullptr;
};

}  // namespace grove::detail
