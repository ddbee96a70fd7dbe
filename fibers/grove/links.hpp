#pragma once
// links.hpp — Erlang's links and monitors between fibers. Every fiber is a
// process: it ends with an ExitReason, and
//  * link(a, b) ties two fibers: when one ends abnormally (any reason but
//    normal) the other is killed with the same reason — unless it traps
//    exits, in which case its trap handler receives an ExitSignal instead;
//  * monitor(target, handler) calls handler(Down) once target has ended,
//    whatever the reason, without affecting the monitoring side.
// Handlers run on the dying fiber's stack, right after it ended: keep them
// short (post a message, set an event); exceptions they throw are logged.
// Across the hubs of one grove::Runtime, link / unlink / monitor /
// demonitor also take a fiber of another hub: the exit or Down is posted to
// the partner's hub and delivered there (a trap handler, a kill, or the
// monitor's handler on the hub that called monitor); a Down whose fiber no
// longer exists carries an empty `fiber` (detail/cross_hub_links.hpp).

#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>

#include <cstdint>
#include <functional>

namespace grove {

// ExitSignal is what a fiber that traps exits receives when a linked fiber ends.
struct ExitSignal {
  Fiber<> from;
  ExitReason reason;
};

// Down is what a monitor delivers once its target has ended.
struct Down {
  Fiber<> fiber;
  ExitReason reason;
  std::uint64_t monitor_id;
};

using MonitorId = std::uint64_t;

// link(a, b) links two fibers (both ways). Linking to a fiber that is
// already dead delivers its exit at once, as Erlang does.
void link(const Fiber<>& a, const Fiber<>& b);
// unlink(a, b) removes the link, if any.
void unlink(const Fiber<>& a, const Fiber<>& b);

// monitor(target, handler) calls handler(Down) when target ends (at once if
// it has ended already). demonitor(target, id) cancels it.
MonitorId monitor(const Fiber<>& target, std::function<void(const Down&)> handler);
bool demonitor(const Fiber<>& target, MonitorId id);

// trap_exits(f, handler) makes f receive exit signals from linked fibers as
// handler(ExitSignal) calls instead of dying; an empty handler restores the
// default (die with the partner's reason).
void trap_exits(const Fiber<>& f, std::function<void(const ExitSignal&)> handler);
bool traps_exits(const Fiber<>& f);

namespace this_fiber {
inline void link(const Fiber<>& other);
inline void trap_exits(std::function<void(const ExitSignal&)> handler);
}  // namespace this_fiber

}  // namespace grove

#include <grove/this_fiber.hpp>

namespace grove::this_fiber {
inline void link(const Fiber<>& other) { grove::link(self(), other); }
inline void trap_exits(std::function<void(const ExitSignal&)> handler) {
  grove::trap_exits(self(), std::move(handler));
}
}  // namespace grove::this_fiber
