// supervisor_children.cpp — starting one child (and monitoring it) and
// stopping children by their Shutdown: a timeout then kill(), brutal_kill,
// or infinity.

#include "supervisor_core.hpp"

#include <grove/hub.hpp>
#include <grove/log.hpp>

#include <spdlog/spdlog.h>

#include <utility>

namespace grove::detail {

namespace {

// How long a child gets to die after each kill() past its shutdown timeout.
constexpr Duration kill_grace = std::chrono::seconds(1);
constexpr int kill_attempts = 3;

}  // namespace

void SupervisorCore::start_one(SupervisedChildren::iterator it) {
  schedule(*it, TimePoint::max());
  Fiber<> f = start_child_fiber(it->spec);
  if (!f) return;  // ignore (OTP's `ignore`): not running; the caller keeps or removes the spec
  it->fiber = f;
  it->started_at = hub().now();
  by_fiber[f.base()] = it;
  // A monitor costs O(1) on the child's side; a fiber that is dead
  // already reports its exit at once.
  it->monitor = grove::monitor(f, [queue = events](const Down& d) {
    (void)queue->try_put(SupervisorEvent{d.fiber, d.reason, nullptr});  // unbounded: never full
  });
}

bool SupervisorCore::start_or_forget(SupervisedChildren::iterator it) {
  start_one(it);
  if (it->fiber) return true;
  grove::logger()->debug("grove: supervisor '{}': child '{}' ignored its start", config.name, it->spec.id);
  if (it->spec.restart == Restart::temporary || it->dynamic) remove(it);
  return false;
}

void SupervisorCore::shutdown_child(SupervisedChild& c) {
  schedule(c, TimePoint::max());
  Fiber<> f = std::exchange(c.fiber, Fiber<>());
  if (!f) return;
  by_fiber.erase(f.base());
  if (!grove::demonitor(f, c.monitor) || f.dead()) {  // its exit event is queued already
    stale.emplace(f.base(), f);
    return;
  }
  const Shutdown& sd = c.spec.shutdown;
  if (!sd.brutal) {
    f.kill(FiberExit(ExitReason::shutdown()), false);
    if (f.join(sd.timeout)) return;
    grove::logger()->warn("grove: supervisor '{}': child '{}' did not stop within its shutdown timeout; killing it",
                          config.name, c.spec.id);
  }
  for (int attempt = 0; attempt < kill_attempts; ++attempt) {
    f.kill(FiberExit(ExitReason::killed()), false);
    if (f.join(kill_grace)) return;
  }
  grove::logger()->error("grove: supervisor '{}': child '{}' survives kill(); abandoning it", config.name, c.spec.id);
}

void SupervisorCore::terminate_range(SupervisedChildren::reverse_iterator first,
                                     SupervisedChildren::reverse_iterator last) {
  for (auto it = first; it != last; ++it) {
    try {
      shutdown_child(*it);
    } catch (const FiberExit&) {
      for (auto rest = it; rest != last; ++rest) {
        if (rest->fiber && !rest->fiber.dead()) rest->fiber.kill(FiberExit(ExitReason::killed()), false);
      }
      throw;
    }
  }
}

}  // namespace grove::detail
