// concurrent_use_test.cpp — one fiber may read and one may write an I/O
// object at a time. gevent refuses a second greenlet waiting on the same
// socket at once (ConcurrentObjectUseError); grove throws
// ConcurrentUseError, and the first fiber's call goes on unharmed.

#include <grove/tcp_listener.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/udp_socket.hpp>

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include "io_test_support.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace grove;
using namespace grove::test;

namespace {

using ConcurrentUseTest = HubTest;

struct Pair {
  TcpListener listener{tcp_endpoint("127.0.0.1", 0)};
  TcpSocket client = TcpSocket::connect(listener.local_endpoint());
  TcpSocket server = listener.accept();
};

TEST_F(ConcurrentUseTest, ASecondReaderOfATcpSocketIsRefused) {
  Pair p;
  std::string first_got;
  auto first = spawn([&] { first_got = p.server.recv(100); });
  this_fiber::yield();  // first is parked in recv
  try {
    (void)p.server.recv(100);
    FAIL() << "a second reader was let in";
  } catch (const ConcurrentUseError& e) {
    EXPECT_NE(std::string(e.what()).find("already waiting"), std::string::npos) << e.what();
  }
  p.client.send_all("hello");
  first.join();
  EXPECT_EQ(first_got, "hello");
  // Once the first reader is done, anyone may read.
  p.client.send_all("again");
  EXPECT_EQ(p.server.recv(100), "again");
}

TEST_F(ConcurrentUseTest, ASecondWriterOfATcpSocketIsRefused) {
  Pair p;
  const std::string big(64 << 20, 'x');  // far more than the socket buffers hold
  auto writer = spawn([&] { p.client.send_all(big); });
  this_fiber::yield();  // writer is parked with the buffers full
  ASSERT_FALSE(writer.dead());
  EXPECT_THROW(p.client.send_all("more"), ConcurrentUseError);
  // A reader beside the writer is fine: read and write are separate.
  auto reader = spawn([&] { (void)p.client.recv(10); });
  this_fiber::yield();
  EXPECT_FALSE(reader.dead());
  writer.kill();
  reader.kill();
}

TEST_F(ConcurrentUseTest, ASecondReaderOfAUdpSocketIsRefused) {
  UdpSocket a(udp_endpoint("127.0.0.1", 0));
  UdpSocket b(udp_endpoint("127.0.0.1", 0));
  std::string got;
  auto first = spawn([&] {
    UdpEndpoint from;
    got = a.recv_from(from, 100);
  });
  this_fiber::yield();
  UdpEndpoint from;
  EXPECT_THROW((void)a.recv_from(from, 100), ConcurrentUseError);
  b.send_to(std::string_view("datagram"), a.local_endpoint());
  first.join();
  EXPECT_EQ(got, "datagram");
}

}  // namespace
