// remote_links.cpp — exposed actors: their registration (export_actor,
// forget), and links between a local actor and an actor of another node
// (Node::link; docs/cluster.md, "Links across nodes"). Both nodes keep
// the link (Impl::links); each watches its own actor's current incarnation
// and tells the other node when it ends. Wire, to the partner's node:
//   {"k":"lnk", "actor":theirs, "peer":{"n","i","a","name"}}   link (the sender holds its half)
//   {"k":"xit", "actor":theirs, "peer":{...}, "reason":{"kind","what"}}   the sender's actor ended
//   {"k":"unl", "actor":theirs, "peer":{...}}                  unlink
// A node declared down breaks its links with NoConnection (links_down,
// from membership.cpp's node_down).

#include "detail_node.hpp"

#include <grove/actor_errors.hpp>
#include <grove/log.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace grove::cluster {

namespace {

using Link = Node::Impl::Link;

bool same(const Link& a, const Link& b) {
  return a.actor == b.actor && a.node == b.node && a.incarnation == b.incarnation && a.peer == b.peer;
}

nlohmann::json encode_reason(const ExitReason& r) {
  switch (r.kind()) {
    case ExitReason::Kind::normal:
      return {{"kind", "normal"}, {"what", ""}};
    case ExitReason::Kind::shutdown:
      return {{"kind", "shutdown"}, {"what", ""}};
    case ExitReason::Kind::killed:
      return {{"kind", "killed"}, {"what", ""}};
    case ExitReason::Kind::exception:
      break;
  }
  return {{"kind", "exception"}, {"what", r.to_string()}};
}

// decode_reason(j, who) is a remote actor's exit as this process sees it:
// its exception arrives as RemoteError (noproc: ActorDead) carrying the text.
ExitReason decode_reason(const nlohmann::json& j, const std::string& who) {
  const std::string kind = j.at("kind").get<std::string>();
  const std::string what = j.at("what").get<std::string>();
  if (kind == "normal") return ExitReason::normal();
  if (kind == "shutdown") return ExitReason::shutdown();
  if (kind == "killed") return ExitReason::killed();
  if (kind == "noproc") return ExitReason::exception(std::make_exception_ptr(ActorDead(what)));
  return ExitReason::exception(
      std::make_exception_ptr(RemoteError("grove::cluster: linked actor " + who + ": " + what)));
}

nlohmann::json peer_of(const Node::Impl& m, std::uint64_t actor, const std::string& name) {
  return {{"n", m.options.node_id}, {"i", m.incarnation}, {"a", actor}, {"name", name}};
}

}  // namespace

std::uint64_t Node::export_actor(std::shared_ptr<void> cell, const std::string& name, std::string signature,
                                 detail::ActorHooks hooks) {
  Impl& m = *impl_;
  if (auto it = m.exported_by_cell.find(cell.get()); it != m.exported_by_cell.end()) return it->second;
  const std::uint64_t id = m.next_actor++;
  m.exported_by_cell.emplace(cell.get(), id);
  m.exported_cells.emplace(id, std::move(cell));
  auto& ex = m.exported.emplace(id, Impl::Exported{name, std::move(signature), std::move(hooks)}).first->second;
  ex.hooks.on_end([hub = m.bridge->hub, weak = std::weak_ptr<Impl>(impl_), id] {
    (void)hub.post([weak, id] {
      if (auto impl = weak.lock()) impl->forget(id);
    });
  });
  return id;
}

// forget(actor) drops a stopped actor's entry: later arrivals for it are
// dead letters (dead_actor) and asks fail with ActorDead, as for a local ref.
void Node::Impl::forget(std::uint64_t actor) {
  if (exported.erase(actor) == 0) return;
  if (auto c = exported_cells.find(actor); c != exported_cells.end()) {
    exported_by_cell.erase(c->second.get());
    exported_cells.erase(c);
  }
  std::erase_if(names, [actor](const auto& kv) { return kv.second == actor; });
}

void Node::Impl::add_link(Link link) {
  for (const auto& l : links)
    if (same(l, link)) return;
  links.push_back(link);
  auto ex = exported.find(link.actor);
  if (ex == exported.end()) return;
  // When this incarnation ends, the partner's node hears it (if the link
  // still stands then).
  // (Its name is taken now: the actor may be forgotten by the time it ends.)
  ex->second.hooks.on_exit(
      [hub = bridge->hub, weak = weak_from_this(), link, name = ex->second.name](const ExitReason& reason) {
        (void)hub.post([weak, link, reason, name] {
          auto m = weak.lock();
          if (!m) return;
          auto it = std::find_if(m->links.begin(), m->links.end(), [&](const Link& l) { return same(l, link); });
          if (it == m->links.end()) return;
          m->links.erase(it);
          try {
            m->publish("grove.n." + link.node + "." + std::to_string(link.incarnation),
                       {{"k", "xit"},
                        {"actor", link.peer},
                        {"peer", peer_of(*m, link.actor, name)},
                        {"reason", encode_reason(reason)}});
          } catch (const Error& e) {
            grove::logger()->warn("grove::cluster: an exit for a link to '{}' was lost: {}", link.peer_name, e.what());
          }
        });
      });
}

