// node.cpp — Node's NATS connection, the wire envelope, sends, asks and
// arrivals (docs/cluster.md). Heartbeats, monitors and names are in
// membership.cpp.
//
// Wire (JSON on NATS): to grove.n.<node>.<incarnation>
//   {"k":"m", "to":actor, "seq":n, "from":{"n","i","s"}, "msg":{type,tv,body}, "ask":id?}  (reply subject: the
//   sender's)
//   {"k":"r", "ask":id, "ok":{type,tv,body}} | {"k":"r", "ask":id, "err":{"kind","what"}}
//   {"k":"a", "q":id, "ref":{...}, "sig":"..."}                         (an answer to a name query)
// and to grove.all: heartbeats, goodbyes and name queries (membership.cpp).

#include "detail_node.hpp"

#include <grove/actor_errors.hpp>
#include <grove/log.hpp>
#include <grove/this_fiber.hpp>
#include <grove/thread_pool.hpp>
#include <grove/timeout.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <random>

namespace grove::cluster {

namespace {

thread_local Node* tls_node = nullptr;

void check(natsStatus s, const char* what) {
  if (s != NATS_OK) throw ClusterError(std::string("grove::cluster::Node: ") + what + ": " + natsStatus_GetText(s));
}

std::int64_t millis(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

// on_nats_message runs on a nats.c thread: copy, post into the hub, return.
void on_nats_message(natsConnection* /*nc*/, natsSubscription* sub, natsMsg* msg, void* closure) {
  auto* bridge = static_cast<Bridge*>(closure);
  std::string data(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  std::string reply = natsMsg_GetReply(msg) ? natsMsg_GetReply(msg) : "";
  const std::string_view subject = natsMsg_GetSubject(msg);
  const bool all = subject == "grove.all";
  // A ClusterTopic's subject, grove.t.<name>: the name (else empty).
  std::string topic = subject.starts_with("grove.t.") ? std::string(subject.substr(8)) : std::string();
  natsMsg_Destroy(msg);
  (void)sub;
  (void)bridge->hub.post(
      [weak = bridge->impl, data = std::move(data), reply = std::move(reply), all, topic = std::move(topic)] {
        auto impl = weak.lock();
        if (!impl) return;
        if (all) impl->on_all(data, reply);
        else if (!topic.empty()) impl->on_topic(topic, data);
        else impl->on_self(data, reply);
      });
}

namespace {

void on_complete(void* closure) { static_cast<Bridge*>(closure)->completions.fetch_add(1); }
void on_closed(natsConnection* /*nc*/, void* closure) {
  auto* b = static_cast<Bridge*>(closure);
  b->closed.store(true);
  b->completions.fetch_add(1);
}
void on_disconnected(natsConnection* /*nc*/, void* closure) { static_cast<Bridge*>(closure)->disconnects.fetch_add(1); }
void on_reconnected(natsConnection* /*nc*/, void* closure) { static_cast<Bridge*>(closure)->reconnects.fetch_add(1); }
void on_error(natsConnection* /*nc*/, natsSubscription* sub, natsStatus err, void* closure) {
  if (err == NATS_SLOW_CONSUMER && sub) {
    int64_t dropped = 0;
    (void)natsSubscription_GetDropped(sub, &dropped);
    static_cast<Bridge*>(closure)->dropped.store(static_cast<std::uint64_t>(dropped));
  }
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

std::string type_of(const nlohmann::json& msg) {
  if (msg.is_object() && msg.contains("type") && msg["type"].is_string()) return msg["type"].get<std::string>();
  return "?";
}

}  // namespace

Node::Node(NodeOptions options) : impl_(std::make_shared<Impl>()) {
  if (tls_node) throw UsageError("grove::cluster::Node: this hub has a Node already (one Node per hub)");
  if (!valid_id(options.node_id))
    throw UsageError("grove::cluster::Node: node_id '" + options.node_id +
                     "' must be 1-64 letters, digits, '-' or '_' (it is part of NATS subjects)");
  if (options.heartbeat <= Duration::zero() || options.down_after <= options.heartbeat)
    throw UsageError("grove::cluster::Node: heartbeat must be positive and down_after longer than it");
  Impl& m = *impl_;
  m.options = std::move(options);
  m.incarnation = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) ^
                  (std::random_device{}() & 0xffffu);
  m.self_subject = "grove.n." + m.options.node_id + "." + std::to_string(m.incarnation);
  m.bridge = new Bridge{grove::detail::HubAddress::here(), impl_};
  try {
    check(natsOptions_Create(&m.nopts), "options");
    const NodeOptions& o = m.options;
    check(natsOptions_SetURL(m.nopts, o.url.c_str()), "url");
    check(natsOptions_SetName(m.nopts, ("grove-" + o.node_id).c_str()), "name");
    if (!o.user.empty()) check(natsOptions_SetUserInfo(m.nopts, o.user.c_str(), o.password.c_str()), "user");
    if (!o.token.empty()) check(natsOptions_SetToken(m.nopts, o.token.c_str()), "token");
    if (!o.credentials_file.empty())
      check(natsOptions_SetUserCredentialsFromFiles(m.nopts, o.credentials_file.c_str(), nullptr), "credentials");
    if (o.tls || !o.ca_file.empty() || !o.cert_file.empty()) check(natsOptions_SetSecure(m.nopts, true), "tls");
    if (!o.ca_file.empty()) check(natsOptions_LoadCATrustedCertificates(m.nopts, o.ca_file.c_str()), "ca_file");
    if (!o.cert_file.empty())
      check(natsOptions_LoadCertificatesChain(m.nopts, o.cert_file.c_str(), o.key_file.c_str()), "cert_file");
    check(natsOptions_SetTimeout(m.nopts, millis(o.connect_timeout)), "timeout");
    check(natsOptions_SetMaxReconnect(m.nopts, -1), "reconnect");
    check(natsOptions_SetReconnectWait(m.nopts, millis(o.reconnect_wait)), "reconnect wait");
    check(natsOptions_SetMaxPendingMsgs(m.nopts, 1 << 20), "pending");
    check(natsOptions_SetSendAsap(m.nopts, o.send_asap), "send asap");
    check(natsOptions_SetClosedCB(m.nopts, on_closed, m.bridge), "closed callback");
    check(natsOptions_SetDisconnectedCB(m.nopts, on_disconnected, m.bridge), "disconnected callback");
    check(natsOptions_SetReconnectedCB(m.nopts, on_reconnected, m.bridge), "reconnected callback");
    check(natsOptions_SetErrorHandler(m.nopts, on_error, m.bridge), "error handler");
    // The connect blocks an OS thread: a worker's, while this fiber waits.
    ThreadPool pool(1);
    natsConnection* nc = nullptr;
    const natsStatus s = pool.apply([&] { return natsConnection_Connect(&nc, m.nopts); });
    if (s != NATS_OK)
      throw ClusterError("grove::cluster::Node('" + o.node_id + "'): cannot connect to " + o.url + ": " +
                         natsStatus_GetText(s));
    m.nc = nc;
    m.max_bytes =
        std::min<std::size_t>(o.max_message_bytes, static_cast<std::size_t>(natsConnection_GetMaxPayload(m.nc)));
    check(natsConnection_Subscribe(&m.sub_self, m.nc, m.self_subject.c_str(), on_nats_message, m.bridge), "subscribe");
    check(natsSubscription_SetOnCompleteCB(m.sub_self, on_complete, m.bridge), "subscribe");
    check(natsSubscription_SetPendingLimits(m.sub_self, -1, -1), "pending limits");
    check(natsConnection_Subscribe(&m.sub_all, m.nc, "grove.all", on_nats_message, m.bridge), "subscribe");
    check(natsSubscription_SetOnCompleteCB(m.sub_all, on_complete, m.bridge), "subscribe");
    check(natsSubscription_SetPendingLimits(m.sub_all, -1, -1), "pending limits");
    check(natsConnection_Flush(m.nc), "flush");
  } catch (...) {
    if (m.nc) natsConnection_Destroy(m.nc);
    if (m.sub_self) natsSubscription_Destroy(m.sub_self);
    if (m.sub_all) natsSubscription_Destroy(m.sub_all);
    if (m.nopts) natsOptions_Destroy(m.nopts);
    // nats.c may still call the bridge if a connection was made: keep it
    // (its weak impl expires with this Node).
    if (!m.nc) delete m.bridge;
    throw;
  }
  tls_node = this;
  enlist_in_domain();
  m.heartbeat();
  m.ticker = spawn([weak = std::weak_ptr<Impl>(impl_)] {
    for (;;) {
      this_fiber::sleep(std::chrono::milliseconds(50));
      if (auto impl = weak.lock()) impl->tick();
      else return;
    }
  });
  m.ticker.set_name("grove.cluster.ticker");
}

Node::~Node() {
  Impl& m = *impl_;
  tls_node = nullptr;
  leave_domain();
  m.ticker.kill();
  try {
    // A last heartbeat names each stream's last stamp (a lost tail is
    // counted), then the goodbye.
    m.heartbeat();
    m.publish("grove.all", nlohmann::json{{"k", "bye"}, {"n", m.options.node_id}, {"i", m.incarnation}});
  } catch (...) {
  }
  (void)natsConnection_FlushTimeout(m.nc, 500);
  for (auto& [id, ask] : m.asks)
    ask.slot->error(std::make_exception_ptr(NoConnection("grove::cluster: node '" + m.options.node_id + "' closed")));
  m.asks.clear();
  // bridge->impl is never written after construction (nats.c's threads
  // copy it); what they post meanwhile finds a closing connection, whose
  // publishes fail and are handled as any failed publish.
  natsConnection_Close(m.nc);
  // Free the bridge once nats.c is done with it: closed, and both
  // subscriptions complete (a bounded wait; leaked, with a log line, if
  // nats.c is slower).
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  const int expected = m.bridge->expected.load();
  while (m.bridge->completions.load() < expected && std::chrono::steady_clock::now() < until) {
    try {
      this_fiber::sleep(std::chrono::milliseconds(5));
    } catch (...) {
      break;
    }
  }
  natsSubscription_Destroy(m.sub_self);
  natsSubscription_Destroy(m.sub_all);
  for (auto& [name, t] : m.topics) natsSubscription_Destroy(t.sub);
  m.topics.clear();
  natsConnection_Destroy(m.nc);
  natsOptions_Destroy(m.nopts);
  if (m.bridge->completions.load() >= m.bridge->expected.load()) delete m.bridge;
  else grove::logger()->warn("grove::cluster: node '{}': nats.c did not finish closing within 5 s", m.options.node_id);
}

Node& Node::here(const char* what) {
  if (!tls_node)
    throw UsageError(std::string(what) +
                     ": this hub has no grove::cluster::Node; make one first (Node{{.node_id=...}})");
  return *tls_node;
}

Node* Node::current() noexcept { return tls_node; }

const std::string& Node::id() const noexcept { return impl_->options.node_id; }
std::uint64_t Node::incarnation() const noexcept { return impl_->incarnation; }
bool Node::connected() const { return natsConnection_Status(impl_->nc) == NATS_CONN_STATUS_CONNECTED; }

NodeStats Node::stats() const {
  NodeStats s = impl_->stats;
  s.disconnects = impl_->bridge->disconnects.load();
  s.reconnects = impl_->bridge->reconnects.load();
  s.in_streams = impl_->in_streams.size();
  s.out_streams = impl_->out_streams.size();
  s.links = impl_->links.size();
  return s;
}

void Node::Impl::publish(const std::string& subject, const nlohmann::json& j, const std::string& reply) {
  const std::string data = j.dump();
  if (data.size() > max_bytes)
    throw MessageTooLarge("grove::cluster: a message of " + std::to_string(data.size()) +
                          " bytes exceeds the limit of " + std::to_string(max_bytes) +
                          " (NodeOptions::max_message_bytes or the server's max_payload)");
  const natsStatus s = reply.empty()
                           ? natsConnection_Publish(nc, subject.c_str(), data.data(), static_cast<int>(data.size()))
                           : natsConnection_PublishRequest(nc, subject.c_str(), reply.c_str(), data.data(),
                                                           static_cast<int>(data.size()));
  if (s != NATS_OK) throw NoConnection(std::string("grove::cluster: publish failed: ") + natsStatus_GetText(s));
}

// stamp(to, msg) wraps msg for `to` with the next stamp of its stream.
static nlohmann::json stamp(Node::Impl& m, const detail::RefKey& to, const nlohmann::json& message) {
  auto& out = m.out_streams[stream_key(to.node, to.incarnation, to.actor)];
  out.node = to.node;
  out.incarnation = to.incarnation;
  out.actor = to.actor;
  out.touched = kTouchedHeartbeats;
  const std::string sender = grove::detail::running_fiber_name();
  return nlohmann::json{{"k", "m"},
                        {"to", to.actor},
                        {"seq", ++out.seq},
                        {"from", {{"n", m.options.node_id}, {"i", m.incarnation}, {"s", sender}}},
                        {"msg", message}};
}

SendStatus Node::send_encoded(const detail::RefKey& to, const nlohmann::json& message) {
  Impl& m = *impl_;
  if (m.is_down(to.node, to.incarnation)) {
    ++m.stats.unreachable;
    dead_letters().record(DeadLetterReason::unreachable, to.name, type_of(message), "node '" + to.node + "' is down");
    return SendStatus::dead;
  }
  const nlohmann::json wire = stamp(m, to, message);
  try {
    m.publish("grove.n." + to.node + "." + std::to_string(to.incarnation), wire);
  } catch (const MessageTooLarge&) {
    --m.out_streams[stream_key(to.node, to.incarnation, to.actor)].seq;  // nothing left: the stamp is unused
    throw;
  } catch (const NoConnection& e) {
    --m.out_streams[stream_key(to.node, to.incarnation, to.actor)].seq;
    ++m.stats.unreachable;
    dead_letters().record(DeadLetterReason::unreachable, to.name, type_of(message), e.what());
    return SendStatus::dead;
  }
  ++m.stats.sent;
  return SendStatus::delivered;
}

void Node::ask_encoded(const detail::RefKey& to, const nlohmann::json& message, grove::detail::ReplyPtr slot) {
  Impl& m = *impl_;
  if (m.is_down(to.node, to.incarnation))
    return slot->error(std::make_exception_ptr(
        NoConnection("grove::cluster: ask to '" + to.name + "': node '" + to.node + "' is down (noconnection)")));
  nlohmann::json wire = stamp(m, to, message);
  const std::uint64_t id = m.next_ask++;
  wire["ask"] = id;
  try {
    m.publish("grove.n." + to.node + "." + std::to_string(to.incarnation), wire, m.self_subject);
  } catch (const MessageTooLarge&) {
    --m.out_streams[stream_key(to.node, to.incarnation, to.actor)].seq;
    --m.next_ask;
    throw;
  } catch (const NoConnection&) {
    --m.out_streams[stream_key(to.node, to.incarnation, to.actor)].seq;
    --m.next_ask;
    return slot->error(std::current_exception());
  }
  ++m.stats.sent;
  m.asks.emplace(id, Impl::Ask{std::move(slot), to.node, to.incarnation});
}

void Node::Impl::on_self(const std::string& data, const std::string& reply) {
  ++self_handled;
  nlohmann::json j;
  try {
    if (data.size() > max_bytes)
      throw DecodeError(std::to_string(data.size()) + " bytes, over the limit of " + std::to_string(max_bytes));
    j = nlohmann::json::parse(data);
  } catch (const std::exception& e) {
    ++stats.undecodable;
    dead_letters().record(DeadLetterReason::undecodable, options.node_id, "?", e.what());
    return;
  }
  try {
    on_message(j, reply);
  } catch (const nlohmann::json::exception& e) {
    ++stats.undecodable;
    dead_letters().record(DeadLetterReason::undecodable, options.node_id, "?",
                          std::string("malformed envelope: ") + e.what());
  }
}

void Node::Impl::on_message(const nlohmann::json& j, const std::string& reply) {
  const std::string kind = j.at("k").get<std::string>();
  if (kind == "r") {
    auto it = asks.find(j.at("ask").get<std::uint64_t>());
    if (it == asks.end()) return;  // timed out and swept
    auto slot = std::move(it->second.slot);
    asks.erase(it);
    if (j.contains("ok")) return slot->reply(std::any(j.at("ok")));
    const std::string k = j.at("err").at("kind").get<std::string>();
    const std::string what = j.at("err").at("what").get<std::string>();
    if (k == "ActorDead") return slot->error(std::make_exception_ptr(ActorDead(what)));
    if (k == "DecodeError") return slot->error(std::make_exception_ptr(DecodeError(what)));
    if (k == "NoConnection") return slot->error(std::make_exception_ptr(NoConnection(what)));
    return slot->error(std::make_exception_ptr(RemoteError(what)));
  }
  if (kind == "a") {
    heard_of(j.at("ref").at("node").get<std::string>(), j.at("ref").at("inc").get<std::uint64_t>());
    auto it = queries.find(j.at("q").get<std::uint64_t>());
    if (it != queries.end() && !it->second.ready()) it->second.set(j);
    return;
  }
  if (kind == "mon")
    return watch(j.at("actor").get<std::uint64_t>(), j.at("mid").get<std::uint64_t>(),
                 j.at("reply").get<std::string>());
  if (kind == "down") return remote_down(j.at("mid").get<std::uint64_t>(), j.at("why").get<std::string>());
  if (kind == "lnk" || kind == "xit" || kind == "unl") return on_link_message(kind, j);
  if (kind != "m") return;
  ++stats.received;
  const auto& from = j.at("from");
  const std::string key =
      stream_key(from.at("n").get<std::string>(), from.at("i").get<std::uint64_t>(), j.at("to").get<std::uint64_t>());
  auto found = in_streams.find(key);
  if (found == in_streams.end() && is_down(from.at("n").get<std::string>(), from.at("i").get<std::uint64_t>())) {
    // From a node declared down whose streams are closed (membership.cpp,
    // forget_streams): as Erlang after noconnection, nothing more from it
    // is delivered; counted (unreachable), never silent.
    ++stats.lost;
    dead_letters().record(DeadLetterReason::unreachable, actor_name(j.at("to").get<std::uint64_t>()),
                          type_of(j.at("msg")), "from node '" + from.at("n").get<std::string>() + "', declared down");
    if (j.contains("ask"))
      fail_remote_ask(reply, j.at("ask").get<std::uint64_t>(), "NoConnection", "this node declared yours down");
    return;
  }
  Pending p{j.at("msg"), j.contains("ask") ? reply : std::string(),
            j.contains("ask") ? j.at("ask").get<std::uint64_t>() : 0, from.at("n").get<std::string>(),
            j.at("to").get<std::uint64_t>()};
  InStream& s = found != in_streams.end() ? found->second : in_streams[key];
  // Any message from a node proves it alive, as a heartbeat does (Erlang's
  // net tick: a busy sender whose hub cannot heartbeat is not down).
  s.last_arrival = grove::detail::scheduler().now();
  if (auto peer = peers.find(p.from_node);
      peer != peers.end() && peer->second.incarnation == from.at("i").get<std::uint64_t>())
    peer->second.last_seen = s.last_arrival;
  s.actor = p.actor;
  std::vector<Pending> ready;
  const bool was_holding = s.order.holding();
  switch (s.order.accept(j.at("seq").get<std::uint64_t>(), std::move(p), ready)) {
    case detail::StreamOrder<Pending>::Verdict::duplicate:
      ++stats.duplicates;
      break;
    case detail::StreamOrder<Pending>::Verdict::held:
      ++stats.held_back;
      if (!was_holding) s.held_since = grove::detail::scheduler().now();
      break;
    case detail::StreamOrder<Pending>::Verdict::deliver:
      break;
  }
  if (s.order.holding() && !was_holding) s.held_since = grove::detail::scheduler().now();
  for (auto& r : ready) deliver_local(r);
}

void Node::Impl::release_held(InStream& s, std::uint64_t lost, std::vector<Pending>& out) {
  if (lost) {
    stats.lost += lost;
    const std::string name = actor_name(s.actor);
    for (std::uint64_t i = 0; i < lost; ++i)
      dead_letters().record(DeadLetterReason::unreachable, name, "?", "lost in transit (a gap in the stream's stamps)");
  }
  if (s.order.holding()) s.held_since = grove::detail::scheduler().now();
  for (auto& r : out) deliver_local(r);
  out.clear();
}

std::string Node::Impl::actor_name(std::uint64_t actor) const {
  auto it = exported.find(actor);
  return it != exported.end() ? it->second.name : "actor #" + std::to_string(actor);
}

void Node::Impl::deliver_local(Pending& p) {
  auto it = exported.find(p.actor);
  if (it == exported.end()) {
    dead_letters().record(DeadLetterReason::dead_actor, "actor #" + std::to_string(p.actor), type_of(p.message),
                          "no such actor on node '" + options.node_id + "'");
    if (!p.reply_to.empty())
      fail_remote_ask(
          p.reply_to, p.ask_id, "ActorDead",
          "grove: ask to actor #" + std::to_string(p.actor) + ": no such actor on node '" + options.node_id + "'");
    return;
  }
  ++stats.delivered;
  it->second.hooks.deliver(detail::Incoming{&p.message, p.reply_to, p.ask_id, p.from_node});
}

void Node::Impl::answer(const std::string& reply_to, std::uint64_t ask_id, const nlohmann::json& body) {
  try {
    publish(reply_to, nlohmann::json{{"k", "r"}, {"ask", ask_id}, {"ok", body}});
  } catch (const MessageTooLarge& e) {
    fail_remote_ask(reply_to, ask_id, "RemoteError", e.what());
  } catch (const NoConnection& e) {
    grove::logger()->warn("grove::cluster: a reply was lost: {}", e.what());
  }
}

void Node::Impl::fail_remote_ask(const std::string& reply_to, std::uint64_t ask_id, const std::string& kind,
                                 const std::string& what) {
  try {
    publish(reply_to, nlohmann::json{{"k", "r"}, {"ask", ask_id}, {"err", {{"kind", kind}, {"what", what}}}});
  } catch (const Error& e) {
    grove::logger()->warn("grove::cluster: a failed ask's answer was lost: {}", e.what());
  }
}

grove::detail::ReplyPtr Node::reply_slot(const detail::Incoming& in) {
  auto slot = grove::detail::ReplyPtr::make();
  // The actor answers on its own hub; the answer is published from the node's.
  auto post = [hub = impl_->bridge->hub, weak = std::weak_ptr<Impl>(impl_), to = in.reply_to, id = in.ask_id](auto fn) {
    (void)hub.post([weak, to, id, fn = std::move(fn)] {
      if (auto impl = weak.lock()) fn(*impl, to, id);
    });
  };
  slot->deliver = [post](std::any&& value) {
    nlohmann::json body;
    std::string error;
    if (!value.has_value()) {
      body = nlohmann::json{{"type", "void"}, {"tv", 1}, {"body", nullptr}};
    } else if (const auto* codec = detail::find_reply_codec(value.type())) {
      body = nlohmann::json{{"type", codec->name}, {"tv", codec->version}, {"body", codec->encode(value)}};
    } else {
      error = "the reply's type " + readable_type_name(value.type()) + " is not registered (GROVE_MESSAGE)";
    }
    post([body = std::move(body), error = std::move(error)](Impl& m, const std::string& to, std::uint64_t id) {
      if (error.empty()) m.answer(to, id, body);
      else m.fail_remote_ask(to, id, "RemoteError", error);
    });
  };
  slot->fail = [post](std::exception_ptr e) {
    std::string kind = "RemoteError";
    try {
      std::rethrow_exception(e);
    } catch (const ActorDead&) {
      kind = "ActorDead";
    } catch (...) {
    }
    post([kind, what = describe(e)](Impl& m, const std::string& to, std::uint64_t id) {
      m.fail_remote_ask(to, id, kind, what);
    });
  };
  return slot;
}

void Node::undecodable(const std::string& recipient, const detail::Incoming& in, const std::string& why) {
  ++impl_->stats.undecodable;
  --impl_->stats.delivered;
  dead_letters().record(DeadLetterReason::undecodable, recipient, type_of(*in.message), why);
  if (!in.reply_to.empty()) impl_->fail_remote_ask(in.reply_to, in.ask_id, "DecodeError", why);
}

}  // namespace grove::cluster
