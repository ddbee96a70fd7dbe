// websocket_client_test.cpp — WebSocketClient against grove's own
// WebSocket server (plain and wss://) and against a server not written
// here, the npm `ws` package's (node/ws_server.mjs, on a free port of
// 127.0.0.1): text and binary messages, ping/pong both ways (and the
// client pinging a silent server after ping_interval), the closing
// handshake from either side, the message size limit, and refusals.
#include <grove/web/websocket_client.hpp>

#include <grove/errors.hpp>
#include <grove/io_error.hpp>
#include <grove/popen.hpp>
#include <grove/this_fiber.hpp>
#include <grove/tls.hpp>
#include <grove/web/router.hpp>

#include <boost/beast/websocket/error.hpp>

#include "../io/test_certs.hpp"
#include "web_test_support.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace grove::web::test {
namespace {

class WebSocketClientTest : public WebTest {
 protected:
  std::string ws_url(const std::string& path) const {
    return "ws://127.0.0.1:" + std::to_string(server->port()) + path;
  }
  // pongs(ws, n): waits (bounded) until ws has received n pongs.
  static bool pongs(WebSocket& ws, std::uint64_t n) {
    for (int i = 0; i < 500 && ws.pongs() < n; ++i) this_fiber::sleep(10ms);
    return ws.pongs() == n;
  }
};

Router echo_router(std::string& end) {
  Router r;
  r.get("/echo", websocket_handler([&end](WebSocket& ws) {
          while (auto m = ws.receive()) ws.send(std::move(m->data), m->binary);
          end = std::string(ws.end_reason()) + " " + std::to_string(ws.close_code());
        }));
  r.get("/big", websocket_handler([](WebSocket& ws) {
          ws.send(std::string(2000, 'b'));
          while (ws.receive()) {
          }
        }));
  r.get("/bye", websocket_handler([](WebSocket& ws) {
          ws.send("last words");
          ws.close(close_code::going_away, "bye");
        }));
  return r;
}

TEST_F(WebSocketClientTest, ExchangesTextAndBinaryWithGrovesServerAndClosesNormally) {
  std::string end;
  serve(echo_router(end));
  WebSocketClient ws(ws_url("/echo?x=1"));
  EXPECT_TRUE(ws.is_open());
  EXPECT_EQ(ws.request().target(), "/echo?x=1");
  EXPECT_TRUE(ws.send_text("hello"));
  EXPECT_TRUE(ws.send_binary(std::string("\x00\xff\x10", 3)));
  auto text = ws.receive();
  auto binary = ws.receive();
  ASSERT_TRUE(text && binary);
  EXPECT_EQ(text->data, "hello");
  EXPECT_FALSE(text->binary);
  EXPECT_EQ(binary->data, std::string("\x00\xff\x10", 3));
  EXPECT_TRUE(binary->binary);
  ws.ping();
  EXPECT_TRUE(pongs(ws, 1));  // the server's reader answered
  ws.close(close_code::normal, "done");
  EXPECT_FALSE(ws.is_open());
  EXPECT_FALSE(ws.send_text("too late"));
  EXPECT_EQ(ws.end_reason(), "closed");
  EXPECT_EQ(ws.close_code(), close_code::normal);  // the server's answer echoes the code
  for (int i = 0; i < 100 && end.empty(); ++i) this_fiber::sleep(10ms);
  EXPECT_EQ(end, "closed 1000");
}

TEST_F(WebSocketClientTest, PingPongBothWaysAndTheClientPingsASilentServer) {
  std::uint64_t server_pongs = 0;
  Router r;
  r.get("/quiet", websocket_handler([&](WebSocket& ws) {
          ws.ping();  // the client's reader answers it
          for (int i = 0; i < 500 && ws.pongs() < 1; ++i) this_fiber::sleep(10ms);
          server_pongs = ws.pongs();
          while (ws.receive()) {
          }
        }));
  serve(r);
  WebSocketOptions o;
  o.ping_interval = 50ms;  // the server says nothing after its ping: the client pings it
  WebSocketClient ws(ws_url("/quiet"), o);
  for (int i = 0; i < 500 && ws.pongs() < 2; ++i) this_fiber::sleep(10ms);
  EXPECT_GE(ws.pongs(), 2u);  // the server's reader answered the client's idle pings
  for (int i = 0; i < 500 && server_pongs == 0; ++i) this_fiber::sleep(10ms);
  EXPECT_EQ(server_pongs, 1u);
  EXPECT_TRUE(ws.is_open());
  ws.close();
  EXPECT_EQ(ws.end_reason(), "closed");
}

TEST_F(WebSocketClientTest, ServerCloseAndTheMessageLimit) {
  std::string end;
  serve(echo_router(end));
  {
    WebSocketClient ws(ws_url("/bye"));
    auto m = ws.receive();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->data, "last words");
    EXPECT_FALSE(ws.receive());
    EXPECT_EQ(ws.end_reason(), "closed");
    EXPECT_EQ(ws.close_code(), close_code::going_away);
  }
  WebSocketOptions o;
  o.max_message_bytes = 1000;
  WebSocketClient ws(ws_url("/big"), o);
  EXPECT_FALSE(ws.receive());  // 2000 bytes: the client closes with 1009
  EXPECT_EQ(ws.end_reason(), "too_big");
}

