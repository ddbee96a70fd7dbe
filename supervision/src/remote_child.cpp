// remote_child.cpp — children on another hub of the supervisor's Runtime
// (ChildSpec::hub; docs/design/runtime.md, "Across hubs"). The supervisor
// keeps its children's fibers on its own hub, so a child of another hub is
// represented there by a proxy fiber: the proxy has the child started on
// its hub, waits for it to end and ends the same way (normal, FiberExit
// with the child's reason, or its exception), so restarts, their intensity
// and the strategies work unchanged. A kill of the proxy (the supervisor
// stopping or restarting the child) is passed on to the child, and the
// proxy ends only once the child has.

#include "supervisor_core.hpp"

#include <grove/async_result.hpp>
#include <grove/log.hpp>
#include <grove/detail/hub_domain.hpp>

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <utility>

namespace grove::detail {

namespace {

// The far incarnation's fiber, touched only on the far hub.
struct FarIncarnation {
  Fiber<> fiber;
};

// How many kills a proxy passes on before it gives up waiting for the
// child (the supervisor's own attempts, a Runtime stop, a margin).
constexpr int max_forwarded_kills = 6;

void run_proxy(HubDomain& domain, std::size_t hub, const std::function<Fiber<>()>& start, const std::string& id) {
  auto far = std::make_shared<FarIncarnation>();
  AsyncResult<ExitReason> ended;  // set on the far hub when the child ends (or cannot start)
  const bool posted = domain.post(hub, [far, start, ended]() mutable {
    try {
      far->fiber = start();
      if (!far->fiber)
        throw UsageError(
            "grove::Supervisor: a child placed on another hub cannot ignore its start (its start function returned an "
            "empty fiber); ignore is for children on the supervisor's hub");
      far->fiber.link([ended](Fiber<> dead) mutable { ended.set(dead.exit_reason()); });
    } catch (...) {
      ended.set_exception(std::current_exception());
    }
  });
  if (!posted)
    throw UsageError("grove::Supervisor: child '" + id + "' is placed on hub " + std::to_string(hub) +
                     ", which has stopped");
  ExitReason reason;
  for (int forwarded = 0;; ++forwarded) {
    try {
      reason = ended.get();
      break;
    } catch (const FiberExit& e) {  // the supervisor stops or kills the child
      const bool sent = forwarded < max_forwarded_kills && domain.post(hub, [far, r = e.reason()]() mutable {
        if (far->fiber && !far->fiber.dead()) far->fiber.kill(FiberExit(r), false);
      });
      if (!sent) throw;
    }
  }
  if (reason.kind() == ExitReason::Kind::exception) std::rethrow_exception(reason.exception());
  if (reason.is_abnormal()) throw FiberExit(reason);
}

HubDomain& domain_for(const ChildSpec& spec, const char* what) {
  HubDomain* d = tls_domain_hub.domain;
  if (!d)
    throw UsageError(std::string("grove::Supervisor: child '") + spec.id + "' is placed on hub " +
                     std::to_string(*spec.hub) + ", but the supervisor " + what +
                     " outside a grove::Runtime; run the supervisor on a Runtime hub (Runtime::spawn_on)");
  if (*spec.hub >= d->size())
    throw UsageError(std::string("grove::Supervisor: child '") + spec.id + "' is placed on hub " +
                     std::to_string(*spec.hub) + ", out of range; the Runtime has " + std::to_string(d->size()) +
                     " hub(s), 0 .. " + std::to_string(d->size() - 1));
  return *d;
}

}  // namespace

Fiber<> start_child_fiber(const ChildSpec& spec) {
  if (!spec.hub) return spec.start();
  HubDomain& d = domain_for(spec, "runs");
  const std::size_t hub = *spec.hub;
  if (hub == tls_domain_hub.index) return spec.start();
  Fiber<> proxy = spawn([&d, hub, start = spec.start, id = spec.id] { run_proxy(d, hub, start, id); });
  proxy.set_name(spec.id + "@hub" + std::to_string(hub));
  return proxy;
}

void retire_child(ChildSpec& spec) {
  auto retire = std::move(spec.retire);
  if (!retire) return;
  if (!spec.hub || *spec.hub == tls_domain_hub.index || !tls_domain_hub.domain) return retire();
  if (!tls_domain_hub.domain->post(*spec.hub, std::move(retire)))
    grove::logger()->warn("grove: child '{}' could not be retired: its hub {} has stopped", spec.id, *spec.hub);
}

}  // namespace grove::detail
