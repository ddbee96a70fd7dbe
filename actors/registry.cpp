// registry.cpp — the per-hub (thread-local) table of actor names.

#include <grove/registry.hpp>

#include <map>

namespace grove {
namespace detail {

class Registry {
 public:
  std::map<std::string, RegistryEntry, std::less<>> entries;
  std::uint64_t next_token = 1;
};

namespace {
// Shared so that a termination hook running late (while the thread winds
// down) can tell that the registry is gone.
thread_local std::shared_ptr<Registry> tls_registry;
}  // namespace

Registry& this_registry() {
  if (!tls_registry) tls_registry = std::make_shared<Registry>();
  return *tls_registry;
}

std::weak_ptr<Registry> registry_handle() {
  this_registry();
  return tls_registry;
}

std::uint64_t registry_add(Registry& r, std::string name, RegistryEntry entry) {
  auto it = r.entries.find(name);
  if (it != r.entries.end() && it->second.alive(it->second.cell.get()))
    throw UsageError("grove::register_name: the name '" + name + "' is taken by a live actor; unregister_name() it first");
  entry.token = r.next_token++;
  const std::uint64_t token = entry.token;
  if (it != r.entries.end()) it->second = std::move(entry);
  else r.entries.emplace(std::move(name), std::move(entry));
  return token;
}

const RegistryEntry* registry_find(Registry& r, std::string_view name) {
  auto it = r.entries.find(name);
  return it == r.entries.end() ? nullptr : &it->second;
}

bool registry_remove(Registry& r, std::string_view name, std::uint64_t token) {
  auto it = r.entries.find(name);
  if (it == r.entries.end() || (token != 0 && it->second.token != token)) return false;
  r.entries.erase(it);
  return true;
}

std::vector<std::string> registry_names(Registry& r) {
  std::vector<std::string> names;
  for (auto& [name, e] : r.entries)
    if (e.alive(e.cell.get())) names.push_back(name);
  return names;
}

void throw_registry_type_mismatch(std::string_view name, const std::type_info& registered, const std::type_info& asked) {
  throw UsageError("grove::whereis('" + std::string(name) + "'): the actor takes messages of type " +
                   boost::core::demangle(registered.name()) + ", not " + boost::core::demangle(asked.name()));
}

}  // namespace detail

bool unregister_name(std::string_view name) { return detail::registry_remove(detail::this_registry(), name); }

std::vector<std::string> registered_names() { return detail::registry_names(detail::this_registry()); }

}  // namespace grove
