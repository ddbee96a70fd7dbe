// tcp_socket_test.cpp — TcpSocket and TcpListener on 127.0.0.1: every call,
// both error forms, timeouts on connect/recv/send, resets, long lines.
#include <grove/tcp_socket.hpp>

#include <grove/fiber.hpp>
#include <grove/tcp_listener.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "io_test_support.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <csignal>
#include <optional>
#include <thread>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;

namespace {

class TcpTest : public HubTest {
 protected:
  void SetUp() override {
    HubTest::SetUp();
    listener.emplace(tcp_endpoint("127.0.0.1", 0));
    port = listener->local_endpoint().port();
  }
  void TearDown() override {
    listener.reset();
    HubTest::TearDown();
  }
  // pair() connects a client to the listener and returns both ends.
  std::pair<TcpSocket, TcpSocket> pair() {
    auto server = spawn([this] { return listener->accept(); });
    TcpSocket client = TcpSocket::connect("127.0.0.1", port);
    return {std::move(client), std::move(server).get()};
  }
  std::optional<TcpListener> listener;
  std::uint16_t port = 0;
};

TEST_F(TcpTest, ConnectSendRecv) {
  auto [client, server] = pair();
  client.send_all("hello");
  char buf[16];
  std::size_t n = server.recv_some(buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n), "hello");
  server.send_all(std::string_view("world"));
  EXPECT_EQ(client.recv(), "world");
  client.close();
  EXPECT_EQ(server.recv(), "");  // end of stream: empty, no error
  EXPECT_FALSE(client.is_open());
  // The first socket made SIGPIPE harmless (it had the default disposition).
  struct sigaction current {};
  ::sigaction(SIGPIPE, nullptr, &current);
  EXPECT_EQ(current.sa_handler, SIG_IGN);
}

TEST_F(TcpTest, ConnectByNameTriesEachAddress) {
  // "localhost" may resolve to ::1 first, where nobody listens.
  auto server = spawn([this] { return listener->accept(); });
  TcpSocket client = TcpSocket::connect("localhost", port, 1s);
  EXPECT_TRUE(client.is_open());
  EXPECT_EQ(client.remote_endpoint().port(), port);
  server.get();
}

TEST_F(TcpTest, EndpointsAndOptions) {
  auto [client, server] = pair();
  EXPECT_EQ(client.remote_endpoint(), server.local_endpoint());
  EXPECT_EQ(client.local_endpoint(), server.remote_endpoint());
  client.set_no_delay(true);
  client.set_keep_alive(true);
  asio::ip::tcp::no_delay nd;
  client.asio_socket().get_option(nd);
  EXPECT_TRUE(nd.value());
  asio::socket_base::keep_alive ka;
  client.asio_socket().get_option(ka);
  EXPECT_TRUE(ka.value());
  EXPECT_NE(client.describe().find("127.0.0.1"), std::string::npos);
}

TEST_F(TcpTest, ReadLineReadExactlyAndRecvShareOneBuffer) {
  auto [client, server] = pair();
  client.send_all("first line\nsecond");
  auto writer = spawn([&] {
    this_fiber::sleep(10ms);
    client.send_all(" half\nABCDEFGHtail");
    client.shutdown_send();
  });
  EXPECT_EQ(server.read_line(), "first line\n");
  EXPECT_EQ(server.read_line(), "second half\n");
  EXPECT_EQ(server.read_exactly(4), "ABCD");
  char four[4];
  EXPECT_EQ(server.read_exactly(four, 4), 4u);
  EXPECT_EQ(std::string(four, 4), "EFGH");
  EXPECT_EQ(server.read_line(), "tail");  // the last line has no newline
  EXPECT_EQ(server.read_line(), "");
  writer.join();
}

TEST_F(TcpTest, WaitsSendSomeAndShutdown) {
  auto [client, server] = pair();
  error_code ec;
  client.wait_writable(ec);
  EXPECT_FALSE(ec);
  auto writer = spawn([&] {
    this_fiber::sleep(5ms);
    return client.send_some("ab", 2);
  });
  server.wait_readable(ec);
  EXPECT_FALSE(ec);
  char two[2];
  EXPECT_EQ(server.recv_some(two, 2), 2u);  // send_some sent both bytes
  EXPECT_EQ(writer.get(), 2u);
  server.set_timeout(20ms);
  server.wait_readable(ec);
  EXPECT_EQ(ec, asio::error::timed_out);
  client.shutdown(TcpSocket::socket_type::shutdown_both);
  EXPECT_EQ(server.recv(), "");
  EXPECT_THROW(client.send_some("x", 1), IoError);  // the sending side is shut
}

TEST_F(TcpTest, ReadExactlyReportsAnEarlyEnd) {
  auto [client, server] = pair();
  client.send_all("abc");
  client.close();
  error_code ec;
  EXPECT_EQ(server.read_exactly(10, ec), "abc");  // what was read is returned
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_THROW(server.read_exactly(1), IoError);
}

