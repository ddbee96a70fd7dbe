// cluster_peer.cpp — the child process of the cluster tests: one grove
// process with a Node on the test's nats-server.
//
//   cluster_peer URL ID serve            the actor "peer-ID" (peer::Msg) registered
//                                        cluster-wide; prints "READY" and runs until killed
//   cluster_peer URL ID blast SINK N P L finds SINK (whereis_global), sends it N peer::Seq
//                                        stamped ID/1..N (P: sleep 1 ms every P messages,
//                                        0: no pacing), prints "SENT N DEAD D" (D: sends
//                                        refused as dead letters), stays L ms (its
//                                        heartbeats announce its last stamp) and exits
// Exit status 2 on bad arguments, 3 when SINK is not found within 10 s.

#include <grove/actor.hpp>
#include <grove/dead_letters.hpp>
#include <grove/node.hpp>
#include <grove/this_fiber.hpp>

#include "peer_messages.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

namespace {

class Peer : public grove::Actor<peer::Msg> {
  void receive(peer::Msg& m) override {
    grove::match(
        m, [&](peer::Echo& e) { reply(e.text); }, [&](peer::Fail& f) { throw std::runtime_error(f.why); },
        [&](peer::Slow& s) {
          grove::this_fiber::sleep(std::chrono::milliseconds(s.ms));
          reply(s.ms);
        },
        [&](peer::Report&) {
          auto& d = grove::dead_letters();
          reply("undecodable=" + std::to_string(d.count(grove::DeadLetterReason::undecodable)) +
                " unreachable=" + std::to_string(d.count(grove::DeadLetterReason::unreachable)));
        },
        [&](peer::Seq&) {});
  }
};

int serve(grove::cluster::Node& node) {
  auto ref = grove::spawn_actor<Peer>(grove::ActorOptions{.name = "peer-" + node.id()});
  node.register_global("peer-" + node.id(), ref);
  std::cout << "READY" << std::endl;
  for (;;) grove::this_fiber::sleep(1s);
}

int blast(grove::cluster::Node& node, const std::string& sink_name, std::uint64_t n, std::uint64_t pace,
          std::uint64_t linger_ms) {
  std::optional<grove::cluster::RemoteRef<peer::Msg>> sink;
  for (int i = 0; i < 100 && !sink; ++i) sink = node.whereis_global<peer::Msg>(sink_name, 100ms);
  if (!sink) return 3;
  std::uint64_t dead = 0;
  for (std::uint64_t i = 1; i <= n; ++i) {
    if (sink->send(peer::Seq{node.id(), i}) == grove::SendStatus::dead) ++dead;
    if (pace && i % pace == 0) grove::this_fiber::sleep(1ms);
  }
  std::cout << "SENT " << n << " DEAD " << dead << std::endl;
  if (linger_ms) grove::this_fiber::sleep(std::chrono::milliseconds(linger_ms));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  // stdout is the test's channel (READY, SENT ...): logs go to stderr.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("cluster_peer"));
  grove::cluster::Node node({.url = argv[1], .node_id = argv[2]});
  const std::string mode = argv[3];
  if (mode == "serve") return serve(node);
  if (mode == "blast" && argc == 8)
    return blast(node, argv[4], std::stoull(argv[5]), std::stoull(argv[6]), std::stoull(argv[7]));
  return 2;
}