void Node::Impl::on_link_message(const std::string& kind, const nlohmann::json& j) {
  const auto& p = j.at("peer");
  Link link{j.at("actor").get<std::uint64_t>(), p.at("n").get<std::string>(), p.at("i").get<std::uint64_t>(),
            p.at("a").get<std::uint64_t>(), p.at("name").get<std::string>()};
  if (kind == "lnk") {
    if (is_down(link.node, link.incarnation)) return;
    auto ex = exported.find(link.actor);
    if (ex != exported.end() && ex->second.hooks.alive()) return add_link(std::move(link));
    try {
      publish("grove.n." + link.node + "." + std::to_string(link.incarnation),
              {{"k", "xit"},
               {"actor", link.peer},
               {"peer", peer_of(*this, link.actor, actor_name(link.actor))},
               {"reason",
                {{"kind", "noproc"},
                 {"what", "grove: actor '" + actor_name(link.actor) + "' on node '" + options.node_id +
                              "' does not exist (noproc)"}}}});
    } catch (const Error& e) {
      grove::logger()->warn("grove::cluster: a noproc exit was lost: {}", e.what());
    }
    return;
  }
  auto it = std::find_if(links.begin(), links.end(), [&](const Link& l) { return same(l, link); });
  if (it == links.end()) return;  // unlinked meanwhile
  links.erase(it);
  if (kind != "xit") return;  // unl
  auto ex = exported.find(link.actor);
  if (ex == exported.end()) return;
  const std::string who = "'" + link.peer_name + "' on node '" + link.node + "'";
  ex->second.hooks.take_exit(decode_reason(j.at("reason"), who), link.peer_name);
}

void Node::Impl::links_down(const std::string& node, std::uint64_t inc) {
  std::vector<Link> broken;
  std::erase_if(links, [&](const Link& l) {
    if (l.node != node || l.incarnation != inc) return false;
    broken.push_back(l);
    return true;
  });
  for (const Link& l : broken) {
    auto ex = exported.find(l.actor);
    if (ex == exported.end()) continue;
    ex->second.hooks.take_exit(
        ExitReason::exception(std::make_exception_ptr(NoConnection("grove::cluster: linked actor '" + l.peer_name +
                                                                   "': node '" + node + "' is down (noconnection)"))),
        l.peer_name);
  }
}

void Node::link_actor(std::uint64_t local, const detail::RefKey& remote) {
  Impl& m = *impl_;
  Link link{local, remote.node, remote.incarnation, remote.actor, remote.name};
  if (m.is_down(remote.node, remote.incarnation)) {
    m.links.push_back(link);
    return m.links_down(remote.node, remote.incarnation);  // noconnection at once, as Erlang
  }
  for (const auto& l : m.links)
    if (same(l, link)) return;
  m.heard_of(remote.node, remote.incarnation);
  m.add_link(link);
  try {
    m.publish("grove.n." + remote.node + "." + std::to_string(remote.incarnation),
              {{"k", "lnk"}, {"actor", remote.actor}, {"peer", peer_of(m, local, m.actor_name(local))}});
  } catch (const Error& e) {
    grove::logger()->warn("grove::cluster: link to '{}' sees node-down only: {}", remote.name, e.what());
  }
}

bool Node::unlink_actor(std::uint64_t local, const detail::RefKey& remote) {
  Impl& m = *impl_;
  const Link link{local, remote.node, remote.incarnation, remote.actor, remote.name};
  auto it = std::find_if(m.links.begin(), m.links.end(), [&](const Link& l) { return same(l, link); });
  if (it == m.links.end()) return false;
  m.links.erase(it);
  try {
    m.publish("grove.n." + remote.node + "." + std::to_string(remote.incarnation),
              {{"k", "unl"}, {"actor", remote.actor}, {"peer", peer_of(m, local, m.actor_name(local))}});
  } catch (const Error& e) {
    grove::logger()->debug("grove::cluster: an unlink was not sent: {}", e.what());
  }
  return true;
}

}  // namespace grove::cluster
