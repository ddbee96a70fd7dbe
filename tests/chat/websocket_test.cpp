// websocket_test.cpp — the WebSocket protocol at /ws, and the three kinds
// of client sharing rooms with the same per-room order.
#include <grove/chat/chat_server.hpp>

#include "chat_test_support.hpp"

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <vector>

using namespace grove;
using namespace grove::chat;
using namespace grove::chat::test;

namespace {

class ChatWebSocket : public ChatTest {};
class ChatCrossProtocol : public ChatTest {};

TEST_F(ChatWebSocket, NickJoinAndSayInEveryMessageType) {
  start();
  WsClient a(http_port());
  json joined = a.login("alice", "lobby");
  EXPECT_EQ(joined, (json{{"type", "joined"}, {"room", "lobby"}, {"backlog", json::array()}}));
  a.send({{"type", "say"}, {"text", "hello"}});
  EXPECT_EQ(a.recv(), (json{{"type", "message"}, {"room", "lobby"}, {"from", "alice"}, {"text", "hello"}, {"seq", 1}}));
  WsClient b(http_port());
  json backlog = b.login("bob", "lobby")["backlog"];
  ASSERT_EQ(backlog.size(), 1u);
  EXPECT_EQ(backlog[0]["text"], "hello");
  b.send({{"type", "say"}, {"text", "hi alice"}});
  EXPECT_EQ(a.recv()["seq"], 2);
  EXPECT_EQ(b.recv()["text"], "hi alice");
  b.send({{"type", "who"}});
  EXPECT_EQ(b.recv(), (json{{"type", "who"}, {"room", "lobby"}, {"nicks", {"alice", "bob"}}}));
}

TEST_F(ChatWebSocket, ErrorsAreObjectsAndTheSocketStaysOpen) {
  start();
  WsClient c(http_port());
  for (const char* bad : {"{not json", "[1,2]", "{\"type\":7}", "\"just a string\""}) {
    c.send_text(bad);
    json e = c.recv();
    EXPECT_EQ(e["type"], "error") << bad;
    EXPECT_TRUE(e["error"].is_string());
  }
  c.send({{"type", "dance"}});
  EXPECT_EQ(c.recv()["type"], "error");
  c.send({{"type", "say"}, {"text", "too early"}});
  EXPECT_EQ(c.recv()["type"], "error");
  c.send({{"type", "nick"}, {"nick", "bad nick!"}});
  EXPECT_EQ(c.recv()["type"], "error");
  c.send({{"type", "nick"}});
  EXPECT_EQ(c.recv()["type"], "error");
  c.login("carol", "lobby");
  c.send({{"type", "say"}, {"text", "two\nlines"}});
  EXPECT_EQ(c.recv()["type"], "error");
  c.send({{"type", "say"}, {"text", "still open"}});
  EXPECT_EQ(c.recv()["text"], "still open");
}

TEST_F(ChatWebSocket, DeeplyNestedJsonIsJustAnError) {
  start();
  WsClient c(http_port());
  c.send_text(std::string(30000, '[') + std::string(30000, ']'));  // parsed without recursion on a fiber stack
  EXPECT_EQ(c.recv()["type"], "error");
  c.send_text(std::string(60000, '['));
  EXPECT_EQ(c.recv()["type"], "error");
  c.send({{"type", "nick"}, {"nick", "deep"}});
  EXPECT_EQ(c.recv()["type"], "nick");
}

TEST_F(ChatWebSocket, NicksAreOneNamespaceAcrossProtocols) {
  start();
  LineClient t(tcp_port());
  t.login("taken", "lobby");
  WsClient w(http_port());
  w.send({{"type", "nick"}, {"nick", "taken"}});
  EXPECT_EQ(w.recv()["type"], "error");
}

TEST_F(ChatWebSocket, FrameOver64KiBClosesWith1009) {
  start();
  WsClient c(http_port());
  c.login("big", "lobby");
  c.send({{"type", "say"}, {"text", std::string(70 * 1024, 'x')}});
  error_code ec = c.recv_error();
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(c.ws().reason().code, websocket::close_code::too_big);
  this_fiber::sleep(20ms);
  EXPECT_EQ(stats()["disconnects"]["ws_frame_too_big"], 1);
  EXPECT_EQ(stats()["members"]["lobby"], 0);
}

TEST_F(ChatWebSocket, InvalidUtf8ClosesWith1007) {
  start();
  WsClient c(http_port());
  c.login("bytes", "lobby");
  c.send_text("{\"type\":\"say\",\"text\":\"\xff\xfe\"}");
  error_code ec = c.recv_error();
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(c.ws().reason().code, websocket::close_code::bad_payload);
  this_fiber::sleep(20ms);
  EXPECT_EQ(stats()["disconnects"]["ws_invalid_utf8"], 1);
}

TEST_F(ChatWebSocket, ClientCloseIsAnsweredAndCounted) {
  start();
  WsClient c(http_port());
  c.login("leaver", "lobby");
  {
    Timeout t(kWait);
    c.ws().async_close(websocket::close_code::normal, grove::yield.cancel_by(c.socket().asio_socket()));
  }
  this_fiber::sleep(20ms);
  EXPECT_EQ(stats()["disconnects"]["ws_closed"], 1);
  EXPECT_EQ(stats()["members"]["lobby"], 0);
}

// Pings answered by the reader must never split a frame the writer is
// sending: a client pings while a flood of messages comes in, and every
// frame still parses, in order.
TEST_F(ChatWebSocket, PingsDuringABroadcastLeaveFramesIntact) {
  start();
  WsClient reader(http_port());
  reader.login("reader", "lobby");
  LineClient talker(tcp_port());
  talker.login("talker", "lobby");
  const std::string text(3000, 'p');
  constexpr int kMessages = 300;
  auto talk = spawn([&] {
    for (int i = 0; i < kMessages; ++i) talker.send(text);
  });
  auto drain = spawn([&] {
    for (int i = 0; i < kMessages; ++i) talker.line();
  });
  this_fiber::sleep(5ms);  // let the room start pushing frames
  std::uint64_t expected = 1;
  int pings = 0;
  while (expected <= kMessages) {
    if (pings < 50) {
      reader.ping();
      ++pings;
    }
    json m = reader.recv();
    ASSERT_EQ(m["type"], "message");
    ASSERT_EQ(m["seq"], expected);
    ASSERT_EQ(m["text"].get<std::string>().size(), text.size());
    ++expected;
  }
  talk.join();
  drain.join();
}

// A line said over TCP reaches WebSocket and long-poll members of the same
// room in the same order, with the same seq, and so do theirs.
TEST_F(ChatCrossProtocol, AllThreeKindsShareRoomsWithTheSameSeq) {
  start();
  LineClient t(tcp_port());
  t.login("tcpuser", "shared");
  WsClient w(http_port());
  w.login("wsuser", "shared");
  ASSERT_EQ(http_call(http_port(), http::verb::post, "/put/shared/polluser", "message=p0").status, 200u);
  EXPECT_EQ(t.line(), "[shared] polluser: p0");
  EXPECT_EQ(w.recv()["seq"], 1);

  t.send("from tcp");
  w.send({{"type", "say"}, {"text", "from ws"}});
  ASSERT_EQ(http_call(http_port(), http::verb::post, "/put/shared/polluser", "message=from+poll").status, 200u);

  std::vector<std::string> tcp_lines;
  for (int i = 0; i < 3; ++i) tcp_lines.push_back(t.line());
  std::vector<json> ws_msgs;
  for (int i = 0; i < 3; ++i) ws_msgs.push_back(w.recv());
  json polled = http_call(http_port(), http::verb::post, "/poll/polluser").parsed();
  ASSERT_EQ(polled.size(), 4u);  // p0 and the three
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ws_msgs[i]["seq"], i + 2);
    EXPECT_EQ(polled[i + 1], ws_msgs[i]);
    EXPECT_EQ(tcp_lines[i], "[shared] " + ws_msgs[i]["from"].get<std::string>() + ": " +
                                ws_msgs[i]["text"].get<std::string>());
  }
  WsClient late(http_port());
  json backlog = late.login("late", "shared")["backlog"];
  ASSERT_EQ(backlog.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(backlog[i]["seq"], i + 1);
}

