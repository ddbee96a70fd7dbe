// memory_server_test.cpp — MemoryServer runs the handlers TCP servers run:
// the same echo function on StreamServer and on MemoryServer, Beast's
// synchronous HTTP over a memory stream, stop(grace), a pool cap, a failing
// handler.
#include <grove/testing/memory_server.hpp>

#include <grove/deadline.hpp>
#include <grove/fiber.hpp>
#include <grove/stream_server.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/testing/memory_network.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "testing_test_support.hpp"

#include <simulated_hub.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace http = boost::beast::http;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;
using grove::testing::MemoryNetwork;
using grove::testing::MemoryServer;

namespace {

class SimulationServer : public HubTest {};

// talk() sends n lines on a stream and counts the echoes that came back right.
int talk(Stream& s, int n) {
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    std::string msg = "line " + std::to_string(i) + "\n";
    s.send_all(msg);
    ok += s.read_line() == msg;
  }
  return ok;
}

TEST_F(SimulationServer, OneHandlerServesTcpAndMemoryUnchanged) {
  StreamServer tcp(tcp_endpoint("127.0.0.1", 0), echo_lines);
  tcp.start();
  MemoryNetwork net({.latency = 1ms});
  MemoryServer memory(net.listen("echo:7"), echo_lines);
  memory.start();
  auto tcp_client = TcpSocket::connect("127.0.0.1", tcp.port());
  auto memory_client = net.connect("echo:7");
  EXPECT_EQ(talk(tcp_client, 10), 10);
  EXPECT_EQ(talk(*memory_client, 10), 10);
  tcp_client.close();
  memory_client->close();
  tcp.stop();
  memory.stop();
  EXPECT_EQ(memory.accepted(), 1u);
  EXPECT_TRUE(memory.stopped());
}

TEST_F(SimulationServer, ServesManyClientsAndStopsWithGrace) {
  MemoryNetwork net({.latency = 2ms});
  MemoryServer server(net.listen("echo:7"), echo_bytes);
  server.start();
  std::vector<Fiber<int>> clients;
  for (int c = 0; c < 50; ++c)
    clients.push_back(spawn([&] {
      auto s = net.connect("echo:7");
      return talk(*s, 5);
    }));
  for (auto& c : clients) EXPECT_EQ(c.get(), 5);
  EXPECT_EQ(server.accepted(), 50u);
  // A client that stays connected: stop() waits out the grace, then kills.
  auto idle = net.connect("echo:7");
  this_fiber::sleep(10ms);
  EXPECT_EQ(server.connections(), 1u);
  const TimePoint t0 = hub().now();
  server.stop(20ms);
  EXPECT_GE(elapsed(t0), 20ms);
  EXPECT_EQ(server.connections(), 0u);
  EXPECT_EQ(idle->recv(), "");  // the handler's stream was closed
  error_code ec;
  EXPECT_EQ(net.connect("echo:7", ec), nullptr);
  EXPECT_EQ(ec, boost::asio::error::connection_refused);
}

