// resolve_test.cpp — resolve()/resolve_udp(), the reverse lookups
// (getnameinfo, gethostbyaddr) and host names wherever an endpoint is
// taken, without leaving the machine ("localhost" is in /etc/hosts).
#include <grove/resolve.hpp>

#include <grove/fiber.hpp>
#include <grove/io_error.hpp>
#include <grove/stream_server.hpp>
#include <grove/tcp_listener.hpp>
#include <grove/udp_socket.hpp>

#include "io_test_support.hpp"

#include <boost/asio/error.hpp>

#include <grove/this_fiber.hpp>

#include <string>
#include <vector>

using namespace grove;
using namespace grove::test;

namespace {

class ResolveTest : public HubTest {};

TEST_F(ResolveTest, NumericAddressesNeedNoLookup) {
  auto eps = resolve("127.0.0.1", "8080");
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].port(), 8080);
  EXPECT_TRUE(eps[0].address().is_loopback());
  auto v6 = resolve("::1", "80");
  ASSERT_EQ(v6.size(), 1u);
  EXPECT_TRUE(v6[0].address().is_v6());
}

TEST_F(ResolveTest, LocalhostAndServiceNamesGoThroughAsyncResolve) {
  auto eps = resolve("localhost", "http");  // /etc/hosts and /etc/services
  ASSERT_FALSE(eps.empty());
  for (auto& ep : eps) {
    EXPECT_TRUE(ep.address().is_loopback());
    EXPECT_EQ(ep.port(), 80);
  }
  auto udp = resolve_udp("localhost", "53");
  ASSERT_FALSE(udp.empty());
  EXPECT_EQ(udp[0].port(), 53);
}

TEST_F(ResolveTest, AnUnknownServiceIsAnErrorInBothForms) {
  boost::system::error_code ec;
  auto eps = resolve("127.0.0.1", "no-such-service-grove", ec);
  EXPECT_TRUE(ec);
  EXPECT_TRUE(eps.empty());
  EXPECT_THROW(resolve("127.0.0.1", "no-such-service-grove"), IoError);
}

TEST_F(ResolveTest, GetNameInfoFindsTheHostAndServiceNames) {
  NameInfo tcp = getnameinfo(tcp_endpoint("127.0.0.1", 80));
  EXPECT_EQ(tcp.host, "localhost");
  EXPECT_EQ(tcp.service, "http");
  NameInfo udp = getnameinfo(udp_endpoint("127.0.0.1", 53));
  EXPECT_EQ(udp.host, "localhost");
  EXPECT_EQ(udp.service, "domain");
  // A port without a service name comes back as its number.
  EXPECT_EQ(getnameinfo(tcp_endpoint("127.0.0.1", 47123)).service, "47123");
}

TEST_F(ResolveTest, ReverseLookupsRunOffTheHub) {
  // Other fibers keep running while a lookup is parked.
  int ticks = 0;
  auto ticker = spawn([&] {
    for (int i = 0; i < 3; ++i, ++ticks) this_fiber::yield();
  });
  auto names = spawn([] {
    std::vector<std::string> out;
    for (int i = 0; i < 3; ++i) out.push_back(gethostbyaddr("127.0.0.1"));
    return out;
  });
  for (const auto& name : names.get()) EXPECT_EQ(name, "localhost");
  ticker.join();
  EXPECT_EQ(ticks, 3);
}

TEST_F(ResolveTest, GetHostByAddrRefusesWhatIsNotAnAddress) {
  boost::system::error_code ec;
  EXPECT_EQ(gethostbyaddr("not an address", ec), "");
  EXPECT_TRUE(ec);
  EXPECT_THROW(gethostbyaddr("300.1.2.3"), IoError);
}

TEST_F(ResolveTest, HostNamesAreAcceptedWhereverAnEndpointIsTaken) {
  // Endpoints: a numeric address at once, a name through the resolver.
  EXPECT_TRUE(tcp_endpoint("localhost", 80).address().is_loopback());
  EXPECT_TRUE(udp_endpoint("localhost", 53).address().is_loopback());

  // A listener and a server by name, a client by name.
  TcpListener listener("localhost", 0);
  EXPECT_TRUE(listener.local_endpoint().address().is_loopback());
  StreamServer server(tcp_endpoint("localhost", 0), [](Stream& s) { s.send_all("named\n"); });
  server.start();
  auto client = TcpSocket::connect("localhost", server.port(), 2s);
  EXPECT_EQ(client.read_line(), "named\n");
  server.stop();

  // UDP: send_to and connect by name.
  UdpSocket receiver(udp_endpoint("127.0.0.1", 0));
  UdpSocket sender;
  sender.send_to("by name", "localhost", receiver.local_endpoint().port());
  UdpEndpoint from;
  EXPECT_EQ(receiver.recv_from(from), "by name");
  sender.connect("localhost", receiver.local_endpoint().port());
  sender.send("connected by name");
  EXPECT_EQ(receiver.recv_from(from), "connected by name");
}

}  // namespace
