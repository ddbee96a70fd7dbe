// cluster_peer.cpp — the child process of the cluster tests: one grove
// process with a Node on the test's nats-server.
//
//   cluster_peer URL ID serve            the actor "peer-ID" (peer::Msg) registered
//                                        cluster-wide; prints "READY" and runs until killed
//   cluster_peer URL ID blast SINK N P L finds SINK (whereis_global), sends it N peer::Seq
//                                        stamped ID/1..N (P: sleep 1 ms every P messages,
//                                        0: no pacing), prints "SENT N DEAD D RECONNECTS R"
//                                        (D: sends refused as dead letters, R: this node's
//                                        NATS reconnects), stays L ms (its heartbeats
//                                        announce its last stamp) and exits
//   cluster_peer URL ID watch TARGET SINK N P
//                                        monitors TARGET, prints "WATCHING", then blasts
//                                        as above (no linger) while it waits; prints
//                                        "DOWN <steady_clock ns> <noconnection|other>" when
//                                        TARGET's Down arrives (within 10 s of the last send)
//   cluster_peer URL ID topic NAME K     serve, plus K subscribers of ClusterTopic NAME;
//                                        peer::Tally reports what they got
// Exit status 2 on bad arguments, 3 when SINK or TARGET is not found within 10 s.

#include <grove/actor.hpp>
#include <grove/cluster_topic.hpp>
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

std::uint64_t topic_deliveries = 0;  // what the topic mode's subscribers got

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
        [&](peer::Seq&) {},
        [&](peer::Spawn& s) {
          auto& node = grove::cluster::Node::here("peer");
          node.register_global(s.name, grove::spawn_actor<Peer>(grove::ActorOptions{.name = s.name}));
          reply(true);
        },
        [&](peer::Tell& t) {
          auto& node = grove::cluster::Node::here("peer");
          auto sink = node.whereis_global<peer::Msg>(t.sink, 2s);
          if (!sink) throw std::runtime_error("no " + t.sink);
          for (std::uint64_t i = 1; i <= t.n; ++i) (void)sink->send(peer::Seq{node.id(), i});
          reply(t.n);
        },
        [&](peer::Tally&) {
          reply("arrived=" + std::to_string(grove::cluster::Node::here("peer").stats().topic_arrived) +
                " delivered=" + std::to_string(topic_deliveries));
        });
  }
};

class Subscriber : public grove::Actor<peer::Msg> {
  void receive(peer::Msg& /*m*/) override { ++topic_deliveries; }
};

void serve_peer(grove::cluster::Node& node) {
  auto ref = grove::spawn_actor<Peer>(grove::ActorOptions{.name = "peer-" + node.id()});
  node.register_global("peer-" + node.id(), ref);
}

std::optional<grove::cluster::RemoteRef<peer::Msg>> find(grove::cluster::Node& node, const std::string& name) {
  std::optional<grove::cluster::RemoteRef<peer::Msg>> ref;
  for (int i = 0; i < 100 && !ref; ++i) ref = node.whereis_global<peer::Msg>(name, 100ms);
  return ref;
}

// send_n sends n Seq to sink; how many were refused (dead).
std::uint64_t send_n(grove::cluster::Node& node, const grove::cluster::RemoteRef<peer::Msg>& sink, std::uint64_t n,
                     std::uint64_t pace) {
  std::uint64_t dead = 0;
  for (std::uint64_t i = 1; i <= n; ++i) {
    if (sink.send(peer::Seq{node.id(), i}) == grove::SendStatus::dead) ++dead;
    if (pace && i % pace == 0) grove::this_fiber::sleep(1ms);
  }
  return dead;
}

void report_sent(grove::cluster::Node& node, std::uint64_t n, std::uint64_t dead) {
  std::cout << "SENT " << n << " DEAD " << dead << " RECONNECTS " << node.stats().reconnects << std::endl;
}

int blast(grove::cluster::Node& node, const std::string& sink_name, std::uint64_t n, std::uint64_t pace,
          std::uint64_t linger_ms) {
  auto sink = find(node, sink_name);
  if (!sink) return 3;
  report_sent(node, n, send_n(node, *sink, n, pace));
  if (linger_ms) grove::this_fiber::sleep(std::chrono::milliseconds(linger_ms));
  return 0;
}

int watch(grove::cluster::Node& node, const std::string& target_name, const std::string& sink_name, std::uint64_t n,
          std::uint64_t pace) {
  auto target = find(node, target_name);
  auto sink = find(node, sink_name);
  if (!target || !sink) return 3;
  bool down = false;
  (void)node.monitor(*target, [&](const grove::Down& d) {
    const auto ns = std::chrono::steady_clock::now().time_since_epoch().count();
    bool noconnection = false;
    try {
      std::rethrow_exception(d.reason.exception());
    } catch (const grove::cluster::NoConnection&) {
      noconnection = true;
    } catch (...) {
    }
    std::cout << "DOWN " << ns << (noconnection ? " noconnection" : " other") << std::endl;
    down = true;
  });
  std::cout << "WATCHING" << std::endl;
  report_sent(node, n, send_n(node, *sink, n, pace));
  for (int i = 0; i < 1000 && !down; ++i) grove::this_fiber::sleep(10ms);
  return 0;
}

int topic(grove::cluster::Node& node, const std::string& name, int k) {
  grove::cluster::ClusterTopic<peer::Msg> t(node, name);
  for (int i = 0; i < k; ++i) (void)t.subscribe(grove::spawn_actor<Subscriber>());
  serve_peer(node);
  std::cout << "READY" << std::endl;
  for (;;) grove::this_fiber::sleep(1s);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  // stdout is the test's channel (READY, SENT ...): logs go to stderr.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("cluster_peer"));
  grove::cluster::Node node({.url = argv[1], .node_id = argv[2]});
  const std::string mode = argv[3];
  if (mode == "serve") {
    serve_peer(node);
    std::cout << "READY" << std::endl;
    for (;;) grove::this_fiber::sleep(1s);
  }
  if (mode == "blast" && argc == 8)
    return blast(node, argv[4], std::stoull(argv[5]), std::stoull(argv[6]), std::stoull(argv[7]));
  if (mode == "watch" && argc == 8) return watch(node, argv[4], argv[5], std::stoull(argv[6]), std::stoull(argv[7]));
  if (mode == "topic" && argc == 6) return topic(node, argv[4], std::stoi(argv[5]));
  return 2;
}
