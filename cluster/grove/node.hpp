#pragma once
// node.hpp — grove::cluster::Node: this process's (this hub's) place in a
// cluster of grove processes joined through a NATS server
// (docs/cluster.md).
//
//   grove::cluster::Node node({.url = "nats://127.0.0.1:4222", .node_id = "A"});
//   auto bank = grove::spawn_actor<Bank>();
//   node.register_global("bank", bank);                 // found from any node
//   // on another node:
//   auto bank = node.whereis_global<BankMsg>("bank");    // optional<RemoteRef<BankMsg>>
//   bank->send(Deposit{100});
//   int balance = bank->ask<int>(Balance{}).get();
//
// Contract. A Node lives on the hub (OS thread) that made it, one Node per
// hub; its methods belong to that thread. RemoteRefs send and ask through
// the calling hub's Node, or from another hub of a grove::Runtime through
// the Runtime's first Node (UsageError when there is none). One NATS connection per Node; nats.c's
// threads only copy what arrives and post it into the hub, so user code
// never runs on them. Nodes heartbeat every `heartbeat` and a node not heard
// from for `down_after` is down: monitors of its actors get
// Down{NoConnection}, asks to it fail with NoConnection, sends to it are dead
// letters (unreachable). Reconnects to the NATS server are automatic and
// counted (stats()).

#include <grove/actor_ref.hpp>
#include <grove/cluster_errors.hpp>
#include <grove/codec.hpp>
#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/links.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grove::detail {
class ReplyPtr;
}

namespace grove::cluster {

using namespace std::chrono_literals;

struct NodeOptions {
  // url: the NATS server(s), as nats.c takes them ("nats://host:port",
  // comma-separated for several).
  std::string url = "nats://127.0.0.1:4222";
  // node_id: this node's name, unique in the cluster: letters, digits, '-'
  // and '_' only (it is part of NATS subjects).
  std::string node_id;
  // Credentials, as nats.c takes them: user/password, a token, or a .creds
  // file (JWT + NKey); empty: none.
  std::string user{};
  std::string password{};
  std::string token{};
  std::string credentials_file{};
  // TLS: on when tls is set or any file is given (PEM paths).
  bool tls = false;
  std::string ca_file{};
  std::string cert_file{};
  std::string key_file{};
  // Failure detection: heartbeat period, and silence after which a node is
  // declared down.
  Duration heartbeat = 1s;
  Duration down_after = 3s;
  Duration connect_timeout = 2s;
  Duration reconnect_wait = 100ms;
  // hold_back: how long an out-of-order arrival waits for the gap before it
  // to fill; then the gap counts as lost (dead letters, unreachable).
  Duration hold_back = 500ms;
  // max_message_bytes: the largest encoded message sent or accepted (also
  // capped by the server's max_payload).
  std::size_t max_message_bytes = std::size_t{1} << 20;
  // send_asap: each publish goes to the socket at once (nats.c's SendAsap:
  // lower latency for asks and replies); false lets nats.c buffer for
  // throughput (docs/cluster.md, "Latency or throughput").
  bool send_asap = true;
};

// NodeStats: counters since the Node started.
struct NodeStats {
  std::uint64_t sent = 0;             // messages and asks handed to NATS
  std::uint64_t received = 0;         // messages and asks that arrived for local actors
  std::uint64_t delivered = 0;        // of those, put into a local mailbox in order
  std::uint64_t duplicates = 0;       // arrivals dropped as duplicates
  std::uint64_t held_back = 0;        // arrivals held until a gap before them closed
  std::uint64_t lost = 0;             // stamps given up as lost in transit (dead letters)
  std::uint64_t undecodable = 0;      // arrivals dead-lettered as undecodable
  std::uint64_t unreachable = 0;      // sends dead-lettered as unreachable here
  std::uint64_t disconnects = 0;      // NATS connection losses
  std::uint64_t reconnects = 0;       // NATS reconnects
  std::uint64_t nodes_down = 0;       // nodes declared down
  std::uint64_t topic_published = 0;  // ClusterTopic messages published on NATS (one per publish)
  std::uint64_t topic_arrived = 0;    // ClusterTopic messages that came from other nodes over NATS
  // What the node keeps now (a node declared down leaves none behind):
  std::uint64_t in_streams = 0;   // ordered streams from other nodes (stream_order.hpp)
  std::uint64_t out_streams = 0;  // stamp counters towards remote actors
  std::uint64_t links = 0;        // links between a local and a remote actor
};

template <class M>
class RemoteRef;

namespace detail {
// Incoming is one message for an exposed actor, as it arrived.
struct Incoming {
  const nlohmann::json* message = nullptr;  // {"type","tv","body"}
  std::string reply_to;                     // empty for a send
  std::uint64_t ask_id = 0;
  std::string from_node;
};
using Deliver = std::function<void(Incoming&&)>;
// ActorHooks is what a Node needs of an exposed actor, whatever its message
// type (remote_ref.hpp's expose builds them). Each may be called on the
// node's hub; they hop to the actor's hub themselves.
struct ActorHooks {
  std::function<bool()> alive;
  Deliver deliver;
  // on_end(fn) runs fn once the actor has stopped for good.
  std::function<void(std::function<void()>)> on_end;
  // on_exit(fn) runs fn(reason), on the actor's hub, once its current
  // incarnation (fiber) ends (at once if it has).
  std::function<void(std::function<void(const ExitReason&)>)> on_exit;
  // take_exit(reason, from) is what a link does to it when its partner
  // `from` ends with reason: an ExitSignal (empty fiber) to on_exit() when
  // it traps exits, else killed with reason unless reason is normal.
  std::function<void(const ExitReason&, const std::string&)> take_exit;
};
// RefKey names an actor in the cluster.
struct RefKey {
  std::string node;
  std::uint64_t incarnation = 0;
  std::uint64_t actor = 0;
  std::string name;
};
// signature<M>() is the registered names of M's types, "a|b|c": how
// whereis_global checks the type of a name found on another node.
template <class M>
std::string signature() {
  if constexpr (grove::cluster::detail::IsVariant<M>::value) {
    return []<class... A>(std::variant<A...>*) {
      std::string s;
      ((s += (s.empty() ? "" : "|"), s += MessageTraits<A>::name), ...);
      return s;
    }(static_cast<M*>(nullptr));
  } else {
    return std::string(MessageTraits<M>::name);
  }
}
}  // namespace detail

class Node {
 public:
  // Node(options) connects to the NATS server (the calling fiber waits;
  // the hub keeps running) and joins the cluster. ClusterError when it
  // cannot connect within connect_timeout; UsageError for a bad node_id or
  // a second Node on this hub.
  explicit Node(NodeOptions options);
  // ~Node() says goodbye (peers see it down at once), fails its pending
  // asks with NoConnection and closes the connection.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // here(what) is the calling hub's Node; UsageError naming `what` if none.
  static Node& here(const char* what);
  // current() is the calling hub's Node, or null.
  static Node* current() noexcept;

