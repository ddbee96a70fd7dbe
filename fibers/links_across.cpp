// links_across.cpp — links and monitors between fibers of two hubs of one
// Runtime (detail/cross_hub_links.hpp; docs/design/runtime.md, "Across hubs").

#include <grove/log.hpp>
#include <grove/detail/cross_hub_links.hpp>

#include <grove/hub.hpp>
#include <grove/detail/hub_domain.hpp>

#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

namespace grove::detail {

constinit thread_local DomainHub tls_domain_hub{};

// deliver_exit (links.cpp) is what a local link does to its partner.
void deliver_exit(FiberBase& dead, FiberBase* partner, const ExitReason& reason);

HubAddress address_of(const Hub* hub, const char* what) {
  const DomainHub d = tls_domain_hub;
  if (!d.domain)
    throw UsageError(std::string("grove::") + what +
                     ": the fiber belongs to another OS thread's hub, and the calling thread is no hub of a "
                     "grove::Runtime; across hubs, call it from a fiber or actor the Runtime started "
                     "(Runtime::spawn_on, spawn_actor_on)");
  const auto index = d.domain->index_of(hub);
  if (!index)
    throw UsageError(std::string("grove::") + what +
                     ": the fiber belongs to a hub outside the caller's grove::Runtime; links and monitors "
                     "cross hubs only among the hubs of one Runtime");
  return HubAddress{d.domain, *index, nullptr};
}

namespace {

// CrossLink is one link between `near` (the hub that called link) and
// `far`. Each Ref is set, used and reset only on its own fiber's hub;
// `broken` is set once by whichever side fires (or unlinks) first, so that
// exactly one exit crosses, and never after an unlink.
struct CrossLink {
  Ref<FiberBase> near;
  Ref<FiberBase> far;
  HubAddress near_home;
  HubAddress far_home;
  const void* far_key = nullptr;
  std::atomic<bool> broken{false};
};

struct CrossLinkObserver final : ExitObserver {
  CrossLinkObserver(std::shared_ptr<CrossLink> l, bool on_near) : link(std::move(l)), on_near(on_near) {}
  void on_exit(FiberBase& dead) override;
  std::shared_ptr<CrossLink> link;
  bool on_near;  // in near's list (else far's)
};

CrossLinkObserver* find_cross(FiberBase* f, const CrossLink* l) {
  for (ExitObserver* o = f->observers; o; o = o->next)
    if (auto* c = dynamic_cast<CrossLinkObserver*>(o); c && c->link.get() == l) return c;
  return nullptr;
}

// arrive(l, from, reason, to_near) runs on the receiving side's hub: it
// drops that side's half of the link and delivers the exit there.
void arrive(const std::shared_ptr<CrossLink>& l, const Ref<FiberBase>& from, const ExitReason& reason, bool to_near) {
  Ref<FiberBase> target = std::exchange(to_near ? l->near : l->far, Ref<FiberBase>());
  if (!target) return;
  if (auto* half = find_cross(target.get(), l.get())) remove_observer(target.get(), half->id);
  if (from) {
    deliver_exit(*from, target.get(), reason);
  } else if (!target->finished) {  // noproc: no fiber to name as the sender
    if (target->traps_exits())
      grove::logger()->warn(
          "grove: fiber '{}' links to an actor that no longer exists ({}); a trapping fiber gets no "
          "ExitSignal for it",
          target->display_name(), reason.to_string());
    else if (reason.is_abnormal()) {
      target->exiting = true;  // killed with the noproc reason, as deliver_exit would
      engine_of(*target->hub).interrupt(target.get(), std::make_exception_ptr(FiberExit(reason)));
    }
  }
}

// send_exit(l, from, reason, to_near) sends the exit across, unless the
// link is broken already (the partner fired first, or an unlink).
void send_exit(const std::shared_ptr<CrossLink>& l, Ref<FiberBase> from, const ExitReason& reason, bool to_near) {
  if (l->broken.exchange(true, std::memory_order_acq_rel)) return;
  const HubAddress& to = to_near ? l->near_home : l->far_home;
  (void)to.post([l, from = std::move(from), reason, to_near] { arrive(l, from, reason, to_near); });
}

void CrossLinkObserver::on_exit(FiberBase& dead) {
  dead.error_observed = true;
  auto l = link;
  (on_near ? l->near : l->far) = Ref<FiberBase>();  // released here, on its own hub
  send_exit(l, Ref<FiberBase>(&dead), dead.exit_reason(), !on_near);
}

// CrossMonitor is one monitor across hubs: `handler` lives on the
// monitoring hub and runs there; `active` tells a demonitor from a Down
// (the first to clear it wins).
struct CrossMonitor {
  std::function<void(const Down&)> handler;
  HubAddress origin;
  MonitorId id = 0;
  std::atomic<bool> active{true};
};

// The monitoring hub's cross monitors, by id, for demonitor (weak: the far
// observer and a Down in flight keep one alive).
thread_local std::unordered_map<MonitorId, std::weak_ptr<CrossMonitor>> tls_cross_monitors;

void send_down(const std::shared_ptr<CrossMonitor>& m, Ref<FiberBase> from, const ExitReason& reason) {
  if (!m->active.load(std::memory_order_acquire)) return;
  (void)m->origin.post([m, from = std::move(from), reason] {
    tls_cross_monitors.erase(m->id);
    if (!m->active.exchange(false, std::memory_order_acq_rel)) return;
    auto handler = std::move(m->handler);
    handler(Down{Fiber<>(from), reason, m->id});
  });
}

struct CrossMonitorObserver final : ExitObserver {
  explicit CrossMonitorObserver(std::shared_ptr<CrossMonitor> m) : monitor(std::move(m)) {}
  void on_exit(FiberBase& dead) override {
    dead.error_observed = true;
    send_down(monitor, Ref<FiberBase>(&dead), dead.exit_reason());
  }
  std::shared_ptr<CrossMonitor> monitor;
};

}  // namespace

void link_across(FiberBase* near, FarEnd end) {
  HubAddress far_home = address_of(end.hub, "link");
  for (ExitObserver* o = near->observers; o; o = o->next)
    if (auto* c = dynamic_cast<CrossLinkObserver*>(o);
        c && c->on_near && c->link->far_key == end.key && !c->link->broken.load(std::memory_order_acquire))
      return;  // linked already
  auto l = std::make_shared<CrossLink>();
  l->near = Ref<FiberBase>(near);
  l->near_home = HubAddress::here();
  l->far_home = far_home;
  l->far_key = end.key;
  add_observer(near, std::make_unique<CrossLinkObserver>(l, true));
  const bool posted = far_home.post([l, far = std::move(end.far), noproc = end.noproc] {
    Ref<FiberBase> f = far();
    if (!f) return send_exit(l, Ref<FiberBase>(), noproc, true);
    if (f->finished) return send_exit(l, f, f->exit_reason(), true);
    l->far = f;
    add_observer(f.get(), std::make_unique<CrossLinkObserver>(l, false));
  });
  if (!posted)  // the far hub has stopped: its fibers are gone
    send_exit(l, Ref<FiberBase>(), ExitReason::shutdown(), true);
}

void unlink_across(FiberBase* near, const FarEnd& end) {
  for (ExitObserver* o = near->observers; o; o = o->next) {
    auto* c = dynamic_cast<CrossLinkObserver*>(o);
    if (!c || !c->on_near || c->link->far_key != end.key) continue;
    auto l = c->link;
    if (l->broken.exchange(true, std::memory_order_acq_rel)) continue;  // an exit is on its way
    l->near = Ref<FiberBase>();
    remove_observer(near, c->id);
    (void)l->far_home.post([l] {
      Ref<FiberBase> far = std::exchange(l->far, Ref<FiberBase>());
      if (!far) return;
      if (auto* half = find_cross(far.get(), l.get())) remove_observer(far.get(), half->id);
    });
    return;
  }
}

MonitorId monitor_across(FarEnd end, std::function<void(const Down&)> handler) {
  HubAddress far_home = address_of(end.hub, "monitor");
  auto m = std::make_shared<CrossMonitor>();
  m->handler = std::move(handler);
  m->origin = HubAddress::here();
  m->id = scheduler().next_link_id();
  tls_cross_monitors[m->id] = m;
  const bool posted = far_home.post([m, far = std::move(end.far), noproc = end.noproc] {
    Ref<FiberBase> f = far();
    if (!f) return send_down(m, Ref<FiberBase>(), noproc);
    add_observer(f.get(), std::make_unique<CrossMonitorObserver>(m));  // a dead one is told at once
  });
  if (!posted) send_down(m, Ref<FiberBase>(), ExitReason::shutdown());
  return m->id;
}

bool demonitor_across(MonitorId id) {
  auto it = tls_cross_monitors.find(id);
  if (it == tls_cross_monitors.end()) return false;
  auto m = it->second.lock();
  tls_cross_monitors.erase(it);
  return m && m->active.exchange(false, std::memory_order_acq_rel);
}

}  // namespace grove::detail