TEST_F(TcpTest, RecvViewAndAsioSyncStream) {
  auto [client, server] = pair();
  client.send_all("0123456789");
  std::string got;
  while (got.size() < 4) got += server.recv_view(4 - got.size());
  EXPECT_EQ(got, "0123");
  char rest[6];
  asio::read(server, asio::buffer(rest));  // Stream is an Asio SyncReadStream
  EXPECT_EQ(std::string(rest, 6), "456789");
  asio::write(server, asio::buffer("xyz", 3));
  EXPECT_EQ(client.read_exactly(3), "xyz");
}

TEST_F(TcpTest, WriteSomeGathersManyBuffersInOneCall) {
  auto [client, server] = pair();
  // A Beast response arrives as a sequence of pieces: one write_some takes
  // them all (one sendmsg), in order, skipping the empty ones.
  std::array<asio::const_buffer, 5> pieces{asio::buffer("HTTP/1.1 ", 9), asio::const_buffer(),
                                            asio::buffer("200 OK\r\n", 8), asio::buffer("\r\n", 2),
                                            asio::buffer("body", 4)};
  boost::system::error_code ec;
  std::size_t n = server.write_some(pieces, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(n, 23u);
  EXPECT_EQ(client.read_exactly(23), "HTTP/1.1 200 OK\r\n\r\nbody");
  // Nothing to write is not an error.
  EXPECT_EQ(server.write_some(std::array<asio::const_buffer, 1>{}, ec), 0u);
  EXPECT_FALSE(ec);
  // asio::write over many buffers moves every byte even past max_gather.
  std::vector<std::string> parts;
  for (int i = 0; i < 40; ++i) parts.push_back("part" + std::to_string(i) + ";");
  std::vector<asio::const_buffer> seq;
  std::string expected;
  for (auto& p : parts) {
    seq.push_back(asio::buffer(p));
    expected += p;
  }
  asio::write(server, seq);
  EXPECT_EQ(client.read_exactly(expected.size()), expected);
}

TEST_F(TcpTest, OversizedLineIsAnErrorAndLosesNothing) {
  auto [client, server] = pair();
  const std::string blob(100000, 'x');
  auto writer = spawn([&] { client.send_all(blob + "\nnext\n"); });
  error_code ec;
  EXPECT_EQ(server.read_line(1024, ec), "");
  EXPECT_EQ(ec, io_errc::line_too_long);
  EXPECT_LE(server.buffered(), 1024u + 4096u);  // bounded, not the whole blob
  EXPECT_THROW(server.read_line(1024), IoError);
  // The bytes are still there for whoever wants them.
  std::string all = server.read_exactly(blob.size());
  EXPECT_EQ(all, blob);
  EXPECT_EQ(server.read_line(1024), "\n");
  EXPECT_EQ(server.read_line(1024), "next\n");
  writer.join();
}

TEST_F(TcpTest, ConnectRefused) {
  const auto p = free_port();
  error_code ec;
  TcpSocket s = TcpSocket::connect(tcp_endpoint("127.0.0.1", p), ec);
  EXPECT_EQ(ec, asio::error::connection_refused);
  EXPECT_FALSE(s.is_open());
  try {
    TcpSocket::connect("127.0.0.1", p);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(e.code().value(), ECONNREFUSED);
    EXPECT_EQ(e.asio_code(), asio::error::connection_refused);
  }
}

TEST_F(TcpTest, ConnectObeysAZeroTimeout) {
  // On loopback the connection may be made in the same hub turn as the
  // Timeout fires: then it is returned (it took effect, run_op's rule 1)
  // and the Timeout is raised at the next suspension point. Either way the
  // Timeout comes at once, and no unconnected socket is handed out.
  const auto t0 = Clock::now();
  EXPECT_THROW(
      {
        Timeout t(0ms);
        TcpSocket s = TcpSocket::connect(tcp_endpoint("127.0.0.1", port));
        EXPECT_TRUE(s.is_open());
        this_fiber::yield();
      },
      Timeout);
  EXPECT_LT(since(t0), 500ms);
}

TEST_F(TcpTest, ConnectTimesOutOnAFullBacklog) {
  // A listener that never accepts, with the smallest backlog: once its
  // queue is full the kernel drops SYNs and connects hang.
  TcpListener full(tcp_endpoint("127.0.0.1", 0), {.backlog = 0});
  const auto ep = full.local_endpoint();
  std::vector<TcpSocket> queued;
  bool timed_out = false;
  const auto t0 = Clock::now();
  for (int i = 0; i < 8 && !timed_out; ++i) {
    error_code ec;
    TcpSocket s = TcpSocket::connect(ep, ec, 100ms);
    if (ec == asio::error::timed_out) timed_out = true;
    else if (!ec) queued.push_back(std::move(s));
    else FAIL() << ec.message();
  }
  EXPECT_TRUE(timed_out);
  EXPECT_LT(since(t0), 1500ms);
  // The Timeout form.
  EXPECT_THROW(
      {
        Timeout t(50ms);
        TcpSocket::connect(ep);
      },
      Timeout);
}

TEST_F(TcpTest, RecvTimeoutBothForms) {
  auto [client, server] = pair();
  const auto t0 = Clock::now();
  EXPECT_THROW(
      {
        Timeout t(50ms);
        server.recv();
      },
      Timeout);
  EXPECT_GE(since(t0), 50ms);
  server.set_timeout(30ms);
  error_code ec;
  EXPECT_EQ(server.recv(100, ec), "");
  EXPECT_EQ(ec, asio::error::timed_out);
  EXPECT_THROW(server.read_line(), IoError);
  // Nothing was lost or left behind: data sent now is read normally.
  server.set_timeout(Duration::max());
  client.send_all("late\n");
  EXPECT_EQ(server.read_line(), "late\n");
}

TEST_F(TcpTest, SendTimeoutWhenThePeerNeverReads) {
  auto [client, server] = pair();
  const std::string chunk(1 << 20, 'z');
  const auto t0 = Clock::now();
  EXPECT_THROW(
      {
        Timeout t(100ms);
        for (int i = 0; i < 256; ++i) client.send_all(chunk);
      },
      Timeout);
  EXPECT_GE(since(t0), 100ms);
  EXPECT_LT(since(t0), 1s);
  client.set_timeout(50ms);
  error_code ec;
  client.send_all(chunk, ec);
  EXPECT_EQ(ec, asio::error::timed_out);
}

TEST_F(TcpTest, PeerResetInTheMiddleOfAWrite) {
  auto [client, server] = pair();
  const std::string chunk(1 << 20, 'r');
  auto resetter = spawn([&] {
    server.recv_view(1000);
    ::linger lg{1, 0};  // close with RST
    ::setsockopt(server.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    server.close();
  });
  error_code ec;
  for (int i = 0; i < 256 && !ec; ++i) client.send_all(chunk, ec);
  EXPECT_TRUE(ec == asio::error::connection_reset || ec == asio::error::broken_pipe) << ec.message();
  resetter.join();
  // The process is alive (no SIGPIPE) and the socket keeps failing cleanly.
  client.send_all("more", ec);
  EXPECT_TRUE(ec);
}

TEST_F(TcpTest, CloseFromAnotherFiberWakesTheReader) {
  auto [client, server] = pair();
  auto reader = spawn([&] {
    error_code ec;
    server.recv(100, ec);
    return ec;
  });
  this_fiber::sleep(10ms);
  server.close();
  EXPECT_EQ(reader.get(), io_errc::closed_by_other);
  error_code ec;
  server.recv(10, ec);
  EXPECT_EQ(ec, io_errc::not_connected);
}

TEST_F(TcpTest, KillABlockedReaderAndWriter) {
  auto [client, server] = pair();
  auto reader = spawn([&] { server.recv(); });
  auto writer = spawn([&] {
    const std::string chunk(1 << 20, 'k');
    for (;;) client.send_all(chunk);
  });
  this_fiber::sleep(20ms);
  const auto t0 = Clock::now();
  reader.kill();
  writer.kill();
  EXPECT_LT(since(t0), 500ms);
  EXPECT_TRUE(reader.successful());
  EXPECT_TRUE(writer.successful());
  // Both sockets still work after their waits were cancelled.
  server.send_all("ok");
  EXPECT_EQ(client.read_exactly(2), "ok");
}

TEST_F(TcpTest, OneReaderOneWriterOnTheSameSocket) {
  auto [client, server] = pair();
  auto reader = spawn([&] { return server.read_line(); });
  auto writer = spawn([&] { server.send_all("from server\n"); });
  this_fiber::sleep(5ms);
  EXPECT_EQ(client.read_line(), "from server\n");
  client.send_all("from client\n");
  EXPECT_EQ(reader.get(), "from client\n");
  writer.join();
}

TEST_F(TcpTest, AcceptObeysTimeoutAndClose) {
  EXPECT_THROW(
      {
        Timeout t(20ms);
        listener->accept();
      },
      Timeout);
  auto acceptor = spawn([&] {
    error_code ec;
    listener->accept(ec);
    return ec;
  });
  this_fiber::sleep(5ms);
  listener->close();
  EXPECT_EQ(acceptor.get(), io_errc::closed_by_other);
}

TEST_F(TcpTest, UseFromAnotherThreadIsAUsageError) {
  auto [client, server] = pair();
  std::string what;
  std::thread other([&] {
    try {
      client.send_all("x");
    } catch (const UsageError& e) {
      what = e.what();
    }
    Hub::destroy_current();
  });
  other.join();
  EXPECT_NE(what.find("another thread's hub"), std::string::npos) << what;
  asio::io_context foreign;
  EXPECT_THROW(TcpSocket(TcpSocket::socket_type(foreign)), UsageError);
}

TEST_F(TcpTest, ListenOnABusyPortFails) {
  error_code ec;
  TcpListener second(tcp_endpoint("127.0.0.1", port), {.reuse_address = false}, ec);
  EXPECT_EQ(ec, asio::error::address_in_use);
  EXPECT_THROW(TcpListener(tcp_endpoint("127.0.0.1", port), {.reuse_address = false}), IoError);
}

}  // namespace
