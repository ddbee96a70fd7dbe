#pragma once
// websocket.hpp — WebSocket, the server side of RFC 6455 on any
// grove::Stream (gevent-websocket's environ['wsgi.websocket']), on Beast's
// WebSocket. A route upgrades with websocket_handler():
//
//   router.get("/echo", web::websocket_handler([](web::WebSocket& ws) {
//     while (auto m = ws.receive()) ws.send(std::move(m->data), m->binary);
//   }));
//
// The handler runs in the connection's fiber. The WebSocket has a reader
// fiber (it answers pings and the peer's close even while the handler only
// sends) and a writer fiber (the only one that writes: beast_stream.hpp).
// receive() returns the next text or binary message (fragments joined, text
// checked as UTF-8 by Beast), or nullopt once the connection has ended and
// every received message was taken (end_reason() and close_code() say how);
// at most 16 received messages wait for the handler, then the reader stops
// reading and TCP holds the peer back. send() may be called from any fiber
// of the hub: it queues the message for the writer and returns at once
// (except under `block`), so a slow peer never
// blocks a broadcaster. The queue is bounded (max_queued_bytes counts the
// unsent bytes: messages queued or being written, and the pongs and close
// frames the peer's own frames made the reader queue — a peer that pings
// and never reads is dropped as "slow_consumer" too); what happens past
// the bound is the OverflowPolicy:
//   close        (default) the peer is too slow: the connection is dropped,
//                send() returns false, end_reason() is "slow_consumer";
//   drop_oldest  the oldest queued messages are dropped to make room
//                (dropped() counts them) — for feeds where only the latest matters;
//   block        send() parks the calling fiber until there is room, at
//                most write_timeout, then it behaves as `close`.
// close(code, reason) sends what is queued, then runs the closing handshake
// (waiting at most close_timeout for the peer's close frame; Beast echoes
// the peer's code in its answer, without the reason text). When the
// handler returns, a connection still open is closed with 1000 (normal).
// A close frame the reader sends — the answer to the peer's close, or the
// one failing the connection (1002 protocol error, 1007 bad UTF-8, 1009
// too big) — goes after the answers to the messages that came before it:
// the reader waits, at most close_timeout, until the handler has taken
// them and is back in receive() (or has returned) and the writer has sent
// what was queued (docs/web.md, "Conformance").
// A fiber that only sends notices the peer leaving when send() returns false.
// The writer pings a peer silent for ping_interval; a peer silent for
// idle_timeout, or that leaves a frame half-sent for frame_timeout, is
// dropped ("idle_timeout", "frame_timeout"). A message larger than
// max_message_bytes closes the connection with 1009 ("too_big"). When the
// HttpServer stops gracefully, each WebSocket is closed with 1001 (going away).

#include <grove/duration.hpp>
#include <grove/web/request.hpp>
#include <grove/web/router.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace grove {
class Stream;
}

namespace grove::web {

enum class OverflowPolicy { close, drop_oldest, block };

struct WebSocketOptions {
  std::size_t max_message_bytes = 1024 * 1024;
  std::size_t max_queued_bytes = 1024 * 1024;
  OverflowPolicy overflow = OverflowPolicy::close;
  Duration handshake_timeout = std::chrono::seconds(10);
  Duration write_timeout = std::chrono::seconds(30);
  Duration close_timeout = std::chrono::seconds(1);
  Duration ping_interval = std::chrono::seconds(30);
  Duration idle_timeout = std::chrono::seconds(90);
  Duration frame_timeout = std::chrono::seconds(30);
  // server_name is the Server header of the 101 answer.
  std::string server_name = "grove";
};

// Close codes of RFC 6455 7.4.1 that handlers use most.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t bad_payload = 1007;
inline constexpr std::uint16_t policy_error = 1008;
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
}  // namespace close_code

struct WsMessage {
  std::string data;
  bool binary = false;
};

class WebSocket {
 public:
  // WebSocket(req, stream, leftover, options) runs the opening handshake
  // answering req (IoError when it fails). websocket_handler() does this;
  // WebSocketClient (websocket_client.hpp) is the other side, with the same
  // calls.
  WebSocket(Request& req, Stream& s, std::string leftover, WebSocketOptions options = {});
  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  // receive(): the next message, or nullopt once ended (one fiber at a time).
  std::optional<WsMessage> receive();
  // send(data, binary): queue a message (any fiber); false when the
  // connection is closing or gone, or the policy dropped the connection.
  bool send(std::string data, bool binary = false);
  bool send_text(std::string data) { return send(std::move(data), false); }
  bool send_binary(std::string data) { return send(std::move(data), true); }
  // close(code, reason) ends the connection gracefully (any fiber): it
  // returns once what was queued is sent and the closing handshake is done
  // (or write_timeout + close_timeout have passed: the connection is dropped).
  void close(std::uint16_t code = close_code::normal, std::string_view reason = {});

  // request_close(code, reason) starts the same closing and returns at
  // once (any fiber; receive() then returns nullopt, send() false).
  void request_close(std::uint16_t code = close_code::normal, std::string_view reason = {});

  bool is_open() const noexcept;
  Request& request() noexcept { return *request_; }
  // end_reason(): "" while open; then "closed" (a closing handshake),
  // "peer_gone" (eof or reset), "idle_timeout", "frame_timeout", "too_big",
  // "bad_utf8", "protocol_error", "slow_consumer", "write_failed" or "write_timeout".
  std::string_view end_reason() const noexcept;
  // close_code() is the code of the peer's close frame (0: none came).
  std::uint16_t close_code() const noexcept;
  // ping() asks the writer to send a ping now (any fiber; nothing once
  // closing); pongs() counts the pong frames received.
  void ping();
  std::uint64_t pongs() const noexcept;
  // queued_bytes(): the unsent bytes the bound covers.
  std::size_t queued_bytes() const noexcept;
  std::uint64_t dropped() const noexcept;

  class Impl;

 protected:
  // The client's side (websocket_client.hpp): req is the upgrade request
  // (target and Host); the opening handshake is sent on s, then the same
  // reader and writer fibers run, the writer masking each frame (Beast).
  struct ClientRole {};
  WebSocket(ClientRole, Request& req, Stream& s, WebSocketOptions options);

 private:
  Request* request_;
  std::unique_ptr<Impl> impl_;
};

// websocket_handler(fn, options) is a route handler that upgrades the
// request and runs fn on the WebSocket in the connection's fiber; a request
// that is not an upgrade gets 426 Upgrade Required.
Handler websocket_handler(std::function<void(WebSocket&)> fn, WebSocketOptions options = {});

}  // namespace grove::web
