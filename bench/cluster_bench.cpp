// cluster_bench.cpp — issue 16 §5 D3 and D4 on loopback (docs/benchmarks.md,
// "grove::cluster"): a throw-away nats-server, this process as node "client"
// and a child of itself as node "server" (an echo actor and a counting sink).
//   D3: remote ask round trip, one ask at a time: p50, p99; beside nats.c's
//       own request/reply round trip between the same two processes (a raw
//       nats.c responder in the child), the floor.
//   D4: remote send throughput, 64-byte payloads, until the sink has them all;
//       beside nats.c's own publish/subscribe loop in this process, the ceiling.
// Usage: grove-cluster-bench [asks] [sends] [asap]  (defaults 20000, 200000, 1:
//        NodeOptions::send_asap; 0 lets nats.c buffer); GROVE_BENCH_SPIN_US=U
//        makes both processes' hubs spin U µs before sleeping (HubConfig::spin)
//        grove-cluster-bench serve URL ASAP       (the child)

// GCC 12 at -O2 sees a variant temporary's std::string as "maybe
// uninitialized" once RemoteRef::ask is inlined here (a false positive:
// the tests, with the same calls, do not trip it).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <grove/actor.hpp>
#include <grove/hub.hpp>
#include <grove/node.hpp>
#include <grove/popen.hpp>
#include <grove/this_fiber.hpp>

#include "bench_report.hpp"
#include "nats_server.hpp"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

using namespace std::chrono_literals;

namespace cb {
struct Ping {
  std::uint64_t n = 0;
};
struct Blob {
  std::string payload;
};
struct Count {};
using Msg = std::variant<Ping, Blob, Count>;
void to_json(nlohmann::json& j, const Ping& m) { j = {{"n", m.n}}; }
void from_json(const nlohmann::json& j, Ping& m) { j.at("n").get_to(m.n); }
void to_json(nlohmann::json& j, const Blob& m) { j = {{"p", m.payload}}; }
void from_json(const nlohmann::json& j, Blob& m) { j.at("p").get_to(m.payload); }
void to_json(nlohmann::json& j, const Count& /*m*/) { j = nlohmann::json::object(); }
void from_json(const nlohmann::json& /*j*/, Count& /*m*/) {}
}  // namespace cb
GROVE_MESSAGE(cb::Ping, "bench.ping");
GROVE_MESSAGE(cb::Blob, "bench.blob");
GROVE_MESSAGE(cb::Count, "bench.count");

