#pragma once
// detail/hub_domain.hpp — HubDomain, the hubs one hub shares links,
// monitors, names and topics with (the hubs of one grove::Runtime), as the
// lower modules see it (docs/design/runtime.md, "Across hubs"). The Runtime
// implements it and points each of its hub threads at it; the fibers and
// actors modules reach another hub of the same Runtime through it without
// depending on the runtime module. Off a Runtime (a plain thread's hub)
// there is no domain, and nothing here costs anything.

#include <grove/detail/scheduler.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace grove {
class Hub;
}

namespace grove::detail {

class HubDomain {
 public:
  HubDomain() = default;
  virtual ~HubDomain() = default;
  HubDomain(const HubDomain&) = delete;
  HubDomain& operator=(const HubDomain&) = delete;

  // size() is the number of hubs.
  [[nodiscard]] virtual std::size_t size() const noexcept = 0;
  // index_of(hub) is the index of the hub whose facade is at `hub`, or
  // nullopt when it is none of this domain's (the pointer is compared,
  // never dereferenced: the hub may be gone).
  [[nodiscard]] virtual std::optional<std::size_t> index_of(const Hub* hub) const noexcept = 0;
  // post(index, fn) runs fn() in hub index's context (the Runtime's
  // HubInbox::post) and returns true; false when that hub has stopped (fn
  // is dropped). Closures one thread posts to one hub run in that order.
  // Any thread.
  virtual bool post(std::size_t index, std::function<void()> fn) const = 0;

  // state(key, make) is per-domain state of a lower module (the actors'
  // name registry), made by make() on first use. Any thread.
  std::shared_ptr<void> state(const void* key, const std::function<std::shared_ptr<void>()>& make) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = states_[key];
    if (!slot) slot = make();
    return slot;
  }

 private:
  std::mutex mutex_;
  std::map<const void*, std::shared_ptr<void>> states_;
};

// DomainHub is the calling thread's place in a domain: set by the Runtime
// on each of its hub threads for the thread's life, null elsewhere.
struct DomainHub {
  HubDomain* domain = nullptr;
  std::size_t index = 0;
};
extern constinit thread_local DomainHub tls_domain_hub;

// HubAddress reaches one hub from any thread: through its domain when it
// has one, else through the hub's RemoteAnchor (a plain thread's hub).
struct HubAddress {
  HubDomain* domain = nullptr;
  std::size_t index = 0;
  std::shared_ptr<RemoteAnchor> anchor;

  // here() is the calling thread's hub (made on first use, as scheduler()).
  static HubAddress here() {
    const DomainHub d = tls_domain_hub;
    return HubAddress{d.domain, d.index, scheduler().anchor()};
  }
  // post(fn) runs fn() in that hub's context; false when the hub is gone.
  template <class F>
  bool post(F&& fn) const {
    if (domain) return domain->post(index, std::function<void()>(std::forward<F>(fn)));
    return post_remote(anchor, std::forward<F>(fn));
  }
};

// is_local(hub) tells whether `hub` is the calling thread's hub.
inline bool is_local(const Hub* hub) noexcept { return tls_scheduler && &tls_scheduler->facade() == hub; }

// address_of(hub, what) is the address of another hub of the calling
// thread's domain; a hub outside it (or a caller outside every Runtime) is
// a UsageError naming `what` that says what to do.
HubAddress address_of(const Hub* hub, const char* what);

}  // namespace grove::detail