TEST_F(WebSocketClientTest, RefusalsAreErrors) {
  std::string end;
  Router r = echo_router(end);
  serve(r);
  try {
    WebSocketClient ws(ws_url("/nowhere"));
    ADD_FAILURE() << "connected to a 404";
  } catch (const IoError& e) {
    EXPECT_EQ(e.asio_code(), boost::beast::websocket::error::upgrade_declined) << e.what();
  }
  EXPECT_THROW(WebSocketClient("http://127.0.0.1/"), UsageError);
  EXPECT_THROW(WebSocketClient("ws://"), UsageError);
}

TEST_F(WebSocketClientTest, WssThroughGrovesTlsStream) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("grove_ws_client_tls_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto files = grove::test::make_self_signed(dir, "server", "/CN=localhost", "DNS:localhost,IP:127.0.0.1");
  ASSERT_FALSE(files.cert.empty()) << "openssl could not make a certificate";
  auto server_ctx = TlsContext::server(files.cert, files.key);
  HttpServerOptions o;
  o.stream.tls = &server_ctx;
  std::string end;
  serve(echo_router(end), o);
  auto ctx = TlsContext::client();
  ctx.load_verify_file(files.cert);
  {
    WebSocketClient ws("wss://localhost:" + std::to_string(server->port()) + "/echo", {}, &ctx);
    ws.send_text("over tls");
    auto m = ws.receive();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->data, "over tls");
  }
  server->stop(1s);
  server.reset();
  std::filesystem::remove_all(dir);
}

// The npm `ws` server: it prints what it saw, one event a line.
TEST_F(WebSocketClientTest, TalksToTheNpmWsServer) {
  Popen node({"bash", GROVE_WEB_TEST_DIR "/node/run_ws_client.sh", "--server"}, {.std_out = Stdio::pipe()});
  struct Stop {  // the server goes, whatever the test did
    Popen& p;
    ~Stop() {
      p.kill();
      p.wait();
    }
  } stop{node};
  std::string first;
  {
    Timeout t(60s);  // npm ci may run first
    first = node.std_out().readline(64);
  }
  if (first.rfind("port:", 0) != 0) {
    const int status = node.wait(10s);
    const char* ci = std::getenv("CI");
    ASSERT_EQ(status, 77) << "ws_server.mjs said: " << first;
    if (ci && *ci && std::string(ci) != "false" && std::string(ci) != "0") FAIL() << "node/npm missing in CI";
    GTEST_SKIP() << "node or npm missing (bash scripts/install-deps.sh)";
  }
  const std::string port = first.substr(5, first.size() - 6);
  {
    WebSocketClient ws("ws://127.0.0.1:" + port + "/chat?room=1");
    ws.send_text("hi");
    auto m = ws.receive();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->data, "hi");
    ws.send_binary(std::string("\x01\x02", 2));
    m = ws.receive();
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->binary);
    EXPECT_EQ(m->data, std::string("\x01\x02", 2));
    ws.ping();
    EXPECT_TRUE(pongs(ws, 1));  // ws answers pings
    ws.send_text("ping-me");    // ws pings; the client's reader answers
    this_fiber::sleep(100ms);
    ws.send_text("close-me");
    EXPECT_FALSE(ws.receive());
    EXPECT_EQ(ws.end_reason(), "closed");
    EXPECT_EQ(ws.close_code(), 4000);
  }
  std::string out;
  {
    Timeout t(kWait);
    out = node.std_out().read_all();
  }
  EXPECT_EQ(out, "connect:/chat?room=1\ntext:hi\nbinary:0102\nping\ntext:ping-me\npong\ntext:close-me\nclose:4000:\n");
}

}  // namespace
}  // namespace grove::web::test
