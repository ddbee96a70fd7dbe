#pragma once
// detail_node.hpp — Node::Impl, shared by node.cpp (connection, messages)
// and membership.cpp (heartbeats, failure detection, monitors, names).
// Everything in Impl but Bridge's atomics belongs to the node's hub thread.

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/node.hpp>
#include <grove/detail/actor_cell.hpp>
#include <grove/detail/hub_domain.hpp>
#include <grove/detail/stream_order.hpp>

#include <nats/nats.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace grove::cluster {

// Bridge is the closure nats.c's callbacks get: they run on nats.c's
// threads and only copy what arrived and post it into the node's hub. It
// outlives the connection: the Node frees it once nats.c has called every
// completion callback (closed, and one per subscription).
struct Bridge {
  grove::detail::HubAddress hub;
  std::weak_ptr<Node::Impl> impl;
  std::atomic<int> completions{0};
  std::atomic<int> expected{3};  // completions to wait for: closed, grove.all, self, one per topic subscription
  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> disconnects{0};
  std::atomic<std::uint64_t> reconnects{0};
  std::atomic<std::uint64_t> dropped{0};  // slow-consumer drops reported by nats.c
};

// Pending is one arrival filed in its stream (stream_order.hpp).
struct Pending {
  nlohmann::json message;
  std::string reply_to;
  std::uint64_t ask_id = 0;
  std::string from_node;
  std::uint64_t actor = 0;
};

struct Node::Impl : std::enable_shared_from_this<Node::Impl> {
  struct Exported {
    std::string name;
    std::string signature;
    detail::ActorHooks hooks;
  };
  // Link is one link between a local actor and a remote one (remote_links.cpp),
  // kept on both nodes.
  struct Link {
    std::uint64_t actor = 0;  // the local actor
    std::string node;         // the remote one: its node, incarnation, id and name
    std::uint64_t incarnation = 0;
    std::uint64_t peer = 0;
    std::string peer_name;
  };
  // TopicSub is this node's subscription to one ClusterTopic's subject
  // (cluster_topic.cpp): the local fan-outs of its ClusterTopic handles.
  struct TopicSub {
    natsSubscription* sub = nullptr;
    std::map<std::uint64_t, std::function<bool(const nlohmann::json&)>> fanouts;
  };
  struct InStream {
    detail::StreamOrder<Pending> order;
    std::uint64_t actor = 0;  // the local actor it feeds
    TimePoint held_since{};
    std::uint64_t claimed_last = 0;  // the sender's heartbeat says it sent up to this
    TimePoint claimed_at{};
    // claimed_mark: how many messages of this node's own subject nats.c had
    // taken in when the claim was handled; the claim's hold_back runs only
    // once the hub has handled that many (the stamps it names are not
    // still queued here: under load, a backlog must not pass for a loss).
    std::uint64_t claimed_mark = 0;
    bool closing = false;  // its node is down: freed once settled and idle (membership.cpp, forget_streams)
    TimePoint last_arrival{};
  };
  struct OutStream {
    std::string node;
    std::uint64_t incarnation = 0;
    std::uint64_t actor = 0;
    std::uint64_t seq = 0;
    int touched = 0;  // heartbeats still to announce seq in
  };
  struct Ask {
    grove::detail::ReplyPtr slot;
    std::string node;
    std::uint64_t incarnation = 0;
  };
  struct Peer {
    std::uint64_t incarnation = 0;
    TimePoint last_seen{};
  };
  struct Monitor {
    detail::RefKey target;
    std::function<void(const Down&)> handler;
  };

  NodeOptions options;
  std::uint64_t incarnation = 0;
  std::string self_subject;  // grove.n.<id>.<incarnation>: messages, replies, answers
  std::size_t max_bytes = 0;
  natsOptions* nopts = nullptr;
  natsConnection* nc = nullptr;
  natsSubscription* sub_self = nullptr;
  natsSubscription* sub_all = nullptr;
  Bridge* bridge = nullptr;
  NodeStats stats;
  Fiber<> ticker;
  Event membership;  // set when a node joins or goes down
  TimePoint last_heartbeat{};
  std::uint64_t accounted_drops = 0;
  std::uint64_t self_handled = 0;  // messages of the own subject handled here (on_self)
  std::uint64_t all_handled = 0;   // messages of grove.all handled here (on_all)

  std::unordered_map<std::uint64_t, Exported> exported;
  std::unordered_map<const void*, std::uint64_t> exported_by_cell;
  std::unordered_map<std::uint64_t, std::shared_ptr<void>> exported_cells;
  std::uint64_t next_actor = 1;
  std::map<std::string, OutStream> out_streams;
  std::map<std::string, InStream> in_streams;
  std::unordered_map<std::uint64_t, Ask> asks;
  std::uint64_t next_ask = 1;
  std::map<std::string, Peer> peers;
  std::set<std::pair<std::string, std::uint64_t>> down;
  std::map<MonitorId, Monitor> monitors;
  MonitorId next_monitor = 1;
  std::map<std::string, std::uint64_t> names;
  std::vector<Link> links;
  std::map<std::string, TopicSub> topics;
  std::uint64_t next_fanout = 1;
  std::unordered_map<std::uint64_t, AsyncResult<nlohmann::json>> queries;
  std::uint64_t next_query = 1;

  // node.cpp
  void publish(const std::string& subject, const nlohmann::json& j, const std::string& reply = {});
  void on_self(const std::string& data, const std::string& reply);
  void on_message(const nlohmann::json& j, const std::string& reply);
  void deliver_local(Pending& p);
  void answer(const std::string& reply_to, std::uint64_t ask_id, const nlohmann::json& body);
  void fail_remote_ask(const std::string& reply_to, std::uint64_t ask_id, const std::string& kind,
                       const std::string& what);
  void release_held(InStream& s, std::uint64_t lost, std::vector<Pending>& out);
  std::string actor_name(std::uint64_t actor) const;
  void forget(std::uint64_t actor);
  bool is_down(const std::string& node, std::uint64_t inc) const { return down.count({node, inc}) != 0; }

  // membership.cpp
  void on_all(const std::string& data, const std::string& reply);
  void tick();
  void heartbeat();
  void node_down(const std::string& node, std::uint64_t inc, const std::string& why);
  std::vector<std::string> live() const;
  void watch(std::uint64_t actor, std::uint64_t mid, const std::string& watcher);
  void remote_down(std::uint64_t mid, const std::string& why);
  void forget_streams(const std::string& node, std::uint64_t inc);
  // taken_in(sub) is nats.c's count of a subscription's messages: delivered
  // (each one posted here) + queued.
  static std::uint64_t taken_in(natsSubscription* sub);
  void heard_of(const std::string& node, std::uint64_t inc);

  // remote_links.cpp
  void on_link_message(const std::string& kind, const nlohmann::json& j);
  void add_link(Link link);
  void links_down(const std::string& node, std::uint64_t inc);

  // cluster_topic.cpp
  void on_topic(const std::string& name, const std::string& data);
  void leave_topic(const std::string& name, std::uint64_t fanout);
};

// on_nats_message is nats.c's message callback for every subscription
// (node.cpp): it copies the message and posts it into the node's hub.
void on_nats_message(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);

// A stream's last stamp is announced in this many heartbeats after its
// last send (one lost heartbeat does not hide a lost tail).
inline constexpr int kTouchedHeartbeats = 3;

// stream_key(node, inc, actor) names one ordered stream.
inline std::string stream_key(const std::string& node, std::uint64_t inc, std::uint64_t actor) {
  return node + "/" + std::to_string(inc) + "/" + std::to_string(actor);
}

}  // namespace grove::cluster
