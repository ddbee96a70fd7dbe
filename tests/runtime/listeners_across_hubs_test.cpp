// listeners_across_hubs_test.cpp — one StreamServer per hub of a Runtime,
// each on its own socket bound to the same port (ListenOptions::reuse_port):
// the kernel spreads the connections over the hubs, and each hub serves
// the ones it accepted (docs/guide/runtime.md, "One listener per hub").

#include <grove/runtime.hpp>

#include <grove/io_error.hpp>
#include <grove/stream_server.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/unix_listener.hpp>

#include "hub_fixture.hpp"
#include "runtime_test_support.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::HubId;
using grove::Runtime;
using ListenersAcrossHubsTest = grove::test::HubTest;

constexpr std::size_t kHubs = 2;

// HubServers runs one StreamServer per hub, all on one port; each answers
// a connection with its hub's index and counts it.
struct HubServers {
  explicit HubServers(Runtime& runtime) : rt(runtime) {}
  ~HubServers() { stop(); }

  std::unique_ptr<grove::StreamServer> make(std::uint16_t port) {
    grove::StreamServerOptions options;
    options.listen.reuse_port = true;
    return std::make_unique<grove::StreamServer>(
        grove::tcp_endpoint("127.0.0.1", port),
        [this](grove::Stream& s) {
          const std::size_t hub = grove::this_hub().index;
          served[hub].fetch_add(1);
          s.send_all(std::to_string(hub) + "\n");
        },
        options);
  }
  std::uint16_t start() {
    for (const HubId h : rt.hubs())
      rt.spawn_on(h, [this, h] {
          servers[h.index] = make(port);
          servers[h.index]->start();
          port = servers[h.index]->port();  // hub 0 picks the free port, the others share it
        }).get();
    return port;
  }
  void stop() {
    for (const HubId h : rt.hubs())
      if (servers[h.index] && rt.running())
        rt.spawn_on(h, [this, h] {
            accepted[h.index] = servers[h.index]->accepted();
            servers[h.index]->stop();
            servers[h.index].reset();
          }).get();
  }

  Runtime& rt;
  std::uint16_t port = 0;
  std::array<std::unique_ptr<grove::StreamServer>, kHubs> servers;
  std::array<std::atomic<std::uint64_t>, kHubs> served{};
  std::array<std::uint64_t, kHubs> accepted{};
};

TEST_F(ListenersAcrossHubsTest, ConnectionsSpreadOverTheHubsListeningOnOnePort) {
  Runtime rt({.hubs = kHubs});
  HubServers servers(rt);
  const std::uint16_t port = servers.start();
  constexpr int kClients = 64;
  std::array<int, kHubs> answered{};
  for (int i = 0; i < kClients; ++i) {
    auto c = grove::TcpSocket::connect(grove::tcp_endpoint("127.0.0.1", port), 10s);
    c.set_timeout(10s);
    const std::string line = c.read_line();
    const std::size_t hub = std::stoul(line);
    ASSERT_LT(hub, kHubs) << line;
    ++answered[hub];
  }
  servers.stop();
  int hubs_used = 0;
  for (std::size_t h = 0; h < kHubs; ++h) {
    EXPECT_EQ(servers.accepted[h], static_cast<std::uint64_t>(answered[h])) << "hub " << h;
    EXPECT_EQ(servers.served[h].load(), static_cast<std::uint64_t>(answered[h])) << "hub " << h;
    if (answered[h] > 0) ++hubs_used;
  }
  EXPECT_EQ(answered[0] + answered[1], kClients);
  // The kernel hashes each connection's peer port: 64 connections all on
  // one hub would happen once in 2^63 runs.
  EXPECT_EQ(hubs_used, 2) << "hub 0 took " << answered[0] << ", hub 1 took " << answered[1];
}

TEST_F(ListenersAcrossHubsTest, WithoutReusePortTheSecondListenerCannotBind) {
  Runtime rt({.hubs = kHubs});
  auto first = rt.spawn_on(HubId{0}, [] {
    grove::TcpListener l(grove::tcp_endpoint("127.0.0.1", 0), {.reuse_port = true});
    const std::uint16_t port = l.local_endpoint().port();
    // The same port, not shared by the second one: EADDRINUSE.
    try {
      grove::TcpListener second(grove::tcp_endpoint("127.0.0.1", port));
    } catch (const grove::IoError&) {
      return std::string("refused");
    }
    return std::string("bound");
  });
  EXPECT_EQ(first.get(), "refused");
}

TEST_F(ListenersAcrossHubsTest, ReusePortOnAUnixListenerIsAUsageError) {
  grove::ListenOptions options;
  options.reuse_port = true;
  EXPECT_THROW(grove::UnixListener("/tmp/grove-reuse-port-test.sock", options), grove::UsageError);
}

}  // namespace
