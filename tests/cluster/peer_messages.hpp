#pragma once
// peer_messages.hpp — the messages the cluster tests and their child
// process (cluster_peer.cpp) exchange, registered with GROVE_MESSAGE.

#include <grove/codec.hpp>

#include <cstdint>
#include <string>
#include <variant>

namespace peer {

struct Echo {  // ask: replies the text (std::string)
  std::string text;
};
struct Fail {  // ask: receive() throws std::runtime_error(why)
  std::string why;
};
struct Slow {  // ask: sleeps ms, then replies ms (int)
  int ms = 0;
};
struct Report {  // ask: replies this process's dead-letter counts, "undecodable=N unreachable=M"
};
struct Seq {  // one stamped message of a FIFO run: sender and its counter
  std::string sender;
  std::uint64_t n = 0;
};
struct Spawn {  // ask: spawns another Peer actor registered under name; replies true
  std::string name;
};
struct Tell {  // ask: sends n Seq (sender: this node's id) to the actor named sink; replies n
  std::string sink;
  std::uint64_t n = 0;
};
struct Tally {  // ask (topic mode): replies "arrived=A delivered=D" (NATS arrivals, subscriber deliveries)
};
using Msg = std::variant<Echo, Fail, Slow, Report, Seq, Spawn, Tell, Tally>;

inline void to_json(nlohmann::json& j, const Echo& m) { j = {{"text", m.text}}; }
inline void from_json(const nlohmann::json& j, Echo& m) { j.at("text").get_to(m.text); }
inline void to_json(nlohmann::json& j, const Fail& m) { j = {{"why", m.why}}; }
inline void from_json(const nlohmann::json& j, Fail& m) { j.at("why").get_to(m.why); }
inline void to_json(nlohmann::json& j, const Slow& m) { j = {{"ms", m.ms}}; }
inline void from_json(const nlohmann::json& j, Slow& m) { j.at("ms").get_to(m.ms); }
inline void to_json(nlohmann::json& j, const Report& /*m*/) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json& /*j*/, Report& /*m*/) {}
inline void to_json(nlohmann::json& j, const Seq& m) { j = {{"s", m.sender}, {"n", m.n}}; }
inline void from_json(const nlohmann::json& j, Seq& m) {
  j.at("s").get_to(m.sender);
  j.at("n").get_to(m.n);
}

inline void to_json(nlohmann::json& j, const Spawn& m) { j = {{"name", m.name}}; }
inline void from_json(const nlohmann::json& j, Spawn& m) { j.at("name").get_to(m.name); }
inline void to_json(nlohmann::json& j, const Tell& m) { j = {{"sink", m.sink}, {"n", m.n}}; }
inline void from_json(const nlohmann::json& j, Tell& m) {
  j.at("sink").get_to(m.sink);
  j.at("n").get_to(m.n);
}
inline void to_json(nlohmann::json& j, const Tally& /*m*/) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json& /*j*/, Tally& /*m*/) {}

}  // namespace peer

GROVE_MESSAGE(peer::Echo, "peer.echo");
GROVE_MESSAGE(peer::Fail, "peer.fail");
GROVE_MESSAGE(peer::Slow, "peer.slow");
GROVE_MESSAGE(peer::Report, "peer.report");
GROVE_MESSAGE(peer::Seq, "peer.seq");
GROVE_MESSAGE(peer::Spawn, "peer.spawn");
GROVE_MESSAGE(peer::Tell, "peer.tell");
GROVE_MESSAGE(peer::Tally, "peer.tally");