// stop() drains every kind of client: each is told, then closed, and
// stop() returns well within its grace.
TEST_F(ChatCrossProtocol, StopTellsEveryClientAndClosesIt) {
  start();
  LineClient t(tcp_port());
  t.login("tcpuser", "lobby");
  WsClient w(http_port());
  w.login("wsuser", "lobby");
  ASSERT_EQ(http_call(http_port(), http::verb::post, "/put/lobby/polluser", "message=hi").status, 200u);
  http_call(http_port(), http::verb::post, "/poll/polluser");
  auto poll = spawn([this] { return http_call(http_port(), http::verb::post, "/poll/polluser"); });
  this_fiber::sleep(20ms);  // the poll waits
  t.line();                 // polluser's "hi"
  w.recv();

  // The clients read meanwhile, as real ones do: the WebSocket's closing
  // handshake (code 1001) needs its close frame answered.
  const auto t0 = Clock::now();
  auto stopper = spawn([this] { chat->stop(3s); });
  EXPECT_EQ(t.line(), "* server shutting down");
  EXPECT_TRUE(t.closed());
  EXPECT_EQ(w.recv(), (json{{"type", "error"}, {"error", "server shutting down"}}));
  EXPECT_EQ(w.recv_error(), websocket::error::closed);
  stopper.join();
  EXPECT_LT(Clock::now() - t0, 1s);
  auto polled = poll.get();
  EXPECT_EQ(polled.status, 200u);
  EXPECT_EQ(polled.body, "[]");
  LineClient late(tcp_port());  // refused from now on
  EXPECT_EQ(late.line().rfind("! server shutting down", 0), 0u);
}

}  // namespace
