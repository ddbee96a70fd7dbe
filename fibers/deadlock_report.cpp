// deadlock_report.cpp — what the hub says about its fibers: LoopExit's
// message, the fiber list, unhandled exceptions.

#include <grove/hub.hpp>

#include <grove/fiber.hpp>

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

namespace grove::detail {

std::string Scheduler::describe_blocked() const {
  return "grove::LoopExit: this operation would block forever: every fiber is blocked and no timer or I/O is pending." +
         list_fibers(false);
}

std::string Scheduler::list_fibers(bool all) const {
  std::string out;
  std::size_t shown = 0;
  auto line = [&](const FiberBase* f) {
    if (++shown > 50) return;
    out += "\n  ";
    out += f->display_name();
    if (f->state == RunState::parked) {
      out += " waits on ";
      out += f->waiting_on ? f->waiting_on : "(unknown)";
    } else {
      out += f->state == RunState::created ? " has not started" : " is ready to run";
    }
  };
  if (main_->state == RunState::parked) line(main_.get());
  for (const FiberBase* f = live_head_; f; f = f->live_next)
    if (all || f->state == RunState::parked) line(f);
  if (shown > 50) out += "\n  ... and " + std::to_string(shown - 50) + " more";
  return out;
}

void Scheduler::report_unhandled(FiberBase& f) noexcept {
  if (unhandled_handler) {
    try {
      unhandled_handler(f.display_name(), f.error);
    } catch (...) {
    }
  }
  if (unhandled_policy == UnhandledPolicy::ignore) return;
  try {
    const std::string what = describe(f.error);
    spdlog::error("grove: fiber '{}' died with an unhandled exception: {}", f.display_name(), what);
  } catch (...) {
  }
  if (unhandled_policy == UnhandledPolicy::abort) std::abort();
}

}  // namespace grove::detail