TEST_F(SimulationServer, StopTakesADeadlineAndRejectsABadGrace) {
  SimulatedHub sim;
  MemoryNetwork net;
  MemoryServer server(net.listen("echo:7"), [](Stream& s) {
    while (true) s.send_all(s.read_line());
  });
  server.start();
  auto idle = net.connect("echo:7");
  this_fiber::yield();
  ASSERT_EQ(server.connections(), 1u);
  for (const Deadline bad : {Deadline(-1ms), Deadline(std::chrono::duration<double>(std::nan("")))}) {
    try {
      server.stop(bad);
      ADD_FAILURE() << "stop(bad grace) should have thrown";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("MemoryServer::stop"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(server.stopped()) << "a rejected stop stops nothing";
  EXPECT_EQ(server.connections(), 1u);
  const TimePoint t0 = sim.now();
  server.stop(t0 + 15ms);  // a time point: the grace ends there
  EXPECT_EQ(sim.now() - t0, 15ms);
  EXPECT_TRUE(server.stopped());
  EXPECT_EQ(idle->recv(), "");
}

TEST_F(SimulationServer, StopFromAHandler) {
  MemoryNetwork net;
  MemoryServer* self = nullptr;
  MemoryServer server(net.listen("srv:1"), [&](Stream& s) {
    s.send_all("bye\n");
    self->stop();
  });
  self = &server;
  server.start();
  auto client = net.connect("srv:1");
  EXPECT_EQ(client->read_line(), "bye\n");
  server.serve_forever();  // returns once the stop has finished
  EXPECT_TRUE(server.stopped());
}

TEST_F(SimulationServer, AFailingHandlerEndsOnlyItsConnection) {
  MemoryNetwork net;
  int calls = 0;
  MemoryServer server(net.listen("srv:1"), [&](Stream& s) {
    if (++calls == 1) throw std::runtime_error("boom");
    echo_lines(s);
  });
  server.start();
  auto first = net.connect("srv:1");
  EXPECT_EQ(first->recv(), "");  // closed after the failure
  auto second = net.connect("srv:1");
  EXPECT_EQ(talk(*second, 3), 3);
  second->close();
  server.stop();
}

TEST_F(SimulationServer, APoolCapsTheHandlers) {
  MemoryNetwork net;
  MemoryServer server(net.listen("srv:1"), echo_lines, {.pool_size = 2});
  server.start();
  auto a = net.connect("srv:1");
  auto b = net.connect("srv:1");
  auto c = net.connect("srv:1");  // connected, waits in the backlog
  this_fiber::sleep(5ms);
  EXPECT_EQ(server.connections(), 2u);
  EXPECT_EQ(server.accepted(), 2u);
  a->close();
  EXPECT_EQ(talk(*c, 2), 2);
  EXPECT_EQ(server.accepted(), 3u);
  b->close();
  c->close();
  server.stop();
}

// ChatRoom is a line chat: a client sends its name, then every line it
// sends goes to the others as "name: line".
struct ChatRoom {
  std::vector<Stream*> members;
  void handle(Stream& s) {
    std::string name = s.read_line(64);
    if (name.empty()) return;
    name.pop_back();
    members.push_back(&s);
    struct Leave {
      ChatRoom& room;
      Stream* s;
      ~Leave() { std::erase(room.members, s); }
    } leave{*this, &s};
    for (;;) {
      std::string line = s.read_line(1024);
      if (line.empty()) return;
      std::string said = name;
      said += ": ";
      said += line;
      for (Stream* other : members) {
        error_code ignored;
        if (other != &s) other->send_all(said, ignored);
      }
    }
  }
};

TEST_F(SimulationServer, AChatRoomDeliversAcrossAHealedPartition) {
  MemoryNetwork net({.latency = 3ms});
  ChatRoom room;
  MemoryServer server(net.listen("chat:5555"), [&](Stream& s) { room.handle(s); });
  server.start();
  auto join = [&](const char* name) {
    auto s = net.connect("chat:5555", {.from = name});
    s->send_all(std::string(name) + "\n");
    return s;
  };
  auto alice = join("alice");
  auto bob = join("bob");
  auto carol = join("carol");
  this_fiber::sleep(10ms);  // the names have arrived
  ASSERT_EQ(room.members.size(), 3u);
  net.partition("carol", "chat");
  alice->send_all("hello\n");
  EXPECT_EQ(bob->read_line(), "alice: hello\n");
  carol->set_timeout(20ms);
  error_code ec;
  EXPECT_EQ(carol->read_line(1024, ec), "");
  EXPECT_EQ(ec, boost::asio::error::timed_out);
  carol->send_all("anyone?\n");  // held up too
  net.heal();
  EXPECT_EQ(carol->read_line(), "alice: hello\n");
  EXPECT_EQ(alice->read_line(), "carol: anyone?\n");
  EXPECT_EQ(bob->read_line(), "carol: anyone?\n");
  net.reset(*bob);  // bob's connection dies: the room goes on without him
  bob->recv(10, ec);
  EXPECT_EQ(ec, boost::asio::error::connection_reset);
  alice->send_all("bye\n");
  carol->set_timeout(Duration::max());
  EXPECT_EQ(carol->read_line(), "alice: bye\n");
  this_fiber::sleep(10ms);
  EXPECT_EQ(room.members.size(), 2u);
  alice->close();
  carol->close();
  server.stop();
}

// An HTTP/1.1 server written with Beast's synchronous calls on a Stream.
void http_handler(Stream& stream) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    error_code ec;
    http::read(stream, buffer, req, ec);
    if (ec) return;
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/plain");
    res.body() = "you asked for " + std::string(req.target());
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(stream, res);
    if (!res.keep_alive()) return;
  }
}

TEST_F(SimulationServer, BeastSyncHttpRunsOverAMemoryStream) {
  MemoryNetwork net({.latency = 1ms, .buffer_bytes = 512});
  MemoryServer server(net.listen("web:80"), http_handler);
  server.start();
  auto client = net.connect("web:80", {.from = "browser"});
  boost::beast::flat_buffer buffer;
  for (const char* target : {"/index.html", "/chat"}) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "web");
    req.body() = std::string(2000, 'q');  // bigger than the window
    req.prepare_payload();
    http::write(*client, req);
    http::response<http::string_body> res;
    http::read(*client, buffer, res);
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), std::string("you asked for ") + target);
  }
  client->close();
  server.stop();
}

}  // namespace
