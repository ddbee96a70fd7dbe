// stream_server_accepting_test.cpp — StreamServer::stop_accepting() /
// start_accepting() (clients wait in the backlog meanwhile, running
// handlers carry on) and started() across start/stop, on real loopback sockets.

#include <grove/stream_server.hpp>

#include <grove/fiber.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/this_fiber.hpp>

#include "stream_server_test_support.hpp"

#include <string>

using namespace grove;
using namespace grove::test;

namespace {

using StreamServerAcceptingTest = StreamServerTest;

TEST_F(StreamServerAcceptingTest, StartedIsTrueFromStartUntilStop) {
  StreamServer server(any_port, echo_lines);
  EXPECT_FALSE(server.started());
  server.start();
  EXPECT_TRUE(server.started());
  EXPECT_TRUE(server.accepting());
  server.stop();
  EXPECT_FALSE(server.started());
  EXPECT_TRUE(server.stopped());
  EXPECT_FALSE(server.accepting());
}

TEST_F(StreamServerAcceptingTest, StopAcceptingLeavesClientsInTheBacklogUntilStartAccepting) {
  StreamServer server(any_port, echo_lines);
  server.start();
  server.stop_accepting();
  EXPECT_FALSE(server.accepting());
  EXPECT_TRUE(server.started());  // still listening
  server.stop_accepting();        // a no-op the second time

  auto client = spawn([&] {
    auto sock = TcpSocket::connect("127.0.0.1", server.port());  // completes in the backlog
    sock.send_all("queued\n");
    return sock.read_line();
  });
  this_fiber::sleep(50ms);
  EXPECT_EQ(server.accepted(), 0u);
  EXPECT_FALSE(client.dead());  // no handler has answered

  server.start_accepting();
  EXPECT_TRUE(server.accepting());
  EXPECT_EQ(client.get(), "queued\n");
  EXPECT_EQ(server.accepted(), 1u);
  server.stop();
}

TEST_F(StreamServerAcceptingTest, RunningHandlersCarryOnWhileAcceptingIsStopped) {
  StreamServer server(any_port, echo_lines);
  server.start();
  auto sock = TcpSocket::connect("127.0.0.1", server.port());
  sock.send_all("one\n");
  EXPECT_EQ(sock.read_line(), "one\n");
  server.stop_accepting();
  sock.send_all("two\n");
  EXPECT_EQ(sock.read_line(), "two\n");  // its handler still serves it
  EXPECT_EQ(server.connections(), 1u);
  sock.close();
  server.stop();
}

TEST_F(StreamServerAcceptingTest, StartAcceptingBeforeStartOrAfterStopIsAUsageError) {
  StreamServer server(any_port, echo_lines);
  EXPECT_THROW(server.start_accepting(), UsageError);
  server.start();
  server.stop();
  EXPECT_THROW(server.start_accepting(), UsageError);
  server.stop_accepting();  // nothing to stop: a no-op
}

}  // namespace
