#pragma once
// registry.hpp — names for actors (Erlang's register/whereis):
//
//   grove::register_name("logger", ref);
//   if (auto logger = grove::whereis<LogMsg>("logger")) logger->send(...);
//
// A name is bound to one live actor at a time. The binding ends with
// unregister_name() or, automatically, when the actor stops for good (a
// supervised actor keeps its name across restarts: the ref is the same).
// The registry is per hub: each OS thread with a hub has its own names,
// and these calls belong to that thread (register an actor on its own hub).
// The hubs of one grove::Runtime share one registry instead: a name
// registered on hub 0 is found from hub 1 (whereis gives an ActorRef, which
// sends and asks across hubs), and any hub may register any of the
// Runtime's actors (docs/design/runtime.md, "Across hubs").

#include <grove/actor_ref.hpp>
#include <grove/errors.hpp>
#include <grove/detail/hub_domain.hpp>

#include <boost/core/demangle.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace grove {

namespace detail {

struct RegistryEntry {
  std::shared_ptr<void> cell;  // an ActorCell<M>
  const std::type_info* message_type = nullptr;
  bool (*alive)(const void* cell) = nullptr;
  std::uint64_t token = 0;  // tells this binding from a later one of the same name
};

class Registry;
// this_registry() is the calling thread's registry; registry_handle() is a
// weak handle to it for termination hooks.
Registry& this_registry();
std::weak_ptr<Registry> registry_handle();

// The out-of-line registry operations (registry.cpp).
std::uint64_t registry_add(Registry& r, std::string name, RegistryEntry entry);
std::optional<RegistryEntry> registry_find(Registry& r, std::string_view name);
bool registry_remove(Registry& r, std::string_view name, std::uint64_t token = 0);
std::vector<std::string> registry_names(Registry& r);
[[noreturn]] void throw_registry_type_mismatch(std::string_view name, const std::type_info& registered,
                                               const std::type_info& asked);

template <class M>
bool cell_alive(const void* cell) {
  return !static_cast<const ActorCell<M>*>(cell)->terminated.load(std::memory_order_acquire);
}

}  // namespace detail

// register_name(name, ref) binds name to ref on this hub. It throws
// UsageError when the name is bound to a live actor already, when ref is
// empty or its actor has stopped, or when the name is empty.
template <class M>
void register_name(std::string name, const ActorRef<M>& ref) {
  if (!ref) throw UsageError("grove::register_name: empty ActorRef");
  if (name.empty()) throw UsageError("grove::register_name: the name is empty");
  const auto& cell = ref.cell_ptr();
  if (cell->terminated.load(std::memory_order_acquire))
    throw UsageError("grove::register_name('" + name + "'): the actor '" + cell->name + "' has stopped");
  // The unbinding hook joins the cell's on_terminate on the cell's hub.
  std::optional<detail::HubAddress> home;
  if (!detail::is_local(cell->home)) home = detail::address_of(cell->home, "register_name");
  auto& r = detail::this_registry();
  const std::uint64_t token =
      detail::registry_add(r, name, detail::RegistryEntry{cell, &typeid(M), &detail::cell_alive<M>, 0});
  auto unbind = [weak = detail::registry_handle(), name = std::move(name), token] {
    if (auto reg = weak.lock()) detail::registry_remove(*reg, name, token);
  };
  if (!home) return cell->on_terminate.push_back(std::move(unbind));
  (void)home->post([cell, unbind = std::move(unbind)]() mutable {
    if (cell->terminated.load(std::memory_order_acquire)) unbind();
    else cell->on_terminate.push_back(std::move(unbind));
  });
}

// whereis<M>(name) is the live actor bound to name on this hub, or nullopt.
// It throws UsageError when that actor takes another message type than M.
template <class M>
std::optional<ActorRef<M>> whereis(std::string_view name) {
  const std::optional<detail::RegistryEntry> e = detail::registry_find(detail::this_registry(), name);
  if (!e || !e->alive(e->cell.get())) return std::nullopt;
  if (*e->message_type != typeid(M)) detail::throw_registry_type_mismatch(name, *e->message_type, typeid(M));
  return ActorRef<M>(std::static_pointer_cast<detail::ActorCell<M>>(e->cell));
}

// unregister_name(name) removes the binding; false if there was none.
bool unregister_name(std::string_view name);

// registered_names() lists the names bound to live actors on this hub.
std::vector<std::string> registered_names();

}  // namespace grove
