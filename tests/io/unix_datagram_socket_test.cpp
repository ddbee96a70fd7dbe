// unix_datagram_socket_test.cpp — UnixDatagramSocket and
// datagram_socketpair() on real AF_UNIX datagram sockets.
#include <grove/unix_datagram_socket.hpp>

#include <grove/fiber.hpp>
#include <grove/io_error.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "io_test_support.hpp"
#include "temp_dir.hpp"

#include <string>

namespace asio = boost::asio;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;

namespace {

class UnixDatagramTest : public HubTest {
 protected:
  TempDir dir;
};

TEST_F(UnixDatagramTest, SendToAPathAndAnswerTheSender) {
  const std::string server_path = dir.file("server.dgram");
  const std::string client_path = dir.file("client.dgram");
  UnixDatagramSocket server(server_path);
  UnixDatagramSocket client(client_path);  // bound, so it can be answered
  auto answer = spawn([&] {
    UnixDatagramEndpoint from;
    std::string got = server.recv_from(from);
    server.send_to("re: " + got, from);
    return from.path();
  });
  this_fiber::sleep(1ms);
  EXPECT_EQ(client.send_to("ping", unix_datagram_endpoint(server_path)), 4u);
  UnixDatagramEndpoint from;
  EXPECT_EQ(client.recv_from(from), "re: ping");
  EXPECT_EQ(from.path(), server_path);
  EXPECT_EQ(answer.get(), client_path);
}

TEST_F(UnixDatagramTest, DatagramsKeepTheirBoundaries) {
  auto [a, b] = datagram_socketpair();
  a.send("one");
  a.send("two two");
  a.send("");
  EXPECT_EQ(b.recv(), "one");
  EXPECT_EQ(b.recv(), "two two");
  EXPECT_EQ(b.recv(), "");
  // A datagram longer than the buffer is truncated, the next one intact.
  a.send("truncated");
  a.send("next");
  char small[4];
  EXPECT_EQ(b.recv(small, sizeof small), 4u);
  EXPECT_EQ(std::string(small, 4), "trun");
  EXPECT_EQ(b.recv(), "next");
}

TEST_F(UnixDatagramTest, RecvParksObeysTimeoutAndClose) {
  auto [a, b] = datagram_socketpair();
  auto reader = spawn([&b = b] { return b.recv(); });
  this_fiber::sleep(1ms);
  a.send("late");
  EXPECT_EQ(reader.get(), "late");
  EXPECT_THROW(
      {
        Timeout t(10ms);
        b.recv();
      },
      Timeout);
  b.set_timeout(10ms);
  error_code ec;
  b.recv(100, ec);
  EXPECT_EQ(ec, asio::error::timed_out);
  b.set_timeout(Duration::max());
  auto closed = spawn([&b = b] {
    error_code e;
    b.recv(100, e);
    return e;
  });
  this_fiber::sleep(1ms);
  b.close();
  EXPECT_EQ(closed.get(), io_errc::closed_by_other);
  EXPECT_THROW(b.recv(), IoError);  // not open any more
}

TEST_F(UnixDatagramTest, SendToNobodyIsAnIoError) {
  UnixDatagramSocket s;
  error_code ec;
  s.send_to("x", unix_datagram_endpoint(dir.file("nobody.dgram")), ec);
  EXPECT_EQ(ec.value(), ENOENT) << ec.message();
  EXPECT_THROW(s.send_to("x", unix_datagram_endpoint(dir.file("nobody.dgram"))), IoError);
  EXPECT_THROW(unix_datagram_endpoint(std::string(200, 'p')), UsageError);
}

}  // namespace
