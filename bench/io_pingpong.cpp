// grove-io-pingpong — round trips over loopback in one process, for
// callgrind (instructions per round trip are the repeatable figure):
//   grove-io-pingpong tcp [N]   a TcpSocket client and server fiber exchange 1 byte N times
//   grove-io-pingpong udp [N]   the same with two UdpSockets
//   valgrind --tool=callgrind --instr-atstart=no grove-io-pingpong tcp 10000
// Only the N round trips are instrumented (setup and teardown are not), so
// total Ir / N is the cost of one round trip. Prints one JSON line.

#include "bench_report.hpp"

#include <grove/fiber.hpp>
#include <grove/tcp_listener.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/udp_socket.hpp>

#include <valgrind/callgrind.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void tcp(std::uint64_t n) {
  grove::TcpListener listener(grove::tcp_endpoint("127.0.0.1", 0));
  auto server = grove::spawn([&] {
    auto peer = listener.accept();
    char b;
    for (std::uint64_t i = 0; i < n; ++i) {
      if (peer.recv_some(&b, 1) != 1) std::abort();
      peer.send_all(&b, 1);
    }
  });
  auto client = grove::TcpSocket::connect(listener.local_endpoint());
  client.set_no_delay(true);
  char b = 'x';
  const std::uint64_t t0 = grove::bench::now_ns();
  CALLGRIND_START_INSTRUMENTATION;
  for (std::uint64_t i = 0; i < n; ++i) {
    client.send_all(&b, 1);
    if (client.recv_some(&b, 1) != 1) std::abort();
  }
  CALLGRIND_STOP_INSTRUMENTATION;
  const std::uint64_t t1 = grove::bench::now_ns();
  server.join();
  grove::bench::report("io", "tcp-pingpong", n, static_cast<double>(t1 - t0));
}

void udp(std::uint64_t n) {
  grove::UdpSocket a(grove::udp_endpoint("127.0.0.1", 0));
  grove::UdpSocket b(grove::udp_endpoint("127.0.0.1", 0));
  auto server = grove::spawn([&] {
    char c;
    grove::UdpEndpoint from;
    for (std::uint64_t i = 0; i < n; ++i) {
      if (b.recv_from(&c, 1, from) != 1) std::abort();
      b.send_to(&c, 1, from);
    }
  });
  const auto peer = b.local_endpoint();
  char c = 'x';
  grove::UdpEndpoint from;
  const std::uint64_t t0 = grove::bench::now_ns();
  CALLGRIND_START_INSTRUMENTATION;
  for (std::uint64_t i = 0; i < n; ++i) {
    a.send_to(&c, 1, peer);
    if (a.recv_from(&c, 1, from) != 1) std::abort();
  }
  CALLGRIND_STOP_INSTRUMENTATION;
  const std::uint64_t t1 = grove::bench::now_ns();
  server.join();
  grove::bench::report("io", "udp-pingpong", n, static_cast<double>(t1 - t0));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "tcp";
  const std::uint64_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 10000;
  if (mode == "tcp") {
    tcp(n);
  } else if (mode == "udp") {
    udp(n);
  } else {
    std::fprintf(stderr, "usage: grove-io-pingpong tcp|udp [N]\n");
    return 2;
  }
  return 0;
}
