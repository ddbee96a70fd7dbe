#pragma once
// cluster_topic.hpp — ClusterTopic<M>: a Topic (topic.hpp) whose
// subscribers live on any node of the cluster (docs/cluster.md, "Topics
// across nodes").
//
//   grove::cluster::ClusterTopic<News> news(node, "news");   // on every node
//   news.subscribe(reader);                 // a local ActorRef<News>
//   news.publish(News{"hello"});            // every subscriber, every node
//
// Contract. A publish is ONE NATS message on the topic's subject
// (grove.t.<name>), whatever the number of remote subscribers: NATS hands
// one copy to each node holding the topic, and that node sends it to its
// own subscribers (a local Topic). The publishing node's subscribers get
// it directly, without NATS. Every subscriber gets one publisher's
// messages in the order published; delivery across nodes is at most once
// (NATS core: a message published while a node is disconnected from the
// server does not reach it). A node receives the topic's messages while
// it holds a ClusterTopic of that name (copies share one subscription).
// Use it on its Node's hub; M is registered with GROVE_MESSAGE.

#include <grove/node.hpp>
#include <grove/topic.hpp>

#include <memory>
#include <string>
#include <utility>

namespace grove::cluster {

template <Encodable M>
class ClusterTopic {
 public:
  // ClusterTopic(node, name): name is letters, digits, '-', '_' and '.'
  // (it is part of a NATS subject); UsageError otherwise.
  ClusterTopic(Node& node, std::string name) : node_(&node), state_(std::make_shared<State>()) {
    state_->name = std::move(name);
    state_->handle = node.join_topic(state_->name, [local = state_->local](const nlohmann::json& message) mutable {
      std::optional<M> m;
      try {
        m.emplace(decode<M>(message));
      } catch (const DecodeError&) {
        return false;  // the Node dead-letters it as undecodable
      }
      (void)local.publish(*m);
      return true;
    });
  }

  const std::string& name() const noexcept { return state_->name; }

  // subscribe / unsubscribe a local actor (as Topic's).
  bool subscribe(ActorRef<M> ref) { return state_->local.subscribe(std::move(ref)); }
  bool unsubscribe(const ActorRef<M>& ref) { return state_->local.unsubscribe(ref); }
  // size() is this node's live subscribers.
  std::size_t size() const { return state_->local.size(); }

  // publish(msg) sends msg to this node's subscribers and publishes it
  // once on NATS for the other nodes'; returns the local deliveries.
  // MessageTooLarge when it exceeds the size limit (nothing sent anywhere);
  // a publish while the node is disconnected is buffered by nats.c (as a
  // send) or, when that fails, counted as a dead letter (unreachable).
  std::size_t publish(const M& msg) {
    node_->publish_topic(state_->name, encode(msg));
    return state_->local.publish(msg);
  }

 private:
  struct State {
    std::string name;
    Topic<M> local;
    std::shared_ptr<void> handle;  // the Node's registration: leaves the topic when the last copy goes
  };
  Node* node_;
  std::shared_ptr<State> state_;
};

}  // namespace grove::cluster
