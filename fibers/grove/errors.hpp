#pragma once
// errors.hpp — grove's error family.
//
//   std::runtime_error
//     grove::Error              every error grove raises
//       UsageError              the API was misused; what() says what to do
//       LoopExit                the call would block forever
//       (QueueError, MailboxFull, IoError, ActorDead, SupervisorError, ...
//        in their own modules)
//
//   grove::TimeoutError         "a deadline passed": carried by every timeout
//                               (Timeout, QueueEmpty/QueueFull, MailboxFull,
//                               IoTimeout), so one
//                               `catch (const grove::TimeoutError&)` handles
//                               them all.
//
//   grove::Interrupt            raised *into* a fiber to stop what it does:
//     FiberExit                 kill()
//     Timeout                   a Timeout scope fired (also a TimeoutError)
//
// Interrupt is deliberately NOT a std::exception, as gevent's GreenletExit
// and Timeout derive from BaseException and not Exception, and as
// Boost.Thread's thread_interrupted and Boost.Context's forced_unwind are
// not std::exceptions: the everyday `catch (const std::exception&)` around
// a call must not swallow a kill or a timeout and leave the fiber running.
// Catch them by name (`catch (const grove::Timeout&)`) or with `catch (...)`
// followed by `throw;`.

#include <exception>
#include <stdexcept>
#include <string>

namespace grove {

// Error is the base of every error grove raises (not of Interrupts).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// UsageError is thrown when the API is used in a way that can never work
// (joining yourself, a handle used from another OS thread, a negative
// duration, ...). Its message says what to do instead.
class UsageError : public Error {
 public:
  using Error::Error;
};

// LoopExit is thrown out of a blocking call made by the main fiber when every
// fiber is blocked and no timer or I/O is pending: the call would block
// forever. what() names each blocked fiber and what it waits on.
class LoopExit : public Error {
 public:
  using Error::Error;
};

// TimeoutError is what every "deadline passed" exception also is. It is a
// mixin, not a std::exception of its own: a class that is both an Error and
// a TimeoutError is caught once by `catch (const std::exception&)`.
class TimeoutError {
 public:
  virtual ~TimeoutError() = default;
  virtual const char* what() const noexcept = 0;

 protected:
  TimeoutError() = default;
  TimeoutError(const TimeoutError&) = default;
  TimeoutError& operator=(const TimeoutError&) = default;
};

// Interrupt is the base of the exceptions raised into a fiber at its
// suspension point (FiberExit, Timeout). Not a std::exception: see above.
class Interrupt {
 public:
  virtual ~Interrupt() = default;
  virtual const char* what() const noexcept = 0;

 protected:
  Interrupt() = default;
  Interrupt(const Interrupt&) = default;
  Interrupt& operator=(const Interrupt&) = default;
};

// describe(e) is a one-line description of any exception: what() for a
// std::exception, an Interrupt or a TimeoutError, else a fixed phrase.
std::string describe(const std::exception_ptr& e);
// describe_current() is describe() of the exception being handled; call it
// inside a catch block.
std::string describe_current();

}  // namespace grove
