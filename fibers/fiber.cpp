// fiber.cpp — the out-of-line half of Fiber<T>, this_fiber and ExitReason.

#include <grove/fiber.hpp>
#include <grove/log.hpp>

#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/detail/timer_heap.hpp>

#include <spdlog/spdlog.h>

#include <string>

namespace grove {

std::string ExitReason::to_string() const {
  switch (kind_) {
    case Kind::normal:
      return "normal";
    case Kind::shutdown:
      return "shutdown";
    case Kind::killed:
      return "killed";
    case Kind::exception:
      break;
  }
  if (!exception_) return "exception";
  return "exception: " + describe(exception_);
}

std::string describe(const std::exception_ptr& e) {
  if (!e) return "no exception";
  try {
    std::rethrow_exception(e);
  } catch (...) {
    return describe_current();
  }
}

std::string describe_current() {
  try {
    throw;
  } catch (const std::exception& x) {
    return x.what();
  } catch (const Interrupt& x) {
    return x.what();
  } catch (const TimeoutError& x) {
    return x.what();
  } catch (...) {
    return "an exception of a type not derived from std::exception";
  }
}

namespace detail {

void throw_bad_duration(const char* where, const char* why) {
  throw UsageError(std::string("grove: ") + where + ": the duration " + why +
                   "; pass a zero or positive std::chrono duration");
}

FiberExtras::FiberExtras() = default;
FiberExtras::~FiberExtras() {
  release_locals(locals);  // a fiber that never finished: the main fiber, the hub's
}

FiberBase::~FiberBase() {
  while (ExitObserver* o = observers) {
    observers = o->next;
    delete o;
  }
}

std::string FiberBase::display_name() const {
  if (extras && !extras->name.empty()) return extras->name;
  return "Fiber-" + std::to_string(id);
}

ExitReason FiberBase::exit_reason() const {
  if (!error) return ExitReason::normal();
  try {
    std::rethrow_exception(error);
  } catch (const FiberExit& e) {
    return e.reason();
  } catch (...) {
    return ExitReason::exception(error);
  }
}

bool failed(const FiberBase* f) noexcept {
  if (!f->error) return false;
  try {
    std::rethrow_exception(f->error);
  } catch (const FiberExit&) {
    return false;
  } catch (...) {
    return true;
  }
}

bool is_fiber_exit(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const FiberExit&) {
    return true;
  } catch (...) {
    return false;
  }
}

void join(FiberBase* f) {
  if (f->finished) return;
  Scheduler& s = scheduler();
  if (s.current() == f) throw UsageError("grove::Fiber::join: a fiber cannot join itself (it would wait forever)");
  const WaitEdge edge(s.current(), "join", "of", FiberIdentity{f, f->id});
  f->joiners.wait("join", [f] { return f->finished; });
}

bool join_until(FiberBase* f, TimePoint deadline) {
  if (f->finished) return true;
  Scheduler& s = scheduler();
  if (s.current() == f) throw UsageError("grove::Fiber::join: a fiber cannot join itself (it would wait forever)");
  const WaitEdge edge(s.current(), "join", "of", FiberIdentity{f, f->id});
  return f->joiners.wait_until(deadline, "join", [f] { return f->finished; });
}

bool kill(FiberBase* f, std::exception_ptr e, bool block, TimePoint deadline) {
  if (f->finished) return true;
  Scheduler& s = scheduler();
  if (!e) e = std::make_exception_ptr(FiberExit{});
  if (f == s.current()) std::rethrow_exception(e);  // killing yourself
  if (is_fiber_exit(e)) f->exiting = true;
  s.interrupt(f, std::move(e));
  if (block && !f->finished) {
    s.require_fiber_context("Fiber::kill (blocking)");
    if (deadline == TimePoint::max()) join(f);
    else (void)join_until(f, deadline);
  }
  // kill() is a suspension point: an exit signal it provoked (a linked
  // victim that died at once) is raised here.
  if (!s.in_hub_context()) s.raise_pending();
  return f->finished;
}

void rethrow_failure(FiberBase* f) {
  f->error_observed = true;
  if (failed(f)) std::rethrow_exception(f->error);
}

void throw_join_timeout(Duration d) { throw Timeout::detached(d); }

void throw_no_value(const FiberBase* f) {
  throw UsageError("grove::Fiber::value: fiber '" + f->display_name() +
                   (f->finished ? "' ended without a value (it failed or was killed); check successful() first"
                                : "' has not finished; join() it first"));
}

void log_callback_failure(const char* what) noexcept {
  try {
    grove::logger()->error("{}: {}", what, describe_current());
  } catch (...) {
  }
}

void throw_killed(const FiberBase* f) {
  const ExitReason reason = f->exit_reason();
  throw FiberKilled(
      "grove::Fiber::get: fiber '" + f->display_name() + "' ended without a value (" + reason.to_string() + ")",
      reason);
}

Scheduler& spawn_scheduler() {
  Scheduler& s = scheduler();
  if (s.stopped()) throw UsageError("grove::spawn: this thread's hub has shut down; no new fibers can start on it");
  return s;
}

}  // namespace detail

namespace this_fiber {

void sleep_until(TimePoint when) {
  auto& s = detail::scheduler();
  s.require_fiber_context("this_fiber::sleep");
  if (when <= s.now()) return yield();
  while (s.park_until(when, "sleep")) {
    // woken early by something that was not the timer: keep sleeping
  }
}

Fiber<> self() {
  auto& s = detail::scheduler();
  return Fiber<>(detail::Ref<detail::FiberBase>(s.current()));
}

std::uint64_t id() { return detail::scheduler().current()->id; }

std::string name() { return detail::scheduler().current()->display_name(); }

}  // namespace this_fiber

}  // namespace grove
