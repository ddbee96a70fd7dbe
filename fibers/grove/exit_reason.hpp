#pragma once
// exit_reason.hpp — why a fiber ended, as a value (Erlang's exit reasons),
// and FiberExit, the exception kill() raises at a fiber's suspension point.

#include <grove/errors.hpp>

#include <exception>
#include <string>

namespace grove {

// ExitReason says why a fiber ended: normal (returned), shutdown (asked to
// stop in an orderly way), killed (kill()), or exception (an exception
// escaped it; exception() holds it). Only normal is "not abnormal": links
// propagate every other reason.
class ExitReason {
 public:
  enum class Kind { normal, shutdown, killed, exception };

  ExitReason() = default;
  static ExitReason normal() { return ExitReason(Kind::normal, nullptr); }
  static ExitReason shutdown() { return ExitReason(Kind::shutdown, nullptr); }
  static ExitReason killed() { return ExitReason(Kind::killed, nullptr); }
  static ExitReason exception(std::exception_ptr e) { return ExitReason(Kind::exception, std::move(e)); }

  Kind kind() const { return kind_; }
  bool is_normal() const { return kind_ == Kind::normal; }
  bool is_abnormal() const { return kind_ != Kind::normal; }
  // exception() is the escaped exception for Kind::exception, else null.
  const std::exception_ptr& exception() const { return exception_; }
  // to_string() is "normal", "shutdown", "killed" or "exception: <what()>".
  std::string to_string() const;

  friend bool operator==(const ExitReason& a, const ExitReason& b) {
    return a.kind_ == b.kind_ && a.exception_ == b.exception_;
  }

 private:
  ExitReason(Kind k, std::exception_ptr e) : kind_(k), exception_(std::move(e)) {}
  Kind kind_ = Kind::normal;
  std::exception_ptr exception_;
};

// FiberExit is raised inside a fiber by kill(); it unwinds the fiber's stack
// and ends it *successfully* (as gevent's GreenletExit does): successful()
// is true and Fiber<>::get() returns normally (Fiber<T>::get() has no value
// to return, so it throws the FiberExit). Its reason() becomes the fiber's
// exit reason (killed unless another was given). It is an Interrupt, not a
// std::exception, so `catch (const std::exception&)` in user code does not
// stop a kill (errors.hpp says why).
class FiberExit : public Interrupt {
 public:
  FiberExit() : reason_(ExitReason::killed()) {}
  explicit FiberExit(ExitReason reason) : reason_(std::move(reason)) {}
  const ExitReason& reason() const { return reason_; }
  const char* what() const noexcept override { return "grove::FiberExit"; }

 private:
  ExitReason reason_;
};

// FiberKilled is what Fiber<T>::get() throws for a fiber that was killed:
// it has no value to return. It is an ordinary Error in the caller (not the
// FiberExit that ended the other fiber, which would end the caller too);
// reason() is the killed fiber's exit reason.
class FiberKilled : public Error {
 public:
  FiberKilled(const std::string& what, ExitReason reason) : Error(what), reason_(std::move(reason)) {}
  const ExitReason& reason() const { return reason_; }

 private:
  ExitReason reason_;
};

}  // namespace grove