  const std::string& id() const noexcept;
  // incarnation() tells this run of the node from an earlier one with the
  // same id (refs to an earlier run are refs to a down node).
  std::uint64_t incarnation() const noexcept;
  bool connected() const;
  NodeStats stats() const;
  // live_nodes() is the ids of the nodes heard from within down_after, this
  // one's included, sorted.
  std::vector<std::string> live_nodes() const;
  // wait_for_nodes(n, timeout) waits until at least n nodes are live; false
  // on timeout.
  bool wait_for_nodes(std::size_t n, Deadline timeout);

  // expose(ref) is ref's cluster-wide address (the same one each time).
  template <Encodable M>
  RemoteRef<M> expose(const ActorRef<M>& ref);

  // register_global(name, ref) binds name cluster-wide to ref (exposed);
  // UsageError when a live actor of this or another node has the name (the
  // other nodes are asked, so it waits up to name_query_timeout()). The
  // binding ends with unregister_global or the actor's stop; a node that
  // goes down takes its names with it.
  template <Encodable M>
  void register_global(const std::string& name, const ActorRef<M>& ref);
  bool unregister_global(const std::string& name);
  // whereis_global<M>(name, timeout) is the actor bound to name anywhere in
  // the cluster, or nullopt if no node answers within timeout; UsageError
  // when it takes another message type than M.
  template <Encodable M>
  std::optional<RemoteRef<M>> whereis_global(const std::string& name, Deadline timeout = 1s);

