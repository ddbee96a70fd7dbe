#pragma once
// memory_network.hpp — MemoryNetwork, an in-memory network for tests and
// simulations: listeners and streams with the interface of the TCP ones
// (grove::Stream), so a server written as `void handle(grove::Stream&)`
// runs on it unchanged, inside the same hub as the test:
//
//   grove::testing::MemoryNetwork net({.latency = 5ms});
//   grove::testing::MemoryServer server(net.listen("chat:5555"), handle);
//   server.start();
//   auto alice = net.connect("chat:5555", {.from = "alice"});
//   alice->send_all("hello\n");
//   net.partition("alice", "chat");   // traffic between them stalls...
//   net.heal();                       // ...and flows again
//
// Endpoints are "host:port" names; a host is just a name (it needs no
// declaration). Faults: partition(a, b) stalls traffic between two hosts
// (bytes written meanwhile wait, then arrive a latency after heal(); a
// connect across it waits and times out), reset(stream) / reset_all(host)
// fail both ends of connections with connection_reset, clog(a, b, extra)
// slows the traffic between two hosts (turmoil's hold/release is
// partition/heal; FaultPlan, fault_plan.hpp, injects all three at random).
// Every delay is on
// the hub's clock (timers of the hub), never on std::chrono clocks, so a
// virtual clock makes a simulation instant and exact.
// A MemoryNetwork is a cheap handle: copies share one network. It belongs
// to the hub of the thread that made it; streams and listeners keep the
// network alive.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/stream.hpp>
#include <grove/testing/memory_listener.hpp>
#include <grove/testing/memory_stream.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace grove::testing {

struct MemoryNetworkOptions {
  // latency: one way; bytes become readable this long after they were
  // written, and connect() takes a round trip (two latencies).
  Duration latency = Duration::zero();
  // buffer_bytes: at most this many bytes in flight per direction (written
  // and not yet read by the peer); then writers block.
  std::size_t buffer_bytes = 64 * 1024;
  // connect_timeout: connect()'s deadline when it is given none (a connect
  // across a partition waits for it, then fails with timed_out).
  Duration connect_timeout = std::chrono::seconds(10);
};

struct ConnectOptions {
  // from: the connecting host's name (partitions and reset_all name it).
  std::string from = "client";
  // timeout: the deadline of this connect, a duration from the call or a
  // time point (none: options.connect_timeout); a negative or NaN duration
  // is a UsageError naming MemoryNetwork::connect.
  std::optional<Deadline> timeout = std::nullopt;
};

struct MemoryNetworkStats {
  std::uint64_t connections = 0;  // established
  std::uint64_t refused = 0;      // nothing listened
  std::uint64_t resets = 0;       // reset() / reset_all() / a closed backlog
};

class MemoryNetwork {
 public:
  using error_code = boost::system::error_code;

  explicit MemoryNetwork(MemoryNetworkOptions options = {});

  // listen(address) listens on "host:port" (port 0: a free one); it throws
  // IoError (address_in_use) when something listens there already.
  MemoryListener listen(std::string_view address);
  MemoryListener listen(std::string_view address, error_code& ec);

  // connect(address, options) opens a connection to a listener after one
  // round trip; connection_refused when nothing listens there, timed_out
  // when a partition outlasts the timeout. It parks the fiber and obeys
  // Timeout and kill(). The error_code form returns nullptr on failure.
  std::unique_ptr<MemoryStream> connect(std::string_view address, ConnectOptions options = {});
  std::unique_ptr<MemoryStream> connect(std::string_view address, error_code& ec, ConnectOptions options = {});

  // partition(a, b) cuts the hosts a and b apart; heal(a, b) joins them
  // again, heal() joins every pair.
  void partition(std::string_view a, std::string_view b);
  void heal(std::string_view a, std::string_view b);
  void heal();
  bool partitioned(std::string_view a, std::string_view b) const;

  // reset(stream) resets a connection of this network (a MemoryStream;
  // anything else is a UsageError): both ends see connection_reset.
  // reset_all(host) resets every connection with an end on host and
  // returns how many.
  void reset(Stream& stream);
  std::size_t reset_all(std::string_view host);
  // reset(a, b) resets every connection between the hosts a and b and
  // returns how many.
  std::size_t reset(std::string_view a, std::string_view b);

  // clog(a, b, extra) adds `extra` to the latency of bytes written between
  // the hosts a and b from now on (bytes in flight keep their arrival, and
  // each direction stays in order); unclog(a, b) / unclog() end it.
  void clog(std::string_view a, std::string_view b, Duration extra);
  void unclog(std::string_view a, std::string_view b);
  void unclog();
  // links() is every pair of hosts {a, b} (a < b) with an open connection
  // between them, sorted: what a fault plan picks from.
  std::vector<std::pair<std::string, std::string>> links() const;

  // set_latency(d) changes the latency of bytes written from now on.
  void set_latency(Duration latency);
  Duration latency() const noexcept;
  MemoryNetworkStats stats() const noexcept;
  // open_connections() counts connections with at least one open end.
  std::size_t open_connections() const;

 private:
  std::shared_ptr<detail::NetState> state_;
};

}  // namespace grove::testing
