#pragma once
// remote_ref.hpp — RemoteRef<M>: the address of an actor on any node of the
// cluster, with ActorRef's send and ask (docs/cluster.md). It is a value
// (node id, node incarnation, actor id, name): it may be copied, compared,
// and sent inside messages (it has to_json/from_json). Sends and asks go
// through the calling hub's Node (node.hpp), so they belong to that hub's
// thread.
//
// Guarantees (docs/cluster.md): messages from one node to one actor arrive
// in the order sent, each at most once; what cannot be delivered is a dead
// letter (unreachable on the sending side, undecodable or lost on the
// receiving side), never silently dropped.

#include <grove/node.hpp>

#include <grove/actor_errors.hpp>
#include <grove/actor_ref.hpp>
#include <grove/async_result.hpp>
#include <grove/deadline.hpp>
#include <grove/detail/actor_cell.hpp>
#include <grove/detail/hub_domain.hpp>

#include <any>
#include <string>
#include <type_traits>
#include <utility>

namespace grove::cluster {

template <class M>
class RemoteRef {
 public:
  using message_type = M;
  RemoteRef() = default;
  explicit RemoteRef(detail::RefKey key) : key_(std::move(key)) {}

  explicit operator bool() const noexcept { return key_.actor != 0; }
  const std::string& node() const noexcept { return key_.node; }
  const std::string& name() const noexcept { return key_.name; }
  std::uint64_t incarnation() const noexcept { return key_.incarnation; }
  std::uint64_t actor_id() const noexcept { return key_.actor; }
  const detail::RefKey& key() const noexcept { return key_; }

  // send(msg) encodes msg and hands it to NATS (delivered: it left this
  // node; at most once from there). dead: its node is known to be down (a
  // dead letter, unreachable). MessageTooLarge when it exceeds the size
  // limit (nothing sent).
  SendStatus send(M msg) const {
    return Node::route_send(checked_key(), encode(msg), "grove::cluster::RemoteRef::send");
  }

  // ask<R>(msg, timeout) is a NATS request: the remote actor's reply(value)
  // (an R, registered with GROVE_MESSAGE) comes back into the AsyncResult.
  // It fails with grove::Timeout when no answer comes in time, NoConnection
  // when the actor's node is (or goes) down, ActorDead when the actor is not
  // running there, DecodeError when the answer is not an R, RemoteError
  // carrying the remote exception when receive() throws.
  template <class R = void>
  AsyncResult<R> ask(M msg, Deadline timeout = default_ask_timeout()) const {
    static_assert(std::is_void_v<R> || Encodable<R>, "RemoteRef::ask<R>: register R with GROVE_MESSAGE");
    nlohmann::json wire = encode(msg);
    const TimePoint start = timeout.is_never() ? TimePoint::max() : grove::detail::scheduler().now();
    const TimePoint deadline = timeout.resolve(start, "RemoteRef::ask");
    AsyncResult<R> result;
    auto slot = grove::detail::ReplyPtr::make();
    slot->deliver = [result](std::any&& value) mutable {
      if constexpr (std::is_void_v<R>) {
        result.set();
      } else {
        try {
          result.set(decode<R>(std::any_cast<const nlohmann::json&>(value)));
        } catch (const DecodeError&) {
          result.set_exception(std::current_exception());
        }
      }
    };
    slot->fail = [result](std::exception_ptr e) mutable { result.set_exception(std::move(e)); };
    if (deadline != TimePoint::max()) {
      auto& s = grove::detail::scheduler();
      auto timer = std::make_shared<grove::detail::AskTimer>();
      timer->slot = slot;
      timer->duration = deadline > start ? deadline - start : Duration::zero();
      timer->deadline = deadline;
      s.add_timer(*timer);
      result.add_callback([timer](const AsyncResult<R>&) {
        if (grove::detail::tls_scheduler) grove::detail::tls_scheduler->remove_timer(*timer);
      });
    }
    try {
      Node::route_ask(checked_key(), std::move(wire), slot, "grove::cluster::RemoteRef::ask");
    } catch (...) {
      // Nothing was sent (MessageTooLarge): settle the slot so the timer
      // and the result it holds are released, then tell the caller.
      slot->error(std::current_exception());
      throw;
    }
    return result;
  }

  friend bool operator==(const RemoteRef& a, const RemoteRef& b) noexcept {
    return a.key_.node == b.key_.node && a.key_.incarnation == b.key_.incarnation && a.key_.actor == b.key_.actor;
  }
  friend void to_json(nlohmann::json& j, const RemoteRef& r) {
    j = nlohmann::json{
        {"node", r.key_.node}, {"inc", r.key_.incarnation}, {"actor", r.key_.actor}, {"name", r.key_.name}};
  }
  friend void from_json(const nlohmann::json& j, RemoteRef& r) {
    j.at("node").get_to(r.key_.node);
    j.at("inc").get_to(r.key_.incarnation);
    j.at("actor").get_to(r.key_.actor);
    j.at("name").get_to(r.key_.name);
  }

