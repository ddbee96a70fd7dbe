#pragma once
// stream_server_test_support.hpp — the fixture shared by the StreamServer
// suites (stream_server_test.cpp, stream_server_accepting_test.cpp): a
// fresh hub per test, a loopback endpoint on a free port, and an echo
// handler for line-based clients.

#include <grove/stream.hpp>
#include <grove/tcp_socket.hpp>

#include "io_test_support.hpp"

#include <string>

namespace grove::test {

// StreamServerTest: HubTest, for the StreamServer suites.
class StreamServerTest : public HubTest {};

// any_port: 127.0.0.1, port 0 (the kernel picks a free one at bind).
inline const TcpEndpoint any_port = tcp_endpoint("127.0.0.1", 0);

// echo_lines(s) sends back each line (up to 1 KiB) until the peer closes.
inline void echo_lines(Stream& s) {
  for (;;) {
    std::string line = s.read_line(1024);
    if (line.empty()) return;
    s.send_all(line);
  }
}

}  // namespace grove::test