  // monitor(target, handler) calls handler(Down) on this hub once, when
  // target's node goes down (reason: NoConnection) or target ends (reason:
  // ActorDead); at once if its node is down already. The Down's fiber is
  // empty (the target lives in another process).
  template <class M>
  MonitorId monitor(const RemoteRef<M>& target, std::function<void(const Down&)> handler) {
    return monitor_key(target.key(), std::move(handler));
  }
  // monitor(target, watcher) delivers the Down to watcher's on_down().
  template <class M, class N>
  MonitorId monitor(const RemoteRef<M>& target, const ActorRef<N>& watcher) {
    return monitor_key(target.key(), [cell = watcher.cell_ptr(), name = target.name()](const Down& d) {
      cell->mailbox.signal(SystemSignal{SystemSignal::Kind::down, Fiber<>{}, d.reason, d.monitor_id, name});
    });
  }
  bool demonitor(MonitorId id);

  // link(local, remote) links a local actor with a remote one, both ways,
  // as grove::link does two fibers (links.hpp): when the remote actor's
  // current incarnation ends, local gets its exit (an ExitSignal with an
  // empty fiber when it traps exits, else it is killed unless the reason is
  // normal; a remote exception arrives as RemoteError carrying its text),
  // and when local's incarnation ends, the remote actor gets local's exit
  // there. When the remote node goes down, local gets reason NoConnection
  // (Erlang's noconnection); when this node closes, the remote actor gets
  // NoConnection. A remote actor that does not exist sends ActorDead
  // (noproc) at once. local is exposed (expose()). Linking twice is one link.
  template <Encodable N, class M>
  void link(const ActorRef<N>& local, const RemoteRef<M>& remote);
  // unlink(local, remote) removes the link on both sides; false if none.
  template <Encodable N, class M>
  bool unlink(const ActorRef<N>& local, const RemoteRef<M>& remote);

  // The Node's side of ClusterTopic (cluster_topic.hpp). join_topic(name,
  // fanout) subscribes this node to the topic's subject (once per name);
  // fanout(message) runs on this hub for each message another node
  // published (false: it did not decode; a dead letter). The node leaves
  // the subject when the last handle for the name is dropped (on this hub).
  std::shared_ptr<void> join_topic(const std::string& name, std::function<bool(const nlohmann::json&)> fanout);
  // publish_topic(name, message) is one NATS publish on the topic's subject.
  void publish_topic(const std::string& name, const nlohmann::json& message);

  // The untyped core of RemoteRef (remote_ref.hpp), on this node's hub.
  SendStatus send_encoded(const detail::RefKey& to, const nlohmann::json& message);
  void ask_encoded(const detail::RefKey& to, const nlohmann::json& message, grove::detail::ReplyPtr slot);
  // route_send / route_ask are RemoteRef's entry from any hub: the calling
  // hub's Node, else (on a hub of a grove::Runtime) the Runtime's first
  // Node, reached by posting to its hub: a send then returns delivered once
  // handed over (a refusal there is a dead letter there) and the ask's
  // outcome comes back to the calling hub. No Node: UsageError naming what.
  static SendStatus route_send(const detail::RefKey& to, nlohmann::json message, const char* what);
  static void route_ask(const detail::RefKey& to, nlohmann::json message, grove::detail::ReplyPtr slot,
                        const char* what);

  struct Impl;  // node.cpp's

 private:
  void enlist_in_domain();  // the Runtime's Node for its hubs without one (membership.cpp)
  void leave_domain() noexcept;
  std::uint64_t export_actor(std::shared_ptr<void> cell, const std::string& name, std::string signature,
                             detail::ActorHooks hooks);
  void link_actor(std::uint64_t local, const detail::RefKey& remote);
  bool unlink_actor(std::uint64_t local, const detail::RefKey& remote);
  // reply_slot(in) answers the remote ask `in` when completed.
  grove::detail::ReplyPtr reply_slot(const detail::Incoming& in);
  void undecodable(const std::string& recipient, const detail::Incoming& in, const std::string& why);
  void bind_global(const std::string& name, std::uint64_t actor);
  std::optional<nlohmann::json> find_global_remote(const std::string& name, Deadline timeout);
  std::optional<detail::RefKey> find_global(const std::string& name, const std::string& signature, Deadline timeout);
  MonitorId monitor_key(const detail::RefKey& target, std::function<void(const Down&)> handler);

  std::shared_ptr<Impl> impl_;
};

}  // namespace grove::cluster

#include <grove/remote_ref.hpp>
