// run_op_test.cpp — the one result mapping of detail::run_op, seen through
// UdpSocket and TcpSocket side by side (the same error for the same
// situation), and grove::Deadline as the timeout parameter of I/O calls.
#include <grove/deadline.hpp>

#include <grove/datagram_server.hpp>
#include <grove/fiber.hpp>
#include <grove/stream_server.hpp>
#include <grove/tcp_listener.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/tls.hpp>
#include <grove/udp_socket.hpp>
#include <grove/unix_datagram_socket.hpp>
#include <grove/wait_fd.hpp>
#include <grove/zmq_socket.hpp>

#include "io_test_support.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>

namespace asio = boost::asio;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;

namespace {

const std::chrono::duration<double> nan_seconds(std::nan(""));

// -------------------------------------------------------------- Deadline

class DeadlineTest : public HubTest {};

TEST_F(DeadlineTest, FromDurationsTimePointsAndNever) {
  const TimePoint now = hub().now();
  EXPECT_TRUE(Deadline().is_never());
  EXPECT_TRUE(Deadline::never().is_never());
  EXPECT_EQ(Deadline::never().resolve(now, "t"), TimePoint::max());
  EXPECT_EQ(Deadline(2s).resolve(now, "t"), now + 2s);
  EXPECT_EQ(Deadline(std::chrono::duration<double>(0.5)).resolve(now, "t"), now + 500ms);
  EXPECT_EQ(Deadline(now + 3s).resolve(now + 1s, "t"), now + 3s);  // a time point is absolute
  // Too large to represent, +infinity, TimePoint::max(), Duration::max(): never.
  EXPECT_TRUE(Deadline(std::chrono::hours::max()).is_never());
  EXPECT_TRUE(Deadline(std::chrono::duration<double>(std::numeric_limits<double>::infinity())).is_never());
  EXPECT_TRUE(Deadline(TimePoint::max()).is_never());
  EXPECT_TRUE(Deadline(Duration::max()).is_never());
  EXPECT_EQ(Deadline(0ms).resolve(now, "t"), now);
}

TEST_F(DeadlineTest, NegativeAndNaNAreUsageErrorsNamingTheCall) {
  try {
    (void)Deadline(-1ms).resolve(hub().now(), "Some::call");
    FAIL() << "no exception";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("Some::call"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("negative"), std::string::npos) << e.what();
  }
  try {
    (void)Deadline(nan_seconds).time_point("Other::call");
    FAIL() << "no exception";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("Other::call"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
}

// Misuse on the I/O calls that take a timeout: a UsageError that names the call.
template <class F>
void expect_usage_error(F&& call, const std::string& name) {
  try {
    call();
    ADD_FAILURE() << name << ": no exception";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

TEST_F(DeadlineTest, NegativeOrNaNTimeoutsOnIoCallsAreUsageErrors) {
  TcpListener listener(tcp_endpoint("127.0.0.1", 0));
  const auto ep = listener.local_endpoint();
  error_code ec;
  expect_usage_error([&] { TcpSocket::connect(ep, -1ms); }, "TcpSocket::connect");
  expect_usage_error([&] { TcpSocket::connect(ep, ec, nan_seconds); }, "TcpSocket::connect");
  expect_usage_error([&] { TcpSocket::connect("127.0.0.1", ep.port(), -1s); }, "TcpSocket::connect");
  expect_usage_error([&] { TcpSocket::connect("127.0.0.1", ep.port(), ec, nan_seconds); }, "TcpSocket::connect");
  auto ctx = TlsContext::client();
  expect_usage_error([&] { TlsStream::connect("127.0.0.1", ep.port(), ctx, -5ms); }, "TlsStream::connect");
  expect_usage_error([&] { TlsStream::connect("127.0.0.1", ep.port(), ctx, ec, nan_seconds); }, "TlsStream::connect");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  expect_usage_error([&] { wait_readable(fds[0], -1ms); }, "grove::wait_readable");
  expect_usage_error([&] { wait_writable(fds[1], nan_seconds); }, "grove::wait_writable");
  ::close(fds[0]);
  ::close(fds[1]);
}

// A server's stop(grace) takes a Deadline: a bad grace is rejected before
// anything stops; a time point is an absolute grace.
TEST_F(DeadlineTest, ServersStopTakesADeadline) {
  StreamServer tcp(tcp_endpoint("127.0.0.1", 0), [](Stream& s) { s.send_all("hi"); });
  DatagramServer udp(udp_endpoint("127.0.0.1", 0), [](std::string, const UdpEndpoint&, DatagramServer&) {});
  tcp.start();
  udp.start();
  expect_usage_error([&] { tcp.stop(-1ms); }, "StreamServer::stop");
  expect_usage_error([&] { tcp.stop(nan_seconds); }, "StreamServer::stop");
  expect_usage_error([&] { udp.stop(-1ms); }, "DatagramServer::stop");
  expect_usage_error([&] { udp.stop(nan_seconds); }, "DatagramServer::stop");
  EXPECT_FALSE(tcp.stopped());
  EXPECT_EQ(TcpSocket::connect(tcp.local_endpoint(), 2s).recv(), "hi") << "a rejected stop stops nothing";
  tcp.stop(hub().now() + 1s);
  udp.stop(hub().now() + 1s);
  EXPECT_TRUE(tcp.stopped());
}

TEST_F(DeadlineTest, IoCallsTakeDurationsAndTimePoints) {
  TcpListener listener(tcp_endpoint("127.0.0.1", 0));
  const auto ep = listener.local_endpoint();
  EXPECT_TRUE(TcpSocket::connect(ep, 2s).is_open());
  EXPECT_TRUE(TcpSocket::connect(ep, hub().now() + 2s).is_open());
  EXPECT_TRUE(TcpSocket::connect(ep, std::chrono::duration<double>(1.5)).is_open());
  EXPECT_TRUE(TcpSocket::connect("127.0.0.1", ep.port(), Deadline::never()).is_open());
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const auto t0 = Clock::now();
  EXPECT_FALSE(wait_readable(fds[0], hub().now() + 20ms));
  EXPECT_GE(since(t0), 19ms);
  EXPECT_TRUE(wait_writable(fds[1], 1s));
  ::close(fds[0]);
  ::close(fds[1]);
}

// ---------------------------------------------- the mapping, UDP and TCP

class MappingTest : public HubTest {
 protected:
  void SetUp() override {
    HubTest::SetUp();
    listener.emplace(tcp_endpoint("127.0.0.1", 0));
    auto server = spawn([this] { return listener->accept(); });
    tcp_client.emplace(TcpSocket::connect(listener->local_endpoint()));
    tcp_server.emplace(std::move(server).get());
    udp_a.emplace(udp_endpoint("127.0.0.1", 0));
    udp_b.emplace(udp_endpoint("127.0.0.1", 0));
  }
  void TearDown() override {
    tcp_client.reset();
    tcp_server.reset();
    listener.reset();
    udp_a.reset();
    udp_b.reset();
    HubTest::TearDown();
  }
  // tcp_recv()/udp_recv() block on the server side until data or an error.
  std::string tcp_recv(error_code& ec) { return tcp_server->recv(100, ec); }
  std::string udp_recv(error_code& ec) {
    UdpEndpoint from;
    return udp_b->recv_from(from, 100, ec);
  }
  std::optional<TcpListener> listener;
  std::optional<TcpSocket> tcp_client, tcp_server;
  std::optional<UdpSocket> udp_a, udp_b;
};

TEST_F(MappingTest, ADeadlineIsTimedOutAnIoTimeoutInTheThrowingForm) {
  tcp_server->set_timeout(20ms);
  udp_b->set_timeout(20ms);
  error_code tcp_ec, udp_ec;
  tcp_recv(tcp_ec);
  udp_recv(udp_ec);
  EXPECT_EQ(tcp_ec, asio::error::timed_out);
  EXPECT_EQ(udp_ec, asio::error::timed_out);
  UdpEndpoint from;
  EXPECT_THROW(udp_b->recv_from(from), IoTimeout);
  EXPECT_THROW(tcp_server->recv(), IoTimeout);
  // Nothing is left behind: both still receive.
  tcp_client->send_all("t");
  udp_a->send_to("u", udp_b->local_endpoint());
  EXPECT_EQ(tcp_recv(tcp_ec), "t");
  EXPECT_EQ(udp_recv(udp_ec), "u");
  EXPECT_FALSE(tcp_ec);
  EXPECT_FALSE(udp_ec);
}

// set_timeout(d) takes a Deadline too: a negative or NaN duration is a
// UsageError naming the class's set_timeout (and changes nothing); zero
// makes each call a poll; a TimePoint is one deadline for every later call.
TEST_F(MappingTest, SetTimeoutTakesADeadline) {
  expect_usage_error([&] { tcp_server->set_timeout(-1ms); }, "Stream::set_timeout");
  expect_usage_error([&] { tcp_server->set_timeout(nan_seconds); }, "Stream::set_timeout");
  expect_usage_error([&] { udp_b->set_timeout(-1ms); }, "UdpSocket::set_timeout");
  expect_usage_error([&] { udp_b->set_timeout(nan_seconds); }, "UdpSocket::set_timeout");
  UnixDatagramSocket unix_dgram;
  expect_usage_error([&] { unix_dgram.set_timeout(-1s); }, "UnixDatagramSocket::set_timeout");
  zmq::context_t context;
  ZmqSocket zmq_pull(context, zmq::socket_type::pull);
  expect_usage_error([&] { zmq_pull.set_timeout(nan_seconds); }, "ZmqSocket::set_timeout");
  EXPECT_TRUE(tcp_server->timeout().is_never()) << "a rejected timeout changes nothing";
  // Zero: a poll, which still takes what is already there.
  tcp_server->set_timeout(0ms);
  udp_b->set_timeout(0ms);
  zmq_pull.set_timeout(0ms);
  error_code tcp_ec, udp_ec, zmq_ec;
  const auto t0 = Clock::now();
  tcp_recv(tcp_ec);
  udp_recv(udp_ec);
  zmq::message_t msg;
  EXPECT_FALSE(zmq_pull.recv(msg, zmq::recv_flags::none, zmq_ec));
  EXPECT_EQ(tcp_ec, asio::error::timed_out);
  EXPECT_EQ(udp_ec, asio::error::timed_out);
  EXPECT_EQ(zmq_ec, asio::error::timed_out);
  EXPECT_LT(since(t0), 500ms);
  tcp_client->send_all("p");
  udp_a->send_to("q", udp_b->local_endpoint());
  EXPECT_EQ(tcp_recv(tcp_ec), "p");
  EXPECT_EQ(udp_recv(udp_ec), "q");
  // A time point: the first call waits until it, later ones fail at once.
  const auto t1 = Clock::now();
  tcp_server->set_timeout(hub().now() + 20ms);
  udp_b->set_timeout(hub().now() + 20ms);
  tcp_recv(tcp_ec);
  EXPECT_EQ(tcp_ec, asio::error::timed_out);
  EXPECT_GE(since(t1), 19ms);
  udp_recv(udp_ec);
  EXPECT_EQ(udp_ec, asio::error::timed_out);
  const auto t2 = Clock::now();
  tcp_recv(tcp_ec);
  EXPECT_EQ(tcp_ec, asio::error::timed_out);
  EXPECT_LT(since(t2), 500ms);
  // never() removes it: both receive again.
  tcp_server->set_timeout(Deadline::never());
  udp_b->set_timeout(Deadline::never());
  tcp_client->send_all("t");
  udp_a->send_to("u", udp_b->local_endpoint());
  EXPECT_EQ(tcp_recv(tcp_ec), "t");
  EXPECT_EQ(udp_recv(udp_ec), "u");
  EXPECT_FALSE(tcp_ec);
  EXPECT_FALSE(udp_ec);
}

TEST_F(MappingTest, CloseByAnotherFiberIsClosedByOtherThenNotConnected) {
  auto tcp_reader = spawn([&] {
    error_code ec;
    tcp_recv(ec);
    return ec;
  });
  auto udp_reader = spawn([&] {
    error_code ec;
    udp_recv(ec);
    return ec;
  });
  this_fiber::sleep(5ms);
  tcp_server->close();
  udp_b->close();
  EXPECT_EQ(tcp_reader.get(), io_errc::closed_by_other);
  EXPECT_EQ(udp_reader.get(), io_errc::closed_by_other);
  error_code tcp_ec, udp_ec;
  tcp_recv(tcp_ec);
  udp_recv(udp_ec);
  EXPECT_EQ(tcp_ec, io_errc::not_connected);
  EXPECT_EQ(udp_ec, io_errc::not_connected);
  udp_b->send_to("x", udp_a->local_endpoint(), udp_ec);
  EXPECT_EQ(udp_ec, io_errc::not_connected);
}

TEST_F(MappingTest, AnotherFibersCancelMakesTheWaiterWaitAgain) {
  auto tcp_reader = spawn([&] {
    error_code ec;
    auto got = tcp_recv(ec);
    return ec ? ec.message() : got;
  });
  auto udp_reader = spawn([&] {
    error_code ec;
    auto got = udp_recv(ec);
    return ec ? ec.message() : got;
  });
  this_fiber::sleep(5ms);
  tcp_server->cancel_io();  // meant for someone else: the readers keep waiting
  udp_b->cancel_io();
  this_fiber::sleep(5ms);
  EXPECT_FALSE(tcp_reader.ready());
  EXPECT_FALSE(udp_reader.ready());
  tcp_client->send_all("tcp");
  udp_a->send_to("udp", udp_b->local_endpoint());
  EXPECT_EQ(tcp_reader.get(), "tcp");
  EXPECT_EQ(udp_reader.get(), "udp");
}

TEST_F(MappingTest, InterruptsAreRaisedAndTheSocketsStillWork) {
  for (int i = 0; i < 2; ++i) {
    error_code ec;
    EXPECT_THROW(
        {
          Timeout t(10ms);
          if (i == 0) tcp_recv(ec);
          else udp_recv(ec);
        },
        Timeout);
    EXPECT_FALSE(ec);
  }
  auto tcp_reader = spawn([&] {
    error_code ec;
    tcp_recv(ec);
  });
  auto udp_reader = spawn([&] {
    error_code ec;
    udp_recv(ec);
  });
  this_fiber::sleep(5ms);
  tcp_reader.kill();
  udp_reader.kill();
  EXPECT_TRUE(tcp_reader.successful());
  EXPECT_TRUE(udp_reader.successful());
  tcp_client->send_all("t");
  udp_a->send_to("u", udp_b->local_endpoint());
  error_code tcp_ec, udp_ec;
  EXPECT_EQ(tcp_recv(tcp_ec), "t");
  EXPECT_EQ(udp_recv(udp_ec), "u");
}

}  // namespace
