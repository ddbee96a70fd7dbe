// membership.cpp — heartbeats and failure detection, monitors of remote
// actors, and cluster-wide names (docs/cluster.md). On grove.all:
//   {"k":"hb", "n", "i", "streams":[[node, inc, actor, last_seq], ...]}   every heartbeat
//   {"k":"bye", "n", "i"}                                                 a node leaving
//   {"k":"q", "n", "name", "q":id}  (reply subject: the asker's)          a name query
// and to one node: {"k":"mon","actor","mid"} (watch an actor) and
// {"k":"down","mid","why"} (it ended).

#include "detail_node.hpp"

#include <grove/actor_errors.hpp>
#include <grove/log.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

namespace grove::cluster {

namespace {
constexpr auto kNameQueryTimeout = std::chrono::milliseconds(250);

std::exception_ptr noconnection(const std::string& node, const std::string& why) {
  return std::make_exception_ptr(NoConnection("grove::cluster: node '" + node + "' is down (noconnection): " + why));
}
}  // namespace

void Node::Impl::heartbeat() {
  nlohmann::json streams = nlohmann::json::array();
  for (auto& [key, out] : out_streams) {
    if (out.touched == 0) continue;
    --out.touched;
    streams.push_back({out.node, out.incarnation, out.actor, out.seq});
  }
  last_heartbeat = grove::detail::scheduler().now();
  try {
    publish("grove.all", {{"k", "hb"}, {"n", options.node_id}, {"i", incarnation}, {"streams", std::move(streams)}});
  } catch (const Error& e) {
    grove::logger()->debug("grove::cluster: heartbeat not sent: {}", e.what());
  }
}

void Node::Impl::tick() {
  const TimePoint now = grove::detail::scheduler().now();
  if (now - last_heartbeat >= options.heartbeat) heartbeat();
  // A peer is silent only if this hub has handled every grove.all message
  // nats.c has taken in: a heartbeat still queued here (the hub busy with
  // a flood of messages) is not a silence.
  std::vector<std::pair<std::string, std::uint64_t>> silent;
  if (all_handled >= taken_in(sub_all))
    for (const auto& [node, peer] : peers)
      if (now - peer.last_seen > options.down_after) silent.emplace_back(node, peer.incarnation);
  for (const auto& [node, inc] : silent) node_down(node, inc, "no heartbeat within down_after");
  // Gaps: a stream that held messages for hold_back, or whose sender says
  // it sent stamps never seen, gives them up as lost.
  std::vector<Pending> out;
  for (auto& entry : in_streams) {
    InStream& s = entry.second;
    if (s.order.holding() && now - s.held_since >= options.hold_back) release_held(s, s.order.skip_gap(out), out);
    if (s.claimed_last != 0 && self_handled < s.claimed_mark) s.claimed_at = now;  // still queued here
    if (s.claimed_last != 0 && now - s.claimed_at >= options.hold_back) {
      const std::uint64_t last = std::exchange(s.claimed_last, 0);
      release_held(s, s.order.skip_to(last, out), out);
    }
  }
  std::erase_if(in_streams, [&](const auto& kv) {
    const InStream& s = kv.second;
    return s.closing && !s.order.holding() && s.claimed_last == 0 && now - s.last_arrival >= options.hold_back;
  });
  // Slow-consumer drops nats.c reported are dead letters too.
  const std::uint64_t dropped = bridge->dropped.load();
  for (; accounted_drops < dropped; ++accounted_drops) {
    ++stats.lost;
    dead_letters().record(DeadLetterReason::unreachable, options.node_id, "?", "dropped by nats.c (slow consumer)");
  }
  std::erase_if(asks, [](const auto& kv) { return kv.second.slot->done.load(); });
}

void Node::Impl::on_all(const std::string& data, const std::string& reply) {
  ++all_handled;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(data);
    const std::string kind = j.at("k").get<std::string>();
    const std::string node = j.at("n").get<std::string>();
    if (node == options.node_id) return;
    if (kind == "q") {
      auto it = names.find(j.at("name").get<std::string>());
      if (it == names.end() || reply.empty()) return;
      auto ex = exported.find(it->second);
      if (ex == exported.end() || !ex->second.hooks.alive()) return;
      publish(reply,
              {{"k", "a"},
               {"q", j.at("q")},
               {"sig", ex->second.signature},
               {"ref",
                {{"node", options.node_id}, {"inc", incarnation}, {"actor", it->second}, {"name", ex->second.name}}}});
      return;
    }
    const std::uint64_t inc = j.at("i").get<std::uint64_t>();
    if (kind == "bye") return node_down(node, inc, "it left the cluster");
    if (kind != "hb") return;
    auto [it, joined] = peers.try_emplace(node, Peer{inc, {}});
    if (!joined && it->second.incarnation != inc) {
      if (inc < it->second.incarnation) return;  // a late heartbeat of an earlier run
      node_down(node, it->second.incarnation, "it restarted");
      it = peers.try_emplace(node, Peer{inc, {}}).first;
      joined = true;
    }
    it->second.last_seen = grove::detail::scheduler().now();
    if (joined) {
      if (down.erase({node, inc}) != 0) {  // back after a false alarm: its streams stay open
        const std::string prefix = node + "/" + std::to_string(inc) + "/";
        for (auto s = in_streams.lower_bound(prefix); s != in_streams.end() && s->first.starts_with(prefix); ++s)
          s->second.closing = false;
      }
      membership.set();
      grove::logger()->info("grove::cluster: node '{}' sees node '{}' up", options.node_id, node);
    }
    for (const auto& s : j.at("streams")) {
      if (s.at(0).get<std::string>() != options.node_id || s.at(1).get<std::uint64_t>() != incarnation) continue;
      InStream& in = in_streams[stream_key(node, inc, s.at(2).get<std::uint64_t>())];
      in.actor = s.at(2).get<std::uint64_t>();
      const auto last = s.at(3).get<std::uint64_t>();
      if (last >= in.order.next() && last > in.claimed_last) {
        in.claimed_last = last;
        in.claimed_at = grove::detail::scheduler().now();
        in.claimed_mark = taken_in(sub_self);
      }
    }
  } catch (const std::exception& e) {
    ++stats.undecodable;
    dead_letters().record(DeadLetterReason::undecodable, "grove.all", "?", e.what());
  }
}

