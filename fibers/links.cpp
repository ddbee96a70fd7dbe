// links.cpp — exit observers: link(callback), Erlang links and monitors.

#include <grove/links.hpp>
#include <grove/log.hpp>

#include <grove/hub.hpp>
#include <grove/detail/cross_hub_links.hpp>
#include <grove/detail/hub_domain.hpp>

#include <spdlog/spdlog.h>

#include <utility>

namespace grove {

namespace detail {

LinkId add_observer(FiberBase* f, std::unique_ptr<ExitObserver> o) {
  const LinkId id = engine_of(*f->hub).next_link_id();
  o->id = id;
  if (f->finished) {  // already dead: tell it at once
    try {
      o->on_exit(*f);
    } catch (const std::exception& e) {
      grove::logger()->error("grove: an exit callback of fiber '{}' threw: {}", f->display_name(), e.what());
    } catch (...) {
      grove::logger()->error("grove: an exit callback of fiber '{}' threw", f->display_name());
    }
    return id;
  }
  ExitObserver* raw = o.release();
  raw->prev = nullptr;
  raw->next = f->observers;
  if (f->observers) f->observers->prev = raw;
  f->observers = raw;
  return id;
}

namespace {
void unlink_observer(FiberBase* f, ExitObserver* o) noexcept {
  if (o->prev) o->prev->next = o->next;
  else f->observers = o->next;
  if (o->next) o->next->prev = o->prev;
  o->prev = o->next = nullptr;
}
}  // namespace

bool remove_observer(FiberBase* f, LinkId id) noexcept {
  for (ExitObserver* o = f->observers; o; o = o->next) {
    if (o->id == id) {
      unlink_observer(f, o);
      delete o;
      return true;
    }
  }
  return false;
}

void notify_exit(FiberBase* f) noexcept {
  // Observers run oldest first; each is removed before it runs, so one may
  // add or remove others.
  while (ExitObserver* o = f->observers) {
    ExitObserver* oldest = o;
    while (oldest->next) oldest = oldest->next;
    unlink_observer(f, oldest);
    try {
      oldest->on_exit(*f);
    } catch (const std::exception& e) {
      grove::logger()->error("grove: an exit callback of fiber '{}' threw: {}", f->display_name(), e.what());
    } catch (...) {
      grove::logger()->error("grove: an exit callback of fiber '{}' threw", f->display_name());
    }
    delete oldest;
  }
}

// deliver_exit() is what a link does to `partner` when `dead` ends (also
// links_across.cpp's, on the partner's hub).
void deliver_exit(FiberBase& dead, FiberBase* partner, const ExitReason& reason) {
  if (partner->finished) return;
  if (partner->traps_exits()) {
    partner->extras->exit_trap(dead, reason);
  } else if (reason.is_abnormal()) {
    partner->exiting = true;
    engine_of(*partner->hub).interrupt(partner, std::make_exception_ptr(FiberExit(reason)));
  }
}

namespace {

// One half of a bidirectional link: lives in `watched`'s list, acts on `partner`.
struct LinkObserver final : ExitObserver {
  explicit LinkObserver(FiberBase* partner) : partner(partner) {}
  void on_exit(FiberBase& dead) override;
  Ref<FiberBase> partner;
};

LinkObserver* find_link(FiberBase* watched, FiberBase* partner) {
  for (ExitObserver* o = watched->observers; o; o = o->next)
    if (auto* l = dynamic_cast<LinkObserver*>(o); l && l->partner.get() == partner) return l;
  return nullptr;
}

void LinkObserver::on_exit(FiberBase& dead) {
  FiberBase* p = partner.get();
  if (LinkObserver* back = find_link(p, &dead)) remove_observer(p, back->id);
  dead.error_observed = true;
  deliver_exit(dead, p, dead.exit_reason());
}

struct MonitorObserver final : ExitObserver {
  explicit MonitorObserver(std::function<void(const Down&)> h) : handler(std::move(h)) {}
  void on_exit(FiberBase& dead) override {
    dead.error_observed = true;
    handler(Down{Fiber<>(Ref<FiberBase>(&dead)), dead.exit_reason(), id});
  }
  std::function<void(const Down&)> handler;
};

FiberBase* checked(const Fiber<>& f, const char* what) {
  if (!f) throw UsageError(std::string("grove::") + what + ": empty fiber handle");
  check_owner(f.base(), what);
  return f.base();
}

}  // namespace
}  // namespace detail

namespace {
// foreign(f) is true when f is a (non-empty) handle of another hub's fiber.
bool foreign(const Fiber<>& f) noexcept { return f && !detail::is_local(f.base()->hub); }
detail::FarEnd far_end(const Fiber<>& f) {
  return detail::FarEnd{f.base()->hub, [r = detail::Ref<detail::FiberBase>(f.base())] { return r; }, f.base(),
                        ExitReason::killed()};
}
}  // namespace

void link(const Fiber<>& a, const Fiber<>& b) {
  if (foreign(a) != foreign(b)) {  // across hubs: one of them is the caller's
    const Fiber<>& near = foreign(a) ? b : a;
    const Fiber<>& far = foreign(a) ? a : b;
    return detail::link_across(detail::checked(near, "link"), far_end(far));
  }
  detail::FiberBase* fa = detail::checked(a, "link");
  detail::FiberBase* fb = detail::checked(b, "link");
  if (fa == fb) throw UsageError("grove::link: a fiber cannot link to itself");
  if (detail::find_link(fa, fb)) return;  // already linked
  if (fa->finished || fb->finished) {
    detail::FiberBase* dead = fa->finished ? fa : fb;
    detail::FiberBase* alive = dead == fa ? fb : fa;
    if (!alive->finished) detail::deliver_exit(*dead, alive, dead->exit_reason());
    // Linking is a suspension point: an exit aimed at the caller is raised now.
    auto& s = detail::scheduler();
    if (alive == s.current() && !s.in_hub_context()) s.raise_pending();
    return;
  }
  detail::add_observer(fa, std::make_unique<detail::LinkObserver>(fb));
  detail::add_observer(fb, std::make_unique<detail::LinkObserver>(fa));
}

void unlink(const Fiber<>& a, const Fiber<>& b) {
  if (foreign(a) != foreign(b)) {
    const Fiber<>& near = foreign(a) ? b : a;
    return detail::unlink_across(detail::checked(near, "unlink"), far_end(foreign(a) ? a : b));
  }
  detail::FiberBase* fa = detail::checked(a, "unlink");
  detail::FiberBase* fb = detail::checked(b, "unlink");
  if (auto* l = detail::find_link(fa, fb)) detail::remove_observer(fa, l->id);
  if (auto* l = detail::find_link(fb, fa)) detail::remove_observer(fb, l->id);
}

MonitorId monitor(const Fiber<>& target, std::function<void(const Down&)> handler) {
  if (foreign(target)) {
    if (!handler) throw UsageError("grove::monitor: the handler is empty");
    return detail::monitor_across(far_end(target), std::move(handler));
  }
  detail::FiberBase* f = detail::checked(target, "monitor");
  if (!handler) throw UsageError("grove::monitor: the handler is empty");
  return detail::add_observer(f, std::make_unique<detail::MonitorObserver>(std::move(handler)));
}

bool demonitor(const Fiber<>& target, MonitorId id) {
  if (foreign(target)) return detail::demonitor_across(id);
  return detail::remove_observer(detail::checked(target, "demonitor"), id);
}

void trap_exits(const Fiber<>& f, std::function<void(const ExitSignal&)> handler) {
  detail::FiberBase* fb = detail::checked(f, "trap_exits");
  if (!handler) {
    if (fb->extras) fb->extras->exit_trap = nullptr;
    return;
  }
  fb->more().exit_trap = [h = std::move(handler)](detail::FiberBase& from, const ExitReason& reason) {
    h(ExitSignal{Fiber<>(detail::Ref<detail::FiberBase>(&from)), reason});
  };
}

bool traps_exits(const Fiber<>& f) { return detail::checked(f, "traps_exits")->traps_exits(); }

}  // namespace grove
