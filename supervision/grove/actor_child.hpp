#pragma once
// actor_child.hpp — actors as supervised children. The actor's cell (its
// mailbox and address) is made once; each (re)start runs a new incarnation
// of the actor on the same cell, so the ActorRef stays valid across
// restarts and messages queued meanwhile reach the next incarnation.
//
//   auto worker = grove::actor_child<Worker>("worker", {.restart = grove::Restart::permanent}, 42);
//   grove::Supervisor sup({.strategy = grove::Strategy::one_for_one}, {worker});
//   sup.start();
//   worker.ref.send(Job{...});

#include <grove/actor.hpp>
#include <grove/actor_ref.hpp>
#include <grove/child_spec.hpp>
#include <grove/detail/hub_domain.hpp>

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace grove {

// ActorChild is a ChildSpec that also carries the child's address.
template <class M>
struct ActorChild : ChildSpec {
  ActorRef<M> ref;
};

namespace detail {
// make_child_cell<M>(actor, options) makes an actor child's cell on the hub
// it will run on: here, or options.hub of the caller's Runtime (the caller
// waits while that hub makes it: the cell's mailbox belongs to its hub).
template <class M>
std::shared_ptr<ActorCell<M>> make_child_cell(const ActorOptions& actor, const ChildOptions& options) {
  auto make = [name = actor.name, mailbox = actor.mailbox] {
    auto cell = std::make_shared<ActorCell<M>>(name, mailbox);
    cell->supervised = true;
    return cell;
  };
  const DomainHub here = tls_domain_hub;
  if (!options.hub || (here.domain && *options.hub == here.index)) return make();
  if (!here.domain || *options.hub >= here.domain->size())
    throw UsageError("grove::actor_child: '" + actor.name + "' is placed on hub " + std::to_string(*options.hub) +
                     ", which is no hub of the caller's grove::Runtime; make the child spec on a Runtime hub "
                     "(Runtime::spawn_on) and give an index below Runtime::size()");
  AsyncResult<std::shared_ptr<ActorCell<M>>> made;
  if (!here.domain->post(*options.hub, [made, make]() mutable {
        try {
          made.set(make());
        } catch (...) {
          made.set_exception(std::current_exception());
        }
      }))
    throw UsageError("grove::actor_child: '" + actor.name + "' is placed on hub " + std::to_string(*options.hub) +
                     ", which has stopped");
  return made.get();
}
}  // namespace detail

// actor_child<A>(actor, options, args...) is a child running A(args...) on
// a mailbox configured by `actor` (its name is the child's id); the
// arguments are copied for every incarnation. With options.hub, the actor
// (its cell, every incarnation) lives on that hub of the Runtime. The mailbox closes (leftovers
// to dead letters) only when the child is retired.
template <class A, class... Args>
requires std::derived_from<A, Actor<typename A::message_type>> ActorChild<typename A::message_type> actor_child(
    ActorOptions actor, ChildOptions options, Args&&... args) {
  using M = typename A::message_type;
  if (actor.name.empty()) throw UsageError("grove::actor_child: the actor needs a name (it is the child's id)");
  auto cell = detail::make_child_cell<M>(actor, options);
  ActorChild<M> spec;
  spec.id = std::move(actor.name);
  spec.with(options);
  spec.start = [cell, args = std::make_tuple(std::decay_t<Args>(std::forward<Args>(args))...)]() -> Fiber<> {
    if (cell->terminated)
      throw UsageError("grove: actor child '" + cell->name + "' was retired; its mailbox is closed");
    auto actor = std::apply([](const auto&... a) { return std::make_unique<A>(a...); }, args);
    return detail::start_incarnation<M>(cell, std::move(actor));
  };
  spec.retire = [weak = std::weak_ptr<detail::ActorCell<M>>(cell)] {
    if (auto c = weak.lock()) {
      c->terminate();
      c->fiber = Fiber<>();  // drop the last incarnation (it holds the cell)
    }
  };
  spec.ref = ActorRef<M>(cell);
  spec.handle = spec.ref;
  return spec;
}

// actor_child<A>(id, options, args...) is the same with an unbounded mailbox.
template <class A, class... Args>
requires std::derived_from<A, Actor<typename A::message_type>> ActorChild<typename A::message_type> actor_child(
    std::string id, ChildOptions options, Args&&... args) {
  return actor_child<A>(ActorOptions{.name = std::move(id), .mailbox = {}}, options, std::forward<Args>(args)...);
}

// actor_template<A, Args...>(id, options) is a simple_one_for_one template:
// start_child(args...) runs A(args...) as a new actor child.
template <class A, class... Args>
requires std::derived_from<A, Actor<typename A::message_type>> ChildTemplate actor_template(std::string id,
                                                                                            ChildOptions options = {}) {
  return child_template<Args...>(
      id, [id, options](Args... args) -> ChildSpec { return actor_child<A>(id, options, std::move(args)...); });
}

}  // namespace grove
