// memory_network_test.cpp — the same ChatServer, unchanged, on the test
// kit's in-memory network (grove::testing::MemoryServer): the TCP line
// protocol, HTTP and long poll, with latency and a reset connection.
#include <grove/chat/chat_server.hpp>

#include "chat_test_support.hpp"

#include <grove/fiber.hpp>
#include <grove/testing/memory_network.hpp>
#include <grove/testing/memory_server.hpp>
#include <grove/this_fiber.hpp>

using namespace grove;
using namespace grove::chat;
using namespace grove::chat::test;
using grove::testing::MemoryNetwork;
using grove::testing::MemoryServer;

namespace {

class ChatMemoryNetwork : public ChatTest {};

std::string line_of(Stream& s) {
  std::string l = s.read_line(8192);
  if (!l.empty() && l.back() == '\n') l.pop_back();
  return l;
}

TEST_F(ChatMemoryNetwork, LinesHttpAndLongPollRunUnchanged) {
  MemoryNetwork net({.latency = 2ms});
  ChatServer server({.poll_timeout = 100ms});
  MemoryServer lines(net.listen("chat:5555"), [&](Stream& s) { server.handle_tcp(s); });
  MemoryServer web(net.listen("chat:8080"), [&](Stream& s) { server.handle_http(s); });
  lines.start();
  web.start();

  auto alice = net.connect("chat:5555", {.from = "alice"});
  auto bob = net.connect("chat:5555", {.from = "bob"});
  alice->set_timeout(kWait);
  bob->set_timeout(kWait);
  for (auto* c : {alice.get(), bob.get()}) EXPECT_EQ(line_of(*c).rfind("* welcome", 0), 0u);
  alice->send_all("/nick alice\n/join lobby\n");
  EXPECT_EQ(line_of(*alice), "* you are alice");
  EXPECT_EQ(line_of(*alice), "* joined lobby");
  bob->send_all("/nick bob\n/join lobby\n");
  EXPECT_EQ(line_of(*bob), "* you are bob");
  EXPECT_EQ(line_of(*bob), "* joined lobby");
  alice->send_all("hello in memory\n");
  EXPECT_EQ(line_of(*bob), "[lobby] alice: hello in memory");
  EXPECT_EQ(line_of(*alice), "[lobby] alice: hello in memory");

  // HTTP with Beast's synchronous client on a MemoryStream.
  auto request = [&](http::verb verb, const std::string& target, const std::string& body) {
    auto s = net.connect("chat:8080", {.from = "browser"});
    s->set_timeout(kWait);
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "chat");
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
    req.prepare_payload();
    http::write(*s, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(*s, buffer, res);
    return res;
  };
  auto put = request(http::verb::post, "/put/lobby/paul", "message=hi+from+a+poll");
  EXPECT_EQ(put.result_int(), 200u);
  EXPECT_EQ(line_of(*alice), "[lobby] paul: hi from a poll");
  auto polled = request(http::verb::post, "/poll/paul", "");
  EXPECT_EQ(json::parse(polled.body())[0]["seq"], 2);
  EXPECT_EQ(request(http::verb::post, "/poll/paul", "").body(), "[]");  // after poll_timeout
  EXPECT_EQ(json::parse(request(http::verb::get, "/stats", "").body())["members"]["lobby"], 3);

  net.reset(*bob);  // bob's connection dies; the room goes on without him
  this_fiber::sleep(20ms);
  alice->send_all("/who\n");
  EXPECT_EQ(line_of(*alice), "* in lobby: alice paul");
  EXPECT_EQ(server.stats()["disconnects"]["client_reset"], 1);

  server.stop(1s);
  lines.stop(1s);
  web.stop(1s);
}

}  // namespace
