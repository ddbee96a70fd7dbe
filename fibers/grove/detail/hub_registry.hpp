#pragma once
// detail/hub_registry.hpp — every hub of the process, for the tools that
// look at all of them from any thread: grove::debug::snapshot_all()
// (fibers/grove/introspect.hpp) and the watchdog (observe/). A hub
// registers when it is made and leaves when it is destroyed; both take one
// process-wide mutex, never taken on the switch path.

#include <cstdint>
#include <mutex>
#include <vector>

namespace grove::detail {

class Scheduler;

// register_hub(s) lists s and returns its number (Scheduler::number());
// unregister_hub(s) removes it (a hub's destructor, first thing).
std::uint64_t register_hub(Scheduler* s);
void unregister_hub(Scheduler* s) noexcept;

// LockedHubs holds the registry's mutex while it lives: a hub listed in
// hubs() cannot be destroyed meanwhile (its destructor waits). Keep it
// short: a hub being destroyed blocks on it.
class LockedHubs {
 public:
  LockedHubs();
  const std::vector<Scheduler*>& hubs() const noexcept { return hubs_; }

 private:
  std::unique_lock<std::mutex> lock_;
  const std::vector<Scheduler*>& hubs_;
};

}  // namespace grove::detail
