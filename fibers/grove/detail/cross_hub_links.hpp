#pragma once
// detail/cross_hub_links.hpp — links and monitors between fibers of two
// hubs of one Runtime (docs/design/runtime.md, "Across hubs"). The owner
// rule: a fiber's observer list (its links and monitors) is touched only on
// its own hub. A cross-hub link is two observers, one in each fiber's list,
// sharing a CrossLink; what one side does to the other (install its half,
// deliver an exit, remove the partner's half) is a closure posted to the
// other side's hub. Exit and down signals are therefore delivered on the
// partner's hub, where its trap handler, monitor handler or kill runs.
// grove::link / monitor / demonitor / unlink (links.hpp) take this path on
// their own when one fiber belongs to another hub; the actors use it with
// an ActorRef, whose current incarnation is resolved on the actor's hub.

#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/links.hpp>
#include <grove/detail/fiber_base.hpp>

#include <functional>
#include <string>

namespace grove::detail {

// FarFiber names the far fiber; it runs on the far hub, when the link or
// monitor is installed there. Null means there is no such fiber any more
// (an actor retired by its supervisor): the link or monitor fires at once
// with the noproc reason.
using FarFiber = std::function<Ref<FiberBase>()>;

// FarEnd is the far side of a cross-hub link or monitor: its hub, how to
// find the fiber there, a key that tells it from other far ends (the far
// fiber's control block, or an actor's cell: linking twice is one link),
// and the reason delivered when far() finds no fiber.
struct FarEnd {
  const Hub* hub = nullptr;
  FarFiber far;
  const void* key = nullptr;
  ExitReason noproc = ExitReason::killed();
};

// link_across(near, end) links near (a fiber of the calling hub) with the
// far fiber, both ways. A far fiber already dead (or absent) sends its exit
// to near at once, as Erlang does. Throws UsageError when end.hub is not a
// hub of the caller's Runtime.
void link_across(FiberBase* near, FarEnd end);
// unlink_across(near, end) removes the link; later exits are not delivered.
void unlink_across(FiberBase* near, const FarEnd& end);
// monitor_across(end, handler) calls handler(Down) on the calling hub once
// the far fiber has ended (at once, with its reason, if it had already).
// demonitor_across(id) cancels it (no Down is delivered after it returns
// true); false when the Down was delivered already or id is unknown.
MonitorId monitor_across(FarEnd end, std::function<void(const Down&)> handler);
bool demonitor_across(MonitorId id);

}  // namespace grove::detail
