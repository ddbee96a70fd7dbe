// udp_socket_test.cpp — UdpSocket and DatagramServer on 127.0.0.1.
#include <grove/udp_socket.hpp>

#include <grove/datagram_server.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "io_test_support.hpp"

#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;

namespace {

class UdpTest : public HubTest {};

TEST_F(UdpTest, SendToAndRecvFrom) {
  UdpSocket a(udp_endpoint("127.0.0.1", 0));
  UdpSocket b(udp_endpoint("127.0.0.1", 0));
  auto reader = spawn([&] {
    UdpEndpoint from;
    std::string got = b.recv_from(from);
    return std::make_pair(got, from);
  });
  this_fiber::sleep(5ms);
  EXPECT_EQ(a.send_to("datagram", b.local_endpoint()), 8u);
  auto [got, from] = reader.get();
  EXPECT_EQ(got, "datagram");
  EXPECT_EQ(from, a.local_endpoint());
  // An unbound socket binds on its first send.
  UdpSocket c;
  c.send_to(std::string_view("x"), b.local_endpoint());
  char one;
  UdpEndpoint f;
  EXPECT_EQ(b.recv_from(&one, 1, f), 1u);
  EXPECT_EQ(one, 'x');
}

TEST_F(UdpTest, RecvTimeoutBothFormsAndClose) {
  UdpSocket s(udp_endpoint("127.0.0.1", 0));
  UdpEndpoint from;
  EXPECT_THROW(
      {
        Timeout t(20ms);
        s.recv_from(from);
      },
      Timeout);
  s.set_timeout(20ms);
  error_code ec;
  s.recv_from(from, 100, ec);
  EXPECT_EQ(ec, asio::error::timed_out);
  s.set_timeout(Duration::max());
  auto reader = spawn([&] {
    error_code e;
    s.recv_from(from, 100, e);
    return e;
  });
  this_fiber::sleep(5ms);
  s.close();
  EXPECT_EQ(reader.get(), io_errc::closed_by_other);
}

TEST_F(UdpTest, DatagramServerAnswersEachDatagram) {
  DatagramServer server(udp_endpoint("127.0.0.1", 0), [](std::string data, const UdpEndpoint& peer, DatagramServer& s) {
    data.insert(0, "re: ");
    s.send_to(data, peer);
  });
  server.start();
  UdpSocket client(udp_endpoint("127.0.0.1", 0));
  client.set_timeout(1s);
  for (int i = 0; i < 20; ++i) {
    const std::string msg = std::to_string(i);
    client.send_to(msg, server.local_endpoint());
    UdpEndpoint from;
    EXPECT_EQ(client.recv_from(from), std::string("re: ").append(msg));
  }
  EXPECT_EQ(server.received(), 20u);
  server.stop();
}

TEST_F(UdpTest, ConnectedSendAndRecvTalkToOnePeer) {
  UdpSocket server(udp_endpoint("127.0.0.1", 0));
  UdpSocket client(udp_endpoint("127.0.0.1", 0));
  client.connect(server.local_endpoint());
  EXPECT_EQ(client.remote_endpoint(), server.local_endpoint());
  EXPECT_EQ(client.send("hello"), 5u);
  UdpEndpoint from;
  EXPECT_EQ(server.recv_from(from), "hello");
  EXPECT_EQ(from, client.local_endpoint());
  // A datagram from a stranger never reaches a connected socket.
  UdpSocket stranger(udp_endpoint("127.0.0.1", 0));
  stranger.send_to("noise", client.local_endpoint());
  server.send_to("answer", from);
  EXPECT_EQ(client.recv(), "answer");
  // recv parks the fiber until the peer answers.
  auto reader = spawn([&] { return client.recv(); });
  this_fiber::sleep(1ms);
  server.send_to("later", from);
  EXPECT_EQ(reader.get(), "later");
}

TEST_F(UdpTest, ConnectionRefusedSurfacesOnTheNextCall) {
  // A port nobody listens on: bind one, remember it, close it.
  UdpEndpoint closed_port;
  {
    UdpSocket gone(udp_endpoint("127.0.0.1", 0));
    closed_port = gone.local_endpoint();
  }
  UdpSocket client(udp_endpoint("127.0.0.1", 0));
  client.connect(closed_port);
  client.send("anyone?");  // accepted by the kernel; the ICMP answer comes later
  client.set_timeout(2s);
  error_code ec;
  client.recv(100, ec);
  EXPECT_EQ(ec, asio::error::connection_refused);
  client.send("anyone?");
  EXPECT_THROW(client.recv(), IoError);
}

TEST_F(UdpTest, SendWithoutConnectAndRecvTimeoutReportErrors) {
  UdpSocket s(udp_endpoint("127.0.0.1", 0));
  error_code ec;
  s.send("nowhere", ec);
  EXPECT_TRUE(ec) << "an unconnected UDP socket has no peer (EDESTADDRREQ)";
  EXPECT_THROW(s.remote_endpoint(), IoError);
  s.set_timeout(10ms);
  EXPECT_THROW(s.recv(), IoTimeout);
}

}  // namespace
