// unix_socket_test.cpp — UnixSocket, socketpair(), UnixListener and
// UnixStreamServer on real AF_UNIX sockets in a temporary directory.
#include <grove/unix_socket.hpp>

#include <grove/fiber.hpp>
#include <grove/io_error.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/tls.hpp>
#include <grove/unix_listener.hpp>
#include <grove/unix_stream_server.hpp>

#include "io_test_support.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <string>

namespace asio = boost::asio;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;

namespace {

class UnixSocketTest : public HubTest {
 protected:
  TempDir dir;
};

TEST_F(UnixSocketTest, ConnectListenAcceptAndTalk) {
  const std::string path = dir.file("echo.sock");
  UnixListener listener(path);
  EXPECT_EQ(listener.local_endpoint().path(), path);
  EXPECT_TRUE(std::filesystem::exists(path));
  auto server = spawn([&] {
    UnixSocket peer = listener.accept();
    std::string line = peer.read_line();
    peer.send_all("echo: " + line);
  });
  UnixSocket client = UnixSocket::connect(path, 2s);
  EXPECT_EQ(client.remote_endpoint().path(), path);
  EXPECT_NE(client.describe().find("unix"), std::string::npos);
  client.send_all("hello\n");
  EXPECT_EQ(client.read_line(), "echo: hello\n");
  server.join();
  // The server side closed: the client sees the end of the stream.
  EXPECT_EQ(client.recv(), "");
  listener.close();
  EXPECT_TRUE(std::filesystem::exists(path)) << "the socket file stays, as with bind(2)";
}

TEST_F(UnixSocketTest, ConnectToNothingIsAnIoErrorInBothForms) {
  const std::string path = dir.file("nobody.sock");
  EXPECT_THROW(UnixSocket::connect(path), IoError);
  error_code ec;
  UnixSocket s = UnixSocket::connect(path, ec);
  EXPECT_EQ(ec.value(), ENOENT) << ec.message();
  EXPECT_FALSE(s.is_open());
}

TEST_F(UnixSocketTest, ATooLongPathIsAUsageError) {
  const std::string path = dir.file(std::string(200, 'p'));
  EXPECT_THROW(UnixSocket::connect(path), UsageError);
  EXPECT_THROW(UnixListener{path}, UsageError);
  EXPECT_THROW(unix_endpoint(""), UsageError);
}

TEST_F(UnixSocketTest, BindingAnExistingPathFails) {
  const std::string path = dir.file("busy.sock");
  UnixListener first(path);
  EXPECT_THROW(UnixListener{path}, IoError);
  error_code ec;
  UnixListener second(path, {}, ec);
  EXPECT_EQ(ec, asio::error::address_in_use);
  EXPECT_FALSE(second.is_open());
}

TEST_F(UnixSocketTest, SocketPairCarriesBytesBothWays) {
  auto [a, b] = socketpair();
  ASSERT_TRUE(a.is_open());
  ASSERT_TRUE(b.is_open());
  auto reader = spawn([&b = b] { return b.read_exactly(5); });
  this_fiber::sleep(1ms);
  a.send_all("ping!");
  EXPECT_EQ(reader.get(), "ping!");
  b.send_all("pong\n");
  EXPECT_EQ(a.read_line(), "pong\n");
  // A large transfer parks the writer until the reader drains the pair.
  const std::string big(1 << 20, 'x');
  auto writer = spawn([&a = a, &big] {
    a.send_all(big);
    a.shutdown_send();
  });
  std::string got;
  for (std::string chunk; !(chunk = b.recv()).empty();) got += chunk;
  writer.join();
  EXPECT_EQ(got, big);
}

TEST_F(UnixSocketTest, RecvObeysTimeoutSetTimeoutAndCloseByAnotherFiber) {
  auto [a, b] = socketpair();
  EXPECT_THROW(
      {
        Timeout t(10ms);
        a.recv();
      },
      Timeout);
  a.set_timeout(10ms);
  error_code ec;
  a.recv(100, ec);
  EXPECT_EQ(ec, asio::error::timed_out);
  EXPECT_THROW(a.recv(), IoTimeout);
  a.set_timeout(Duration::max());
  auto reader = spawn([&a = a] {
    error_code e;
    a.recv(100, e);
    return e;
  });
  this_fiber::sleep(1ms);
  a.close();
  EXPECT_EQ(reader.get(), io_errc::closed_by_other);
}

TEST_F(UnixSocketTest, TwoReadersAreAConcurrentUseError) {
  auto [a, b] = socketpair();
  auto first = spawn([&a = a] {
    error_code e;
    a.recv(10, e);
  });
  this_fiber::sleep(1ms);
  EXPECT_THROW(a.recv(), ConcurrentUseError);
  b.send_all("x");
  first.join();
}

TEST_F(UnixSocketTest, AcceptObeysTimeoutAndClose) {
  UnixListener listener(dir.file("accept.sock"));
  EXPECT_THROW(
      {
        Timeout t(10ms);
        listener.accept();
      },
      Timeout);
  auto acceptor = spawn([&] {
    error_code e;
    (void)listener.accept(e);
    return e;
  });
  this_fiber::sleep(1ms);
  listener.close();
  EXPECT_EQ(acceptor.get(), io_errc::closed_by_other);
}

void echo_lines(Stream& s) {
  for (std::string line; !(line = s.read_line()).empty();) s.send_all(line);
}

TEST_F(UnixSocketTest, UnixStreamServerServesManyClients) {
  const std::string path = dir.file("server.sock");
  UnixStreamServer server(unix_endpoint(path), echo_lines, {.pool_size = 4});
  server.start();
  EXPECT_EQ(server.local_endpoint().path(), path);
  std::vector<Fiber<std::string>> clients;
  for (int i = 0; i < 8; ++i)
    clients.push_back(spawn([&path, i] {
      UnixSocket c = UnixSocket::connect(path, 2s);
      c.send_all("client " + std::to_string(i) + "\n");
      return c.read_line();
    }));
  for (int i = 0; i < 8; ++i) EXPECT_EQ(clients[i].get(), "client " + std::to_string(i) + "\n");
  EXPECT_EQ(server.accepted(), 8u);
  server.stop();
  EXPECT_TRUE(server.stopped());
}

TEST_F(UnixSocketTest, UnixStreamServerHandlerGetsThePeerAndRefusesTls) {
  const std::string path = dir.file("peer.sock");
  UnixStreamServer server(unix_endpoint(path), [](Stream& s, const UnixEndpoint& peer) {
    s.send_all(peer.path().empty() ? "unnamed\n" : peer.path() + "\n");
  });
  server.start();
  UnixSocket c = UnixSocket::connect(path, 2s);
  EXPECT_EQ(c.read_line(), "unnamed\n");
  server.stop();
  auto tls = TlsContext::client();
  EXPECT_THROW(UnixStreamServer(unix_endpoint(dir.file("tls.sock")), echo_lines, {.tls = &tls}), UsageError);
}

}  // namespace
