// cluster_topic.cpp — the Node's side of ClusterTopic (cluster_topic.hpp;
// docs/cluster.md, "Topics across nodes"): one NATS subscription per topic
// name on this node, and one NATS publish per message. Wire, on
// grove.t.<name>: {"n":node, "i":incarnation, "msg":{type,tv,body}}.

#include "detail_node.hpp"

#include <grove/dead_letters.hpp>

namespace grove::cluster {

namespace {

void check(natsStatus s, const std::string& what) {
  if (s != NATS_OK) throw ClusterError("grove::cluster::ClusterTopic: " + what + ": " + natsStatus_GetText(s));
}

bool valid_topic(const std::string& name) {
  if (name.empty() || name.size() > 128 || name.front() == '.' || name.back() == '.') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return name.find("..") == std::string::npos;
}

void on_topic_complete(void* closure) { static_cast<Bridge*>(closure)->completions.fetch_add(1); }

}  // namespace

std::shared_ptr<void> Node::join_topic(const std::string& name, std::function<bool(const nlohmann::json&)> fanout) {
  if (!valid_topic(name))
    throw UsageError("grove::cluster::ClusterTopic: the name '" + name +
                     "' must be letters, digits, '-', '_' and single inner dots (it is part of a NATS subject)");
  Impl& m = *impl_;
  auto [it, fresh] = m.topics.try_emplace(name);
  if (fresh) {
    natsSubscription* sub = nullptr;
    const natsStatus s = natsConnection_Subscribe(&sub, m.nc, ("grove.t." + name).c_str(), on_nats_message, m.bridge);
    if (s != NATS_OK) {
      m.topics.erase(it);
      check(s, "subscribe to '" + name + "'");
    }
    m.bridge->expected.fetch_add(1);  // ~Node waits for its completion too
    check(natsSubscription_SetOnCompleteCB(sub, on_topic_complete, m.bridge), "subscribe");
    check(natsSubscription_SetPendingLimits(sub, -1, -1), "pending limits");
    it->second.sub = sub;
    // The subscription is in place on the server before the first publish
    // that follows (as the node's own subjects are).
    check(natsConnection_Flush(m.nc), "flush");
  }
  const std::uint64_t id = m.next_fanout++;
  it->second.fanouts.emplace(id, std::move(fanout));
  return std::shared_ptr<void>(nullptr, [weak = std::weak_ptr<Impl>(impl_), name, id](void*) {
    if (auto impl = weak.lock()) impl->leave_topic(name, id);
  });
}

void Node::Impl::leave_topic(const std::string& name, std::uint64_t fanout) {
  auto it = topics.find(name);
  if (it == topics.end()) return;
  it->second.fanouts.erase(fanout);
  if (!it->second.fanouts.empty()) return;
  // Its completion callback still comes (counted by ~Node).
  (void)natsSubscription_Unsubscribe(it->second.sub);
  natsSubscription_Destroy(it->second.sub);
  topics.erase(it);
}

void Node::publish_topic(const std::string& name, const nlohmann::json& message) {
  Impl& m = *impl_;
  try {
    m.publish("grove.t." + name, {{"n", m.options.node_id}, {"i", m.incarnation}, {"msg", message}});
  } catch (const NoConnection& e) {
    ++m.stats.unreachable;
    dead_letters().record(DeadLetterReason::unreachable, "topic " + name, "?", e.what());
    return;
  }
  ++m.stats.topic_published;
}

void Node::Impl::on_topic(const std::string& name, const std::string& data) {
  auto it = topics.find(name);
  if (it == topics.end()) return;  // left meanwhile
  nlohmann::json j;
  try {
    if (data.size() > max_bytes) throw DecodeError(std::to_string(data.size()) + " bytes, over the limit");
    j = nlohmann::json::parse(data);
    // The publisher's own subscribers had it directly: its echo is dropped.
    if (j.at("n").get<std::string>() == options.node_id && j.at("i").get<std::uint64_t>() == incarnation) return;
    (void)j.at("msg");
  } catch (const std::exception& e) {
    ++stats.undecodable;
    dead_letters().record(DeadLetterReason::undecodable, "topic " + name, "?", e.what());
    return;
  }
  ++stats.topic_arrived;
  // A fan-out may drop a ClusterTopic (and so this entry): iterate a copy.
  auto fanouts = it->second.fanouts;
  for (auto& [id, fanout] : fanouts) {
    if (fanout(j.at("msg"))) continue;
    ++stats.undecodable;
    dead_letters().record(DeadLetterReason::undecodable, "topic " + name, "?", "the message did not decode");
  }
}

}  // namespace grove::cluster
