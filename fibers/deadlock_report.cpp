// deadlock_report.cpp — what the hub says about its fibers: LoopExit's
// message, the fiber list, unhandled exceptions.

#include <grove/hub.hpp>
#include <grove/log.hpp>

#include <grove/fiber.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <unordered_set>
#include <vector>

namespace grove::detail {

namespace {

// (Built with append: GCC 12 warns falsely (-Wrestrict) on "'" + name + "'".)
std::string quoted(const FiberBase* f) {
  std::string name = f->display_name();
  if (name == "main") return name;
  std::string out;
  out.reserve(name.size() + 2);
  out.append(1, '\'').append(name).append(1, '\'');
  return out;
}

// live_holder() is the fiber an edge points at, if it is still alive on
// this hub (a lock can be held by a fiber that has ended).
const FiberBase* live_holder(const WaitEdge& e, const std::unordered_set<const FiberBase*>& live) {
  const FiberIdentity h = e.holder();
  if (!h.fiber || !live.contains(h.fiber) || h.fiber->id != h.id) return nullptr;
  return h.fiber;
}

}  // namespace

// LoopExit's message is the wait-for graph: every parked fiber, what it
// waits on and, when that is another fiber, which ("main waits on join of
// 'w3'", "w3 waits on Lock held by 'w7'"); then the first cycle found by
// following those single out-edges ("deadlock cycle: 'a' -> 'b' -> 'a'").
std::string Scheduler::describe_blocked() const {
  std::string out =
      "grove::LoopExit: this operation would block forever: every fiber is blocked and no timer or I/O is pending." +
      list_fibers(false);
  std::unordered_set<const FiberBase*> live;
  std::vector<const FiberBase*> order;
  live.insert(main_.get());
  order.push_back(main_.get());
  for (const FiberBase* f = live_head_; f; f = f->live_next) {
    live.insert(f);
    order.push_back(f);
  }
  auto next = [&](const FiberBase* f) -> const FiberBase* {
    if (f->state != RunState::parked || !f->wait_edge) return nullptr;
    return live_holder(*f->wait_edge, live);
  };
  for (const FiberBase* start : order) {
    // Walk at most order.size() edges from start; a fiber seen twice on the
    // walk closes a cycle.
    std::vector<const FiberBase*> path;
    const FiberBase* f = start;
    while (f && path.size() <= order.size()) {
      auto seen = std::find(path.begin(), path.end(), f);
      if (seen != path.end()) {
        out += "\n  deadlock cycle: ";
        for (auto it = seen; it != path.end(); ++it) out += quoted(*it) + " -> ";
        out += quoted(f);
        return out;
      }
      path.push_back(f);
      f = next(f);
    }
  }
  return out;
}

std::string Scheduler::list_fibers(bool all) const {
  std::unordered_set<const FiberBase*> live;
  live.insert(main_.get());
  for (const FiberBase* f = live_head_; f; f = f->live_next) live.insert(f);
  std::string out;
  std::size_t shown = 0;
  auto line = [&](const FiberBase* f) {
    if (++shown > 50) return;
    out += "\n  ";
    out += f->display_name();
    if (f->state == RunState::parked) {
      out += " waits on ";
      if (const WaitEdge* e = f->wait_edge) {
        out += e->label();
        out += ' ';
        out += e->relation();
        out += ' ';
        const FiberBase* h = live_holder(*e, live);
        out += h ? quoted(h) : std::string("a fiber that has ended");
      } else {
        out += f->waiting_on ? f->waiting_on : "(unknown)";
      }
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
    grove::logger()->error("grove: fiber '{}' died with an unhandled exception: {}", f.display_name(), what);
  } catch (...) {
  }
  if (unhandled_policy == UnhandledPolicy::abort) std::abort();
}

}  // namespace grove::detail