void Node::Impl::node_down(const std::string& node, std::uint64_t inc, const std::string& why) {
  if (!down.insert({node, inc}).second) return;
  if (auto it = peers.find(node); it != peers.end() && it->second.incarnation == inc) peers.erase(it);
  ++stats.nodes_down;
  membership.set();
  grove::logger()->warn("grove::cluster: node '{}' declares node '{}' down: {}", options.node_id, node, why);
  forget_streams(node, inc);
  links_down(node, inc);
  for (auto it = asks.begin(); it != asks.end();) {
    if (it->second.node == node && it->second.incarnation == inc) {
      it->second.slot->error(noconnection(node, why));
      it = asks.erase(it);
    } else {
      ++it;
    }
  }
  std::vector<std::pair<MonitorId, std::function<void(const Down&)>>> fire;
  for (auto it = monitors.begin(); it != monitors.end();) {
    if (it->second.target.node == node && it->second.target.incarnation == inc) {
      fire.emplace_back(it->first, std::move(it->second.handler));
      it = monitors.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [id, handler] : fire) handler(Down{Fiber<>{}, ExitReason::exception(noconnection(node, why)), id});
}

std::uint64_t Node::Impl::taken_in(natsSubscription* sub) {
  int pending = 0;
  int64_t delivered = 0;
  int64_t dropped = 0;
  if (natsSubscription_GetStats(sub, &pending, nullptr, nullptr, nullptr, &delivered, &dropped) != NATS_OK) return 0;
  // Each delivered one is one on_self here (dropped ones never are).
  return static_cast<std::uint64_t>(delivered) + static_cast<std::uint64_t>(pending);
}

// heard_of(node, inc) makes a node this one learnt of (a name's answer, a
// monitor's or link's target) a peer if its heartbeat has not made it one
// yet: a node killed before its first heartbeat arrives is still declared
// down, down_after from now.
void Node::Impl::heard_of(const std::string& node, std::uint64_t inc) {
  if (node == options.node_id || is_down(node, inc) || peers.count(node)) return;
  peers.emplace(node, Peer{inc, grove::detail::scheduler().now()});
  membership.set();
}

// forget_streams(node, inc) frees the ordering state of a node declared
// down: its stamp counters at once; its incoming streams once they are
// settled and idle (tick(): nothing held back, no announced stamp
// outstanding, nothing arrived for hold_back), so
// that what it sent before it left — its goodbye travels on another
// subscription and may overtake its last messages — is still delivered in
// order. Arrivals from it with no stream left are dead letters (on_message).
void Node::Impl::forget_streams(const std::string& node, std::uint64_t inc) {
  const std::string prefix = node + "/" + std::to_string(inc) + "/";
  for (auto it = in_streams.lower_bound(prefix); it != in_streams.end() && it->first.starts_with(prefix); ++it)
    it->second.closing = true;
  std::erase_if(out_streams, [&](const auto& kv) { return kv.second.node == node && kv.second.incarnation == inc; });
}

std::vector<std::string> Node::Impl::live() const {
  std::vector<std::string> ids{options.node_id};
  for (const auto& [node, peer] : peers) ids.push_back(node);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void Node::Impl::watch(std::uint64_t actor, std::uint64_t mid, const std::string& watcher) {
  auto tell = [this, mid, watcher](const std::string& why) {
    try {
      publish(watcher, {{"k", "down"}, {"mid", mid}, {"why", why}});
    } catch (const Error& e) {
      grove::logger()->warn("grove::cluster: a Down for a remote monitor was lost: {}", e.what());
    }
  };
  auto it = exported.find(actor);
  if (it == exported.end() || !it->second.hooks.alive()) return tell("the actor does not exist (noproc)");
  it->second.hooks.on_end([hub = bridge->hub, weak = weak_from_this(), tell_to = watcher, mid] {
    (void)hub.post([weak, tell_to, mid] {
      if (auto m = weak.lock()) {
        try {
          m->publish(tell_to, {{"k", "down"}, {"mid", mid}, {"why", "the actor stopped"}});
        } catch (const Error&) {
        }
      }
    });
  });
}

void Node::Impl::remote_down(std::uint64_t mid, const std::string& why) {
  auto it = monitors.find(mid);
  if (it == monitors.end()) return;
  auto handler = std::move(it->second.handler);
  const std::string name = it->second.target.name;
  monitors.erase(it);
  handler(Down{Fiber<>{},
               ExitReason::exception(std::make_exception_ptr(ActorDead("grove: actor '" + name + "': " + why))), mid});
}

MonitorId Node::monitor_key(const detail::RefKey& target, std::function<void(const Down&)> handler) {
  Impl& m = *impl_;
  if (!handler) throw UsageError("grove::cluster::Node::monitor: the handler is empty");
  const MonitorId id = m.next_monitor++;
  if (m.is_down(target.node, target.incarnation)) {
    handler(Down{Fiber<>{}, ExitReason::exception(noconnection(target.node, "down before the monitor")), id});
    return id;
  }
  m.heard_of(target.node, target.incarnation);
  m.monitors.emplace(id, Impl::Monitor{target, std::move(handler)});
  try {
    m.publish("grove.n." + target.node + "." + std::to_string(target.incarnation),
              {{"k", "mon"}, {"actor", target.actor}, {"mid", id}, {"reply", m.self_subject}});
  } catch (const Error& e) {
    grove::logger()->warn("grove::cluster: monitor of '{}' sees node-down only: {}", target.name, e.what());
  }
  return id;
}

bool Node::demonitor(MonitorId id) { return impl_->monitors.erase(id) != 0; }

std::vector<std::string> Node::live_nodes() const { return impl_->live(); }

bool Node::wait_for_nodes(std::size_t n, Deadline timeout) {
  const TimePoint deadline = timeout.time_point("Node::wait_for_nodes");
  while (impl_->live().size() < n) {
    impl_->membership.clear();
    if (impl_->live().size() >= n) break;
    if (!impl_->membership.wait(deadline)) return impl_->live().size() >= n;
  }
  return true;
}

void Node::bind_global(const std::string& name, std::uint64_t actor) {
  Impl& m = *impl_;
  if (auto it = m.names.find(name); it != m.names.end() && it->second != actor) {
    auto ex = m.exported.find(it->second);
    if (ex != m.exported.end() && ex->second.hooks.alive())
      throw UsageError("grove::cluster::Node::register_global('" + name + "'): bound to '" + ex->second.name +
                       "' on this node already; unregister_global it first");
  }
  if (auto other = find_global_remote(name, kNameQueryTimeout))
    throw UsageError("grove::cluster::Node::register_global('" + name + "'): bound on node '" +
                     other->at("ref").at("node").get<std::string>() + "' already");
  m.names[name] = actor;
}

bool Node::unregister_global(const std::string& name) { return impl_->names.erase(name) != 0; }

std::optional<nlohmann::json> Node::find_global_remote(const std::string& name, Deadline timeout) {
  Impl& m = *impl_;
  const std::uint64_t q = m.next_query++;
  AsyncResult<nlohmann::json> answer;
  m.queries.emplace(q, answer);
  try {
    m.publish("grove.all", {{"k", "q"}, {"n", m.options.node_id}, {"name", name}, {"q", q}}, m.self_subject);
  } catch (...) {
    m.queries.erase(q);
    throw;
  }
  const bool got = answer.wait(timeout);
  m.queries.erase(q);
  if (!got) return std::nullopt;
  return answer.get();
}

std::optional<detail::RefKey> Node::find_global(const std::string& name, const std::string& signature,
                                                Deadline timeout) {
  Impl& m = *impl_;
  auto mismatch = [&](const std::string& node, const std::string& theirs) {
    return UsageError("grove::cluster::Node::whereis_global('" + name + "'): the actor on node '" + node + "' takes [" +
                      theirs + "], not [" + signature + "]");
  };
  if (auto it = m.names.find(name); it != m.names.end()) {
    const auto& ex = m.exported.at(it->second);
    if (ex.hooks.alive()) {
      if (ex.signature != signature) throw mismatch(m.options.node_id, ex.signature);
      return detail::RefKey{m.options.node_id, m.incarnation, it->second, ex.name};
    }
    m.names.erase(it);
  }
  std::optional<nlohmann::json> a = find_global_remote(name, timeout);
  if (!a) return std::nullopt;
  const auto& ref = a->at("ref");
  if (a->at("sig").get<std::string>() != signature)
    throw mismatch(ref.at("node").get<std::string>(), a->at("sig").get<std::string>());
  return detail::RefKey{ref.at("node").get<std::string>(), ref.at("inc").get<std::uint64_t>(),
                        ref.at("actor").get<std::uint64_t>(), ref.at("name").get<std::string>()};
}

// ------------------------------------------ RemoteRef from any hub

namespace {

// DomainNode is a Runtime's first Node, for the hubs that have none.
struct DomainNode {
  std::mutex mutex;
  grove::detail::HubAddress hub;
  std::weak_ptr<Node::Impl> impl;
  Node* node = nullptr;
};
constexpr char kDomainNodeKey = 0;

std::shared_ptr<DomainNode> domain_node(grove::detail::HubDomain& d) {
  return std::static_pointer_cast<DomainNode>(
      d.state(&kDomainNodeKey, [] { return std::static_pointer_cast<void>(std::make_shared<DomainNode>()); }));
}

// far_node(what) is the Runtime's Node as seen from a hub without one.
std::shared_ptr<DomainNode> far_node(const char* what) {
  if (grove::detail::HubDomain* d = grove::detail::tls_domain_hub.domain) {
    auto dn = domain_node(*d);
    std::lock_guard lock(dn->mutex);
    if (dn->node) return dn;
  }
  (void)Node::here(what);  // throws the UsageError
  return nullptr;
}

// serving(dn) is the domain's Node, on its hub (null once it has closed).
Node* serving(DomainNode& dn) {
  std::lock_guard lock(dn.mutex);
  return dn.node;
}

// check_size(dn, message) is the size limit, checked on the calling hub
// (MessageTooLarge: nothing is posted).
void check_size(DomainNode& dn, const nlohmann::json& message) {
  std::size_t limit = 0;
  {
    std::lock_guard lock(dn.mutex);
    auto impl = dn.impl.lock();
    if (!impl) return;  // closing: the post finds no Node
    limit = impl->max_bytes;
  }
  if (message.dump().size() > limit)
    throw MessageTooLarge("grove::cluster: a message exceeds the limit of " + std::to_string(limit) +
                          " bytes (NodeOptions::max_message_bytes or the server's max_payload)");
}

}  // namespace

void Node::enlist_in_domain() {
  if (grove::detail::HubDomain* d = grove::detail::tls_domain_hub.domain) {
    auto dn = domain_node(*d);
    std::lock_guard lock(dn->mutex);
    if (!dn->node) {
      dn->node = this;
      dn->hub = impl_->bridge->hub;
      dn->impl = impl_;
    }
  }
}

void Node::leave_domain() noexcept {
  if (grove::detail::HubDomain* d = grove::detail::tls_domain_hub.domain) {
    auto dn = domain_node(*d);
    std::lock_guard lock(dn->mutex);
    if (dn->node == this) dn->node = nullptr;
  }
}

SendStatus Node::route_send(const detail::RefKey& to, nlohmann::json message, const char* what) {
  if (Node* here = Node::current()) return here->send_encoded(to, message);
  auto dn = far_node(what);
  check_size(*dn, message);
  const bool posted = dn->hub.post([dn, to, message = std::move(message)] {
    if (Node* n = serving(*dn)) (void)n->send_encoded(to, message);
  });
  if (posted) return SendStatus::delivered;
  dead_letters().record(DeadLetterReason::unreachable, to.name, "?", "the Node's hub has stopped");
  return SendStatus::dead;
}

void Node::route_ask(const detail::RefKey& to, nlohmann::json message, grove::detail::ReplyPtr slot, const char* what) {
  if (Node* here = Node::current()) return here->ask_encoded(to, message, std::move(slot));
  auto dn = far_node(what);
  check_size(*dn, message);
  // The node's hub answers a proxy slot; its outcome is posted back here,
  // where the caller's slot (its AsyncResult, its timer) lives.
  auto proxy = grove::detail::ReplyPtr::make();
  const auto origin = grove::detail::HubAddress::here();
  proxy->deliver = [origin, slot](std::any&& value) {
    (void)origin.post([slot, value = std::move(value)]() mutable { slot->reply(std::move(value)); });
  };
  proxy->fail = [origin, slot](std::exception_ptr e) { (void)origin.post([slot, e] { slot->error(e); }); };
  const bool posted = dn->hub.post([dn, to, message = std::move(message), proxy] {
    if (Node* n = serving(*dn)) n->ask_encoded(to, message, proxy);
    else proxy->error(std::make_exception_ptr(NoConnection("grove::cluster: the Node has closed")));
  });
  if (!posted) slot->error(std::make_exception_ptr(NoConnection("grove::cluster: the Node's hub has stopped")));
}

}  // namespace grove::cluster