namespace {

class Server : public grove::Actor<cb::Msg> {
  void receive(cb::Msg& m) override {
    if (auto* p = std::get_if<cb::Ping>(&m)) return reply(p->n);
    if (std::holds_alternative<cb::Blob>(m)) ++blobs_;
    else reply(blobs_);
  }
  std::uint64_t blobs_ = 0;
};

// raw_connect(url) is a plain nats.c connection with SendAsap (nats.c's
// lowest-latency setting), for the floor and ceiling loops.
natsConnection* raw_connect(const std::string& url) {
  natsOptions* o = nullptr;
  natsConnection* nc = nullptr;
  if (natsOptions_Create(&o) != NATS_OK) return nullptr;
  (void)natsOptions_SetURL(o, url.c_str());
  (void)natsOptions_SetSendAsap(o, true);
  if (natsConnection_Connect(&nc, o) != NATS_OK) nc = nullptr;
  natsOptions_Destroy(o);
  return nc;
}

int serve(const std::string& url, bool asap) {
  // nats.c's own responder for the D3 floor: answers on its delivery thread.
  natsConnection* raw = raw_connect(url);
  natsSubscription* rr = nullptr;
  if (!raw || natsConnection_Subscribe(
                  &rr, raw, "bench.rr",
                  [](natsConnection* nc, natsSubscription*, natsMsg* msg, void*) {
                    (void)natsConnection_Publish(nc, natsMsg_GetReply(msg), natsMsg_GetData(msg),
                                                 natsMsg_GetDataLength(msg));
                    natsMsg_Destroy(msg);
                  },
                  nullptr) != NATS_OK)
    return 1;
  (void)natsConnection_Flush(raw);
  grove::cluster::Node node({.url = url, .node_id = "server", .send_asap = asap});
  node.register_global("bench", grove::spawn_actor<Server>());
  std::cout << "READY" << std::endl;
  for (;;) grove::this_fiber::sleep(1s);
}

double percentile(std::vector<std::uint64_t>& v, double p) {
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return static_cast<double>(v[i]) / 1000.0;
}

// nats_requests(nc, k, rtt) is nats.c's own request/reply round trip to
// the child's raw responder, k one at a time, appended to rtt (ns). It
// blocks this thread in natsConnection_Request, as a plain nats.c program
// does.
void nats_requests(natsConnection* nc, int k, std::vector<std::uint64_t>& rtt) {
  const std::string payload(32, 'x');
  for (int i = 0; i < k; ++i) {
    natsMsg* reply = nullptr;
    const std::uint64_t t0 = grove::bench::now_ns();
    if (natsConnection_Request(&reply, nc, "bench.rr", payload.data(), static_cast<int>(payload.size()), 1000) !=
        NATS_OK)
      continue;
    rtt.push_back(grove::bench::now_ns() - t0);
    natsMsg_Destroy(reply);
  }
}

// nats_ceiling(url, n) is nats.c's own loop in this process: n 64-byte
// publishes on one connection, an async subscriber on another, msgs/s.
double nats_ceiling(const std::string& url, int n) {
  natsConnection* pub = nullptr;
  natsConnection* sub_nc = nullptr;
  natsSubscription* sub = nullptr;
  std::atomic<int> got{0};
  if (natsConnection_ConnectTo(&pub, url.c_str()) != NATS_OK ||
      natsConnection_ConnectTo(&sub_nc, url.c_str()) != NATS_OK)
    return 0;
  (void)natsConnection_Subscribe(
      &sub, sub_nc, "ceiling",
      [](natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
        static_cast<std::atomic<int>*>(closure)->fetch_add(1);
        natsMsg_Destroy(msg);
      },
      &got);
  (void)natsSubscription_SetPendingLimits(sub, -1, -1);
  (void)natsConnection_Flush(sub_nc);
  const std::string payload(64, 'x');
  const std::uint64_t start = grove::bench::now_ns();
  for (int i = 0; i < n; ++i) (void)natsConnection_Publish(pub, "ceiling", payload.data(), 64);
  (void)natsConnection_Flush(pub);
  while (got.load() < n && grove::bench::now_ns() - start < 30'000'000'000ULL) grove::this_fiber::sleep(1ms);
  const double rate = static_cast<double>(got.load()) * 1e9 / static_cast<double>(grove::bench::now_ns() - start);
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(pub);
  natsConnection_Destroy(sub_nc);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  // GROVE_BENCH_SPIN_US=U: both processes' hubs poll their inbox U µs
  // before sleeping (HubConfig::spin): a message nats.c's delivery thread
  // posts meanwhile is taken without a kernel wake-up.
  const char* spin_env = std::getenv("GROVE_BENCH_SPIN_US");
  const long spin_us = spin_env ? std::atol(spin_env) : 0;
  (void)grove::Hub::create(grove::HubConfig{.spin = std::chrono::microseconds(spin_us)});
  if (argc == 4 && std::string(argv[1]) == "serve") return serve(argv[2], std::string(argv[3]) == "1");
  const int asks = argc > 1 ? std::stoi(argv[1]) : 20000;
  const std::uint64_t sends = argc > 2 ? std::stoull(argv[2]) : 200000;
  const bool asap = argc > 3 ? std::string(argv[3]) == "1" : true;
  grove::test::NatsServer nats;
  grove::Popen child({"/proc/self/exe", "serve", nats.url(), asap ? "1" : "0"},
                     grove::PopenOptions{.std_out = grove::Stdio::pipe()});
  if (child.std_out().readline() != "READY\n") return 1;
  int rc = 0;
  {
    grove::cluster::Node node({.url = nats.url(), .node_id = "client", .send_asap = asap});
    auto server = node.whereis_global<cb::Msg>("bench", 2s);
    if (!server) return 1;
    // D3: one ask at a time, in rounds of 500 that alternate with rounds of
    // nats.c's own request/reply (the floor), so that both see the same
    // machine load.
    natsConnection* raw = raw_connect(nats.url());
    if (!raw) return 1;
    std::vector<std::uint64_t> rtt;
    std::vector<std::uint64_t> floor_rtt;
    for (int i = 0; i < 1000; ++i) (void)server->ask<std::uint64_t>(cb::Ping{1}).get();
    nats_requests(raw, 1000, floor_rtt);
    floor_rtt.clear();
    rtt.reserve(static_cast<std::size_t>(asks));
    double d3_elapsed = 0;
    for (int done = 0; done < asks;) {
      const int round = std::min(500, asks - done);
      const std::uint64_t round_start = grove::bench::now_ns();
      for (int i = 0; i < round; ++i, ++done) {
        const std::uint64_t t0 = grove::bench::now_ns();
        auto answer =
            server->ask<std::uint64_t>(cb::Msg(std::in_place_type<cb::Ping>, static_cast<std::uint64_t>(done)));
        (void)answer.get();
        rtt.push_back(grove::bench::now_ns() - t0);
      }
      d3_elapsed += static_cast<double>(grove::bench::now_ns() - round_start);
      nats_requests(raw, round, floor_rtt);
    }
    natsConnection_Destroy(raw);
    const double p50 = percentile(rtt, 0.50);
    const double p99 = percentile(rtt, 0.99);
    const double floor50 = floor_rtt.empty() ? 0 : percentile(floor_rtt, 0.50);
    const double floor99 = floor_rtt.empty() ? 0 : percentile(floor_rtt, 0.99);
    grove::bench::report("grove", "D3_remote_ask", static_cast<std::uint64_t>(asks), d3_elapsed,
                         ",\"p50_us\":" + std::to_string(p50) + ",\"p99_us\":" + std::to_string(p99) +
                             ",\"nats_c_request_p50_us\":" + std::to_string(floor50) + ",\"nats_c_request_p99_us\":" +
                             std::to_string(floor99) + ",\"spin_us\":" + std::to_string(spin_us));
    // D4: sends of 64-byte payloads until the sink counted them all.
    const std::string payload(64, 'x');
    const std::uint64_t d4_start = grove::bench::now_ns();
    for (std::uint64_t i = 0; i < sends; ++i) (void)server->send(cb::Blob{payload});
    for (;;) {
      auto count = server->ask<std::uint64_t>(cb::Msg(std::in_place_type<cb::Count>), 30s);
      if (count.get() >= sends) break;
      grove::this_fiber::sleep(1ms);
    }
    const double d4_elapsed = static_cast<double>(grove::bench::now_ns() - d4_start);
    const double ceiling = nats_ceiling(nats.url(), static_cast<int>(sends));
    grove::bench::report("grove", "D4_remote_send", sends, d4_elapsed,
                         ",\"payload_bytes\":64,\"nats_c_ceiling_msgs_per_s\":" + std::to_string(ceiling));
    std::printf(
        "send_asap=%d spin_us=%ld\nD3 remote ask: p50 %.1f us, p99 %.1f us (%d asks); nats.c request/reply p50 %.1f "
        "us, "
        "p99 %.1f us\n",
        asap ? 1 : 0, spin_us, p50, p99, asks, floor50, floor99);
    std::printf("D4 remote send: %.0f msg/s (%lu sends); nats.c pub/sub ceiling %.0f msg/s\n",
                static_cast<double>(sends) * 1e9 / d4_elapsed, static_cast<unsigned long>(sends), ceiling);
    if (node.stats().lost != 0) rc = 2;
  }
  child.kill();
  (void)child.wait();
  return rc;
}
