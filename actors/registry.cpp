// registry.cpp — the table of actor names: per hub (thread-local), or one
// per Runtime shared by its hubs under a mutex (detail/hub_domain.hpp).

#include <grove/registry.hpp>

#include <grove/detail/hub_domain.hpp>

#include <map>
#include <mutex>

namespace grove {
namespace detail {

// A Registry is a hub's own (used by its thread alone) or a Runtime's
// (used by all its hubs: every access holds `mutex`).
class Registry {
 public:
  std::map<std::string, RegistryEntry, std::less<>> entries;
  std::uint64_t next_token = 1;
  std::mutex mutex;
};

namespace {
// Shared so that a termination hook running late (while the thread winds
// down) can tell that the registry is gone.
thread_local std::shared_ptr<Registry> tls_registry;
const char runtime_registry_key = 0;

// the_registry() is the calling thread's: its Runtime's when it is a
// Runtime hub, else its own.
const std::shared_ptr<Registry>& the_registry() {
  if (HubDomain* d = tls_domain_hub.domain) [[unlikely]] {
    thread_local std::shared_ptr<Registry> shared;
    thread_local HubDomain* shared_of = nullptr;
    if (shared_of != d) {
      shared = std::static_pointer_cast<Registry>(
          d->state(&runtime_registry_key, [] { return std::static_pointer_cast<void>(std::make_shared<Registry>()); }));
      shared_of = d;
    }
    return shared;
  }
  if (!tls_registry) tls_registry = std::make_shared<Registry>();
  return tls_registry;
}
}  // namespace

Registry& this_registry() { return *the_registry(); }

std::weak_ptr<Registry> registry_handle() { return the_registry(); }

std::uint64_t registry_add(Registry& r, std::string name, RegistryEntry entry) {
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.entries.find(name);
  if (it != r.entries.end() && it->second.alive(it->second.cell.get()))
    throw UsageError("grove::register_name: the name '" + name +
                     "' is taken by a live actor; unregister_name() it first");
  entry.token = r.next_token++;
  const std::uint64_t token = entry.token;
  if (it != r.entries.end()) it->second = std::move(entry);
  else r.entries.emplace(std::move(name), std::move(entry));
  return token;
}

std::optional<RegistryEntry> registry_find(Registry& r, std::string_view name) {
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.entries.find(name);
  if (it == r.entries.end()) return std::nullopt;
  return it->second;
}

bool registry_remove(Registry& r, std::string_view name, std::uint64_t token) {
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.entries.find(name);
  if (it == r.entries.end() || (token != 0 && it->second.token != token)) return false;
  r.entries.erase(it);
  return true;
}

std::vector<std::string> registry_names(Registry& r) {
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (auto& [name, e] : r.entries)
    if (e.alive(e.cell.get())) names.push_back(name);
  return names;
}

void throw_registry_type_mismatch(std::string_view name, const std::type_info& registered,
                                  const std::type_info& asked) {
  throw UsageError("grove::whereis('" + std::string(name) + "'): the actor takes messages of type " +
                   boost::core::demangle(registered.name()) + ", not " + boost::core::demangle(asked.name()));
}

}  // namespace detail

bool unregister_name(std::string_view name) { return detail::registry_remove(detail::this_registry(), name); }

std::vector<std::string> registered_names() { return detail::registry_names(detail::this_registry()); }

}  // namespace grove
