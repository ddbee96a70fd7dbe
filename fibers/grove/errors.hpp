#pragma once
// errors.hpp — the exceptions grove raises that are not about time or exits:
// LoopExit (the caller would block forever) and UsageError (API misuse).

#include <stdexcept>
#include <string>

namespace grove {

// UsageError is thrown when the API is used in a way that can never work
// (joining yourself, a handle used from another OS thread, a negative
// duration, ...). Its message says what to do instead.
class UsageError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// LoopExit is thrown out of a blocking call made by the main fiber when every
// fiber is blocked and no timer or I/O is pending: the call would block
// forever. what() names each blocked fiber and what it waits on.
class LoopExit : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace grove
