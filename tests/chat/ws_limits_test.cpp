// ws_limits_test.cpp — a hostile WebSocket client cannot exhaust or hold
// the server (issue 19): a ping flood that never reads its pongs is dropped
// at the outbound limit; silent, partial-frame and trickled connections are
// pinged and dropped; a server that stops says goodbye with close code 1001.
#include <grove/chat/chat_server.hpp>

#include "chat_test_support.hpp"

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include <sys/socket.h>

#include <string>

using namespace grove;
using namespace grove::chat;
using namespace grove::chat::test;

namespace {

class ChatWsLimits : public ChatTest {
 protected:
  // disconnects(reason) is how many connections ended for that reason.
  int disconnects(const char* reason) { return stats()["disconnects"].value(reason, 0); }
  int websockets() { return stats()["connections"]["websocket"].get<int>(); }
};

// Issue 19, item 1: pings whose pongs are never read used to queue pongs
// without bound (RSS grew one-for-one with the pings). The pongs now count
// against max_outbound, and the client is dropped past it.
TEST_F(ChatWsLimits, PingFloodThatNeverReadsIsDroppedAtTheOutboundLimit) {
  on_accept = [](Stream& s) {  // small kernel buffers: our own queue is what fills up
    if (auto* t = dynamic_cast<TcpSocket*>(&s)) {
      int size = 16 * 1024;
      ::setsockopt(t->native_handle(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
  };
  start({.max_outbound = 64 * 1024});
  WsClient member(http_port());
  member.login("member", "lobby");

  WsClient flooder(http_port());  // upgraded, then raw frames only, never read
  int size = 4096;
  ::setsockopt(flooder.socket().native_handle(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  flooder.socket().set_timeout(kWait);
  std::string burst;
  for (int i = 0; i < 64; ++i) burst += masked_frame(0x9, std::string(125, 'p'));  // each answered by 127 bytes
  // 4 MiB of pings: their pongs are 60 times the limit.
  error_code ec;
  for (int i = 0; i < 500 && !ec; ++i) flooder.socket().send_all(burst, ec);
  EXPECT_TRUE(wait_until([&] { return disconnects("slow_consumer") == 1; }, 3s)) << stats().dump();
  EXPECT_TRUE(wait_until([&] { return websockets() == 1; }, 3s)) << stats().dump();

  member.send({{"type", "say"}, {"text", "unharmed"}});  // the well-behaved member is served
  EXPECT_EQ(member.recv()["text"], "unharmed");
}

// Issue 19, item 3: a client that upgrades and then says nothing is pinged
// after ws_ping_interval and, not answering, dropped at ws_idle_timeout.
TEST_F(ChatWsLimits, SilentClientIsPingedThenDropped) {
  start({.ws_ping_interval = 100ms, .ws_idle_timeout = 400ms});
  WsClient silent(http_port());
  auto& sock = silent.socket();
  sock.set_timeout(2s);
  error_code ec;
  const std::string ping = sock.read_exactly(2, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(ping, std::string("\x89\x00", 2));  // an empty ping frame
  EXPECT_TRUE(wait_until([&] { return disconnects("ws_idle_timeout") == 1; }, 2s)) << stats().dump();
  EXPECT_EQ(websockets(), 0);
  std::string rest = sock.recv(4096, ec);  // the server closed the connection
  EXPECT_TRUE(ec || rest.empty()) << rest.size();
}

// The same limits keep a client that answers the pings (Beast's client does
// while it reads), however long it stays quiet.
TEST_F(ChatWsLimits, ClientAnsweringPingsIsKept) {
  start({.ws_ping_interval = 100ms, .ws_idle_timeout = 600ms});
  WsClient quiet(http_port());
  quiet.login("quiet", "lobby");
  auto reader = spawn([&] { return quiet.recv(); });  // reading: the pings are answered
  this_fiber::sleep(1500ms);  // silent for more than twice the idle timeout
  LineClient talker(tcp_port());
  talker.login("talker", "lobby");
  talker.send("still there?");
  EXPECT_EQ(reader.get()["text"], "still there?");
  EXPECT_EQ(disconnects("ws_idle_timeout"), 0);
  EXPECT_EQ(websockets(), 1);
}

// A frame whose first byte arrived must be complete within
// ws_frame_timeout, even while the client is otherwise not idle.
TEST_F(ChatWsLimits, PartialFrameIsDroppedAtTheFrameTimeout) {
  start({.ws_ping_interval = 5s, .ws_idle_timeout = 10s, .ws_frame_timeout = 200ms});
  WsClient partial(http_port());
  partial.socket().send_all(std::string("\x81", 1));  // a text frame's first byte, then nothing
  EXPECT_TRUE(wait_until([&] { return disconnects("ws_frame_timeout") == 1; }, 3s)) << stats().dump();
  EXPECT_EQ(websockets(), 0);
}

TEST_F(ChatWsLimits, TrickledFrameIsDroppedAtTheFrameTimeout) {
  start({.ws_ping_interval = 200ms, .ws_idle_timeout = 400ms, .ws_frame_timeout = 500ms});
  WsClient trickler(http_port());
  const std::string frame = masked_frame(0x1, R"({"type":"nick","nick":")" + std::string(60, 'n') + "\"}");
  // One byte every 50 ms: never idle, but the frame would take 4.5 s.
  error_code ec;
  std::size_t sent = 0;
  while (sent < frame.size() && !ec && disconnects("ws_frame_timeout") == 0) {
    trickler.socket().send_all(frame.substr(sent, 1), ec);
    ++sent;
    this_fiber::sleep(50ms);
  }
  EXPECT_LT(sent, frame.size());
  EXPECT_TRUE(wait_until([&] { return disconnects("ws_frame_timeout") == 1; }, 2s)) << stats().dump();
  EXPECT_EQ(disconnects("ws_idle_timeout"), 0);
  EXPECT_EQ(websockets(), 0);
}

// Issue 19, item 7: on shutdown a WebSocket member reads the goodbye, then
// a close frame with code 1001 (going away), not a bare TCP close (1006).
TEST_F(ChatWsLimits, ShutdownClosesWith1001) {
  start();
  WsClient member(http_port());
  member.login("member", "lobby");
  auto stopper = spawn([this] { chat->stop(3s); });
  EXPECT_EQ(member.recv(), (json{{"type", "error"}, {"error", "server shutting down"}}));
  error_code ec = member.recv_error();
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(member.ws().reason().code, websocket::close_code::going_away);
  stopper.join();
  EXPECT_EQ(disconnects("server_shutdown"), 1);
}

}  // namespace
