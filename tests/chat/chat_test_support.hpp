#pragma once
// chat_test_support.hpp — an in-process grove-chat (a ChatServer behind two
// StreamServers on 127.0.0.1, port 0) and green clients for its three
// protocols: LineClient (TCP lines), http_call (Beast, synchronous, on a
// TcpSocket) and WsClient (Beast's WebSocket client with grove::yield).
// Every wait is bounded (5 s by default) so a failing test never hangs.

#include <grove/chat/chat_server.hpp>

#include <grove/hub.hpp>
#include <grove/stream_server.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/yield.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace grove::chat::test {

using namespace std::chrono_literals;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using json = nlohmann::json;
using boost::system::error_code;

inline constexpr auto kWait = 5s;

// wait_until(pred, timeout) polls pred every 10 ms; false if it still does
// not hold after timeout.
template <class Pred>
bool wait_until(Pred pred, Duration timeout = kWait) {
  const auto until = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() >= until) return false;
    this_fiber::sleep(10ms);
  }
  return true;
}

// masked_frame(opcode, payload, fin) is one WebSocket frame as a client
// sends it (RFC 6455 5.2: masked), for tests that write raw frames.
inline std::string masked_frame(int opcode, std::string_view payload, bool fin = true) {
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | opcode);
  const std::size_t n = payload.size();
  if (n < 126) {
    f += static_cast<char>(0x80 | n);
  } else {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>((n >> 8) & 0xff);
    f += static_cast<char>(n & 0xff);
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  f.append(key, 4);
  for (std::size_t i = 0; i < n; ++i) f += static_cast<char>(payload[i] ^ key[i % 4]);
  return f;
}

// ChatTest runs each test on a fresh hub; start(config) serves a ChatServer.
class ChatTest : public grove::test::HubTest {
 protected:
  void TearDown() override {
    stop_server();
    HubTest::TearDown();
  }
  void start(ChatConfig config = {}) {
    chat.emplace(std::move(config));
    tcp.emplace(tcp_endpoint("127.0.0.1", 0), [this](Stream& s) {
      if (on_accept) on_accept(s);
      chat->handle_tcp(s);
    });
    http_server.emplace(tcp_endpoint("127.0.0.1", 0), [this](Stream& s) {
      if (on_accept) on_accept(s);
      chat->handle_http(s);
    });
    tcp->start();
    http_server->start();
  }
  void stop_server() {
    if (!chat) return;
    chat->stop(1s);
    tcp->stop(1s);
    http_server->stop(1s);
    tcp.reset();
    http_server.reset();
    chat.reset();
  }
  std::uint16_t tcp_port() const { return tcp->port(); }
  std::uint16_t http_port() const { return http_server->port(); }
  json stats() const { return chat->stats(); }

  // on_accept (optional) sees each connection (both servers) before the chat does.
  std::function<void(Stream&)> on_accept;
  std::optional<ChatServer> chat;
  std::optional<StreamServer> tcp;
  std::optional<StreamServer> http_server;
};

// LineClient is a TCP chat client; line() strips "\n" and fails after kWait.
class LineClient {
 public:
  explicit LineClient(std::uint16_t port) : sock_(TcpSocket::connect("127.0.0.1", port, kWait)) {
    sock_.set_timeout(kWait);
  }
  void send(std::string_view line) { sock_.send_all(std::string(line) + "\n"); }
  void send_raw(std::string_view bytes) { sock_.send_all(bytes); }
  // line() is the next line without "\n"; "" at the end of the stream.
  std::string line() {
    std::string l = sock_.read_line(8 << 20);
    if (!l.empty() && l.back() == '\n') l.pop_back();
    return l;
  }
  // joined(nick, room) does /nick and /join and reads up to "* joined".
  void login(const std::string& nick, const std::string& room) {
    EXPECT_EQ(line().rfind("* welcome", 0), 0u);
    send("/nick " + nick);
    EXPECT_EQ(line(), "* you are " + nick);
    send("/join " + room);
    EXPECT_EQ(line(), "* joined " + room);
  }
  // closed() is true when the server has closed the connection (EOF or reset).
  bool closed() {
    error_code ec;
    for (;;) {
      std::string l = sock_.read_line(8 << 20, ec);
      if (ec) return ec != boost::asio::error::timed_out;
      if (l.empty()) return true;
    }
  }
  TcpSocket& socket() { return sock_; }

 private:
  TcpSocket sock_;
};

struct HttpResult {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  json parsed() const { return json::parse(body); }
};

// http_call(port, verb, target, body) sends one request (Connection: close).
inline HttpResult http_call(std::uint16_t port, http::verb verb, const std::string& target,
                            const std::string& body = "",
                            const std::string& content_type = "application/x-www-form-urlencoded",
                            Duration timeout = 15s) {
  auto sock = TcpSocket::connect("127.0.0.1", port, kWait);
  sock.set_timeout(timeout);
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(false);
  if (verb == http::verb::post) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  http::write(sock, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(sock, buffer, res);
  return {res.result_int(), res.body(), std::string(res[http::field::content_type])};
}

// WsClient is a WebSocket client on a green socket (Beast's async calls
// with grove::yield); recv() fails after kWait.
class WsClient {
 public:
  explicit WsClient(std::uint16_t port)
      : sock_(TcpSocket::connect("127.0.0.1", port, kWait)), ws_(sock_.asio_socket()) {
    Timeout t(kWait);
    ws_.async_handshake("127.0.0.1", "/ws", grove::yield.cancel_by(sock_.asio_socket()));
    ws_.text(true);
  }
  void send(const json& j) { send_text(j.dump()); }
  void send_text(const std::string& text) {
    Timeout t(kWait);
    ws_.async_write(boost::asio::buffer(text), grove::yield.cancel_by(sock_.asio_socket()));
  }
  void ping() {
    Timeout t(kWait);
    ws_.async_ping({}, grove::yield.cancel_by(sock_.asio_socket()));
  }
  // recv() is the next frame as JSON.
  json recv() {
    std::string text = recv_text();
    return json::parse(text);
  }
  std::string recv_text() {
    boost::beast::flat_buffer buffer;
    Timeout t(kWait);
    ws_.async_read(buffer, grove::yield.cancel_by(sock_.asio_socket()));
    auto data = buffer.data();
    return std::string(static_cast<const char*>(data.data()), data.size());
  }
  // recv_error() reads until the connection fails and returns why.
  error_code recv_error() {
    boost::beast::flat_buffer buffer;
    Timeout t(kWait);
    for (;;) {
      error_code ec;
      buffer.clear();
      ws_.async_read(buffer, grove::yield[ec].cancel_by(sock_.asio_socket()));
      if (ec) return ec;
    }
  }
  // login(nick, room) sets the nick and joins; it returns the "joined" object.
  json login(const std::string& nick, const std::string& room) {
    send({{"type", "nick"}, {"nick", nick}});
    EXPECT_EQ(recv(), (json{{"type", "nick"}, {"nick", nick}}));
    send({{"type", "join"}, {"room", room}});
    json joined = recv();
    EXPECT_EQ(joined["type"], "joined");
    return joined;
  }
  websocket::stream<boost::asio::ip::tcp::socket&>& ws() { return ws_; }
  TcpSocket& socket() { return sock_; }

 private:
  TcpSocket sock_;
  websocket::stream<boost::asio::ip::tcp::socket&> ws_;
};

}  // namespace grove::chat::test
