// memory_network_test.cpp — MemoryNetwork and MemoryStream honour the
// Stream contract: echo, read_line/recv/read_exactly, end of stream,
// close from another fiber, Timeout and set_timeout, latency, the window
// (back-pressure), many connections, refused connects.
#include <grove/testing/memory_network.hpp>

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "testing_test_support.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;
using grove::testing::MemoryNetwork;
using grove::testing::MemoryStream;

namespace {

class SimulationNetwork : public HubTest {};

// accept_one() accepts one connection in a fiber and runs handler on it.
template <class Handler>
Fiber<> serve_one(grove::testing::MemoryListener& listener, Handler handler) {
  return spawn([&listener, handler] {
    auto stream = listener.accept();
    handler(*stream);
  });
}

TEST_F(SimulationNetwork, EchoesLinesWithTheTcpSuitesHandler) {
  MemoryNetwork net;
  auto listener = net.listen("echo:7");
  auto server = serve_one(listener, [](Stream& s) { echo_lines(s); });
  auto client = net.connect("echo:7", {.from = "alice"});
  for (int i = 0; i < 5; ++i) {
    std::string msg = "message " + std::to_string(i) + "\n";
    client->send_all(msg);
    EXPECT_EQ(client->read_line(), msg);
  }
  client->close();
  server.join();
  EXPECT_TRUE(server.successful());
  EXPECT_EQ(net.stats().connections, 1u);
}

TEST_F(SimulationNetwork, DescribesBothEnds) {
  MemoryNetwork net;
  auto listener = net.listen("chat:5555");
  auto client = net.connect("chat:5555", {.from = "alice"});
  auto server = listener.accept();
  EXPECT_EQ(client->remote_address(), "chat:5555");
  EXPECT_EQ(server->remote_address(), client->local_address());
  EXPECT_EQ(client->local_address().rfind("alice:", 0), 0u);
  EXPECT_EQ(client->describe(), "memory " + client->local_address() + " <-> chat:5555");
  EXPECT_EQ(client->id(), server->id());
}

TEST_F(SimulationNetwork, ReadLineRecvAndReadExactlyShareTheBuffer) {
  MemoryNetwork net;
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  auto server = listener.accept();
  client->send_all("first line\nsecond");
  client->send_all(" part\nabcdefgh");
  client->shutdown_send();
  EXPECT_EQ(server->read_line(), "first line\n");
  EXPECT_EQ(server->read_exactly(6), "second");
  EXPECT_EQ(server->read_line(), " part\n");
  EXPECT_EQ(server->read_exactly(3), "abc");
  EXPECT_EQ(server->recv(2), "de");
  EXPECT_EQ(server->recv(), "fgh");
  EXPECT_EQ(server->recv(), "");  // the end, at once and again
  EXPECT_EQ(server->read_line(), "");
  error_code ec;
  EXPECT_EQ(server->read_exactly(4, ec), "");
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_EQ(server->stats().bytes_received, 31u);
  EXPECT_EQ(client->stats().bytes_sent, 31u);
}

TEST_F(SimulationNetwork, ReadLineTooLongKeepsTheBytes) {
  MemoryNetwork net;
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  auto server = listener.accept();
  client->send_all("0123456789\n");
  error_code ec;
  EXPECT_EQ(server->read_line(4, ec), "");
  EXPECT_EQ(ec, io_errc::line_too_long);
  EXPECT_EQ(server->read_line(64), "0123456789\n");
}

TEST_F(SimulationNetwork, ShutdownSendEndsOneDirectionOnly) {
  MemoryNetwork net;
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  auto server = listener.accept();
  client->send_all("request");
  client->shutdown_send();
  EXPECT_EQ(server->read_exactly(7), "request");
  EXPECT_EQ(server->recv(), "");
  server->send_all("reply");  // the other direction still flows
  server->close();
  EXPECT_EQ(client->recv(), "reply");
  EXPECT_EQ(client->recv(), "");
  error_code ec;
  client->send_all("more", ec);
  EXPECT_EQ(ec, asio::error::broken_pipe);
}

TEST_F(SimulationNetwork, ReadAfterOwnCloseIsNotConnected) {
  MemoryNetwork net;
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  client->close();
  client->close();  // harmless
  EXPECT_FALSE(client->is_open());
  error_code ec;
  client->recv(10, ec);
  EXPECT_EQ(ec, io_errc::not_connected);
  client->send_all("x", ec);
  EXPECT_EQ(ec, io_errc::not_connected);
}

TEST_F(SimulationNetwork, CloseFromAnotherFiberWakesBlockedReaderAndWriter) {
  MemoryNetwork net({.buffer_bytes = 16});
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  auto server = listener.accept();
  auto reader = spawn([&] {
    error_code ec;
    client->recv(10, ec);
    return ec;
  });
  auto writer = spawn([&] {
    error_code ec;
    client->send_all(std::string(64, 'x'), ec);  // the peer never reads: blocks
    return ec;
  });
  this_fiber::sleep(5ms);
  EXPECT_FALSE(reader.ready());
  EXPECT_FALSE(writer.ready());
  client->close();
  EXPECT_EQ(reader.get(), io_errc::closed_by_other);
  EXPECT_EQ(writer.get(), io_errc::closed_by_other);
  EXPECT_EQ(server->read_exactly(16), std::string(16, 'x'));  // what was in flight arrives,
  EXPECT_EQ(server->recv(), "");                               // then the end
}

TEST_F(SimulationNetwork, TimeoutInterruptsARecvAndLosesNothing) {
  MemoryNetwork net;
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  auto server = listener.accept();
  const TimePoint t0 = hub().now();
  EXPECT_THROW(
      {
        Timeout t(20ms);
        server->recv();
      },
      Timeout);
  EXPECT_GE(elapsed(t0), 20ms);
  client->send_all("late\n");
  EXPECT_EQ(server->read_line(), "late\n");
}

TEST_F(SimulationNetwork, SetTimeoutReportsTimedOut) {
  MemoryNetwork net({.buffer_bytes = 8});
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  auto server = listener.accept();
  server->set_timeout(15ms);
  error_code ec;
  const TimePoint t0 = hub().now();
  EXPECT_EQ(server->read_line(100, ec), "");
  EXPECT_EQ(ec, asio::error::timed_out);
  EXPECT_GE(elapsed(t0), 15ms);
  client->set_timeout(15ms);
  client->send_all("0123456789", ec);  // 8 fit in the window, 2 never do
  EXPECT_EQ(ec, asio::error::timed_out);
  EXPECT_EQ(client->stats().bytes_sent, 8u);
  try {
    server->read_exactly(9);
    FAIL() << "read_exactly should have timed out";
  } catch (const IoError& e) {
    EXPECT_EQ(e.asio_code(), asio::error::timed_out);
  }
}

TEST_F(SimulationNetwork, KillInterruptsABlockedRecv) {
  MemoryNetwork net;
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  auto server = listener.accept();
  auto reader = spawn([&] { server->recv(); });
  this_fiber::sleep(2ms);
  reader.kill();
  EXPECT_TRUE(reader.dead());
  client->send_all("still there");
  EXPECT_EQ(server->recv(), "still there");
}

TEST_F(SimulationNetwork, BytesArriveOneLatencyAfterTheyWereWritten) {
  MemoryNetwork net({.latency = 30ms});
  auto listener = net.listen("srv:1");
  auto accepted = spawn([&] { return listener.accept(); });
  TimePoint t0 = hub().now();
  auto client = net.connect("srv:1", {.from = "alice"});
  EXPECT_GE(elapsed(t0), 60ms);  // connect is a round trip
  auto server = accepted.get();
  t0 = hub().now();
  client->send_all("ping\n");
  error_code ec;
  server->set_timeout(10ms);
  EXPECT_EQ(server->read_line(100, ec), "");  // not there yet
  EXPECT_EQ(ec, asio::error::timed_out);
  server->set_timeout(Duration::max());
  EXPECT_EQ(server->read_line(), "ping\n");
  EXPECT_GE(elapsed(t0), 30ms);
  net.set_latency(0ms);
  client->send_all("now\n");
  EXPECT_EQ(server->read_line(), "now\n");
}

TEST_F(SimulationNetwork, ANeverReadingPeerBlocksTheWriter) {
  MemoryNetwork net({.buffer_bytes = 1024});
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  auto server = listener.accept();
  const std::string big(4096, 'b');
  auto writer = spawn([&] { client->send_all(big); });
  this_fiber::sleep(10ms);
  EXPECT_FALSE(writer.ready());
  EXPECT_EQ(client->stats().bytes_sent, 1024u);
  // Reading opens the window again; the writer finishes.
  EXPECT_EQ(server->read_exactly(big.size()), big);
  writer.join();
  EXPECT_TRUE(writer.successful());
}

TEST_F(SimulationNetwork, ServesManyConnectionsAtOnce) {
  MemoryNetwork net({.latency = 1ms, .buffer_bytes = 256});
  auto listener = net.listen("echo:7");
  std::vector<Fiber<>> handlers;
  auto acceptor = spawn([&] {
    for (;;) {
      std::shared_ptr<MemoryStream> s = listener.accept();
      handlers.push_back(spawn([s] { echo_bytes(*s); }));
    }
  });
  std::vector<Fiber<int>> clients;
  for (int c = 0; c < 200; ++c)
    clients.push_back(spawn([&, c] {
      auto s = net.connect("echo:7", {.from = "client" + std::to_string(c % 7)});
      int ok = 0;
      for (int i = 0; i < 5; ++i) {
        std::string msg = std::string(100 + c, 'a' + c % 26) + std::to_string(i) + "\n";
        s->send_all(msg);
        ok += s->read_line() == msg;
      }
      return ok;
    }));
  for (auto& c : clients) EXPECT_EQ(c.get(), 5);
  EXPECT_EQ(net.stats().connections, 200u);
  acceptor.kill();
  for (auto& h : handlers) h.join();
  EXPECT_EQ(net.open_connections(), 0u);
}

TEST_F(SimulationNetwork, ConnectToNothingIsRefused) {
  MemoryNetwork net({.latency = 5ms});
  error_code ec;
  const TimePoint t0 = hub().now();
  EXPECT_EQ(net.connect("nobody:80", ec), nullptr);
  EXPECT_EQ(ec, asio::error::connection_refused);
  EXPECT_GE(elapsed(t0), 10ms);
  EXPECT_THROW(net.connect("nobody:80"), IoError);
  EXPECT_EQ(net.stats().refused, 2u);
  {
    auto listener = net.listen("gone:80");
  }  // closed: nothing listens any more
  EXPECT_EQ(net.connect("gone:80", ec), nullptr);
  EXPECT_EQ(ec, asio::error::connection_refused);
}

TEST_F(SimulationNetwork, ListenRefusesATakenAddressAndPicksPortZero) {
  MemoryNetwork net;
  auto a = net.listen("srv:80");
  error_code ec;
  auto b = net.listen("srv:80", ec);
  EXPECT_EQ(ec, asio::error::address_in_use);
  EXPECT_FALSE(b.is_open());
  auto c = net.listen("srv:0");
  EXPECT_NE(c.address(), "srv:0");
  EXPECT_EQ(c.address().rfind("srv:", 0), 0u);
  auto client = net.connect(c.address());
  EXPECT_EQ(c.pending(), 1u);
  EXPECT_THROW(net.listen("no-port"), UsageError);
  EXPECT_THROW(net.connect("srv:http"), UsageError);
}

TEST_F(SimulationNetwork, AcceptObeysTimeoutAndCloseFromAnotherFiber) {
  MemoryNetwork net;
  auto listener = net.listen("srv:1");
  EXPECT_THROW(
      {
        Timeout t(5ms);
        listener.accept();
      },
      Timeout);
  auto acceptor = spawn([&] {
    error_code ec;
    auto s = listener.accept(ec);
    return ec;
  });
  this_fiber::sleep(2ms);
  listener.close();
  EXPECT_EQ(acceptor.get(), io_errc::closed_by_other);
  error_code ec;
  EXPECT_EQ(listener.accept(ec), nullptr);
  EXPECT_EQ(ec, io_errc::not_connected);
}

TEST_F(SimulationNetwork, WorksAsAsioSyncStream) {
  MemoryNetwork net;
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  auto server = listener.accept();
  asio::write(*client, asio::buffer(std::string("hello")));
  char buf[5];
  asio::read(*server, asio::buffer(buf));
  EXPECT_EQ(std::string(buf, 5), "hello");
  client->close();
  error_code ec;
  server->read_some(asio::buffer(buf), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

}  // namespace
