// supervisor_run.cpp — the supervisor's fiber: start the children in order,
// serve exits and commands until stop(), then stop the children in reverse
// order and settle what is left (end_run).

#include "supervisor_core.hpp"

#include <grove/hub.hpp>
#include <grove/queue_errors.hpp>

namespace grove::detail {

void SupervisorCore::run(const std::shared_ptr<Queue<SupervisorEvent>>& queue, AsyncResult<void> started) {
  self = this_fiber::self();
  bool told = false;
  struct EndOfRun {
    SupervisorCore& core;
    const std::shared_ptr<Queue<SupervisorEvent>>& queue;
    AsyncResult<void>& started;
    bool& told;
    ~EndOfRun() {
      core.end_run(*queue);
      if (!told)
        started.set_exception(SupervisorError("grove::Supervisor '" + core.config.name + "' ended while starting"));
    }
  } end{*this, queue, started, told};

  try {
    for (auto it = children.begin(); it != children.end();) start_or_forget(it++);
  } catch (const FiberExit&) {
    terminate_all();
    throw;
  } catch (...) {
    auto error = std::current_exception();
    terminate_all();
    told = true;
    started.set_exception(error);
    return;
  }
  told = true;
  started.set();

  try {
    loop(*queue);
  } catch (const FiberExit&) {
    terminate_all();
    throw;
  }
  terminate_all();  // stop()
}

void SupervisorCore::loop(Queue<SupervisorEvent>& queue) {
  while (!stopping) {
    restart_due();
    if (stopping) break;
    std::optional<SupervisorEvent> ev = queue.try_get();
    if (!ev) {
      const TimePoint next = next_restart();
      if (next == TimePoint::max()) {
        ev = queue.get();
      } else {
        const TimePoint now = hub().now();
        if (next <= now) {
          // A restart that failed is due again at once: let the others
          // (a stop() among them) run first, or a child that can never
          // start would spin here until the intensity runs out.
          this_fiber::yield();
          continue;
        }
        try {
          ev = queue.get(next - now);
        } catch (const QueueEmpty&) {
          continue;
        }
      }
    }
    handle(*ev);
  }
}

void SupervisorCore::handle(SupervisorEvent& ev) {
  if (ev.command) return ev.command(true);
  FiberBase* f = ev.from.base();
  if (auto it = by_fiber.find(f); it != by_fiber.end()) return child_exited(it->second, ev.reason);
  stale.erase(f);  // a child we stopped ourselves
}

void SupervisorCore::end_run(Queue<SupervisorEvent>& queue) noexcept {
  running = false;
  for (auto& c : children) {
    if (c.fiber && !c.fiber.dead()) {
      try {
        c.fiber.kill(FiberExit(ExitReason::killed()), false);
      } catch (...) {
      }
    }
    c.fiber = Fiber<>();
    schedule(c, TimePoint::max());
  }
  by_fiber.clear();
  stale.clear();
  recent_restarts.clear();
  for (auto it = children.begin(); it != children.end();) {
    auto cur = it++;
    if (cur->dynamic) {
      try {
        remove(cur);
      } catch (...) {
      }
    }
  }
  if (stopping) retire_all();
  stopping = false;
  while (auto ev = queue.try_get()) {
    if (ev->command) {
      try {
        ev->command(false);
      } catch (...) {
      }
    }
  }
}

}  // namespace grove::detail
