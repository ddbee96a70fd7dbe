// hub_id.cpp — this_hub() and the thread's RuntimeHub.

#include <grove/errors.hpp>
#include <grove/hub_id.hpp>
#include <grove/runtime.hpp>

namespace grove {

namespace detail {
constinit thread_local const RuntimeHub* tls_runtime_hub = nullptr;
}  // namespace detail

HubId this_hub() {
  const detail::RuntimeHub* h = detail::tls_runtime_hub;
  if (!h)
    throw UsageError(
        "grove::this_hub: the calling thread is not a hub of a grove::Runtime (main and plain threads have "
        "none); call it from a fiber or actor the Runtime started (spawn_on, spawn_actor_on), or check "
        "on_runtime_hub() first");
  return HubId{h->index};
}

bool on_runtime_hub() noexcept { return detail::tls_runtime_hub != nullptr; }

}  // namespace grove