 private:
  const detail::RefKey& checked_key() const {
    if (!*this)
      throw UsageError("grove::cluster::RemoteRef: empty reference; get one from Node::expose or whereis_global");
    return key_;
  }
  detail::RefKey key_;
};

// ----------------------------------------------------- Node's templates

template <Encodable M>
RemoteRef<M> Node::expose(const ActorRef<M>& ref) {
  if (!ref) throw UsageError("grove::cluster::Node::expose: empty ActorRef");
  const auto& cell = ref.cell_ptr();
  auto deliver = [this, ref](detail::Incoming&& in) {
    std::optional<M> message;
    try {
      message.emplace(decode<M>(*in.message));
    } catch (const DecodeError& e) {
      undecodable(ref.name(), in, e.what());
      return;
    }
    if (in.reply_to.empty()) {
      (void)ref.send(std::move(*message));
      return;
    }
    grove::detail::ReplyPtr slot = reply_slot(in);
    try {
      const SendStatus status = ref.cell_ptr()->mailbox.send(grove::detail::Envelope<M>{std::move(*message), slot});
      if (status == SendStatus::dead)
        slot->error(std::make_exception_ptr(ActorDead("grove: ask to '" + ref.name() + "': the actor is not running")));
      else if (status == SendStatus::shed)
        slot->error(
            std::make_exception_ptr(MailboxFull("grove: ask to '" + ref.name() + "': shed by its full mailbox")));
    } catch (const MailboxFull&) {
      slot->error(std::current_exception());
    }
  };
  // on_hub(fn) runs fn on the actor's hub (now, when it is this one).
  auto on_hub = [cell](auto fn) {
    if (grove::detail::is_local(cell->home)) return fn();
    (void)grove::detail::address_of(cell->home, "grove::cluster::Node").post(std::move(fn));
  };
  detail::ActorHooks hooks;
  hooks.alive = [ref] { return ref.alive(); };
  hooks.deliver = std::move(deliver);
  hooks.on_end = [cell, on_hub](std::function<void()> fn) {
    on_hub([cell, fn = std::move(fn)]() mutable {
      if (cell->terminated.load(std::memory_order_acquire)) fn();
      else cell->on_terminate.push_back(std::move(fn));
    });
  };
  hooks.on_exit = [cell, on_hub](std::function<void(const ExitReason&)> fn) {
    on_hub([cell, fn = std::move(fn)]() mutable {
      if (!cell->fiber)
        return fn(ExitReason::exception(
            std::make_exception_ptr(ActorDead("grove: actor '" + cell->name + "' does not exist (noproc)"))));
      (void)grove::monitor(cell->fiber, [fn = std::move(fn)](const Down& d) { fn(d.reason); });
    });
  };
  hooks.take_exit = [cell, on_hub](const ExitReason& reason, const std::string& from) {
    on_hub([cell, reason, from] {
      Fiber<> f = cell->fiber;
      if (!f || f.dead()) return;
      if (grove::traps_exits(f))
        cell->mailbox.signal(SystemSignal{SystemSignal::Kind::exit, Fiber<>{}, reason, 0, from});
      else if (reason.is_abnormal()) f.kill_with(std::make_exception_ptr(FiberExit(reason)), false);
    });
  };
  const std::uint64_t actor = export_actor(cell, ref.name(), detail::signature<M>(), std::move(hooks));
  return RemoteRef<M>(detail::RefKey{id(), incarnation(), actor, ref.name()});
}

template <Encodable N, class M>
void Node::link(const ActorRef<N>& local, const RemoteRef<M>& remote) {
  if (!remote) throw UsageError("grove::cluster::Node::link: empty RemoteRef");
  link_actor(expose(local).actor_id(), remote.key());
}

template <Encodable N, class M>
bool Node::unlink(const ActorRef<N>& local, const RemoteRef<M>& remote) {
  if (!local || !remote) return false;
  return unlink_actor(expose(local).actor_id(), remote.key());
}

template <Encodable M>
void Node::register_global(const std::string& name, const ActorRef<M>& ref) {
  if (name.empty()) throw UsageError("grove::cluster::Node::register_global: the name is empty");
  if (!ref || !ref.alive())
    throw UsageError("grove::cluster::Node::register_global('" + name + "'): the actor is empty or has stopped");
  const RemoteRef<M> remote = expose(ref);
  bind_global(name, remote.actor_id());
}

template <Encodable M>
std::optional<RemoteRef<M>> Node::whereis_global(const std::string& name, Deadline timeout) {
  std::optional<detail::RefKey> key = find_global(name, detail::signature<M>(), timeout);
  if (!key) return std::nullopt;
  return RemoteRef<M>(std::move(*key));
}

}  // namespace grove::cluster
