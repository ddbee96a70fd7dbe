// stream_server_listener_test.cpp — StreamServer started on a listener that
// already exists (gevent's StreamServer(listener=socket)): a TcpListener, a
// descriptor bound and listening, and one bound but not yet listening.
#include <grove/stream_server.hpp>

#include <grove/fiber.hpp>
#include <grove/io_error.hpp>

#include "io_test_support.hpp"

#include <string>

using namespace grove;
using namespace grove::test;

namespace {

class StreamServerListenerTest : public HubTest {};

void greet(Stream& s) { s.send_all("hello\n"); }

std::string greeting_from(std::uint16_t port) {
  auto c = TcpSocket::connect("127.0.0.1", port, 2s);
  return c.read_line();
}

// bound_fd(listen) is a TCP socket bound to 127.0.0.1 on a free port, listening or not.
int bound_fd(bool listen) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return -1;
  if (listen && ::listen(fd, 16) != 0) return -1;
  return fd;
}

TEST_F(StreamServerListenerTest, ServesATcpListenerItWasGiven) {
  TcpListener listener(tcp_endpoint("127.0.0.1", 0));
  const auto port = listener.local_endpoint().port();
  // A client may connect before the server starts: it waits in the backlog.
  auto early = spawn([port] { return greeting_from(port); });
  StreamServer server(std::move(listener), greet);
  EXPECT_EQ(server.port(), port);
  server.start();
  EXPECT_EQ(early.get(), "hello\n");
  EXPECT_EQ(greeting_from(port), "hello\n");
  server.stop();
}

TEST_F(StreamServerListenerTest, ServesANativeDescriptorListeningOrNot) {
  for (bool listening : {true, false}) {
    const int fd = bound_fd(listening);
    ASSERT_GE(fd, 0);
    StreamServer server(fd, [](Stream& s, const TcpEndpoint& peer) {
      s.send_all(peer.address().is_loopback() ? "loopback\n" : "elsewhere\n");
    });
    server.start();
    auto c = TcpSocket::connect("127.0.0.1", server.port(), 2s);
    EXPECT_EQ(c.read_line(), "loopback\n") << "listening before: " << listening;
    server.stop();
  }
}

TEST_F(StreamServerListenerTest, AClosedListenerOrAWrongDescriptorIsAUsageError) {
  TcpListener listener(tcp_endpoint("127.0.0.1", 0));
  listener.close();
  EXPECT_THROW(StreamServer(std::move(listener), greet), UsageError);
  EXPECT_THROW(StreamServer(-1, [](Stream&, const TcpEndpoint&) {}), UsageError);
}

}  // namespace
