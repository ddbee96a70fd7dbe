// websocket_session.cpp — the WebSocket protocol at /ws: JSON text frames,
// Beast's synchronous WebSocket on a grove::Stream. This fiber reads; a
// writer fiber owns every write (see grove/web/beast_stream.hpp).
#include "http_detail.hpp"
#include "member_session.hpp"
#include "sessions.hpp"

#include <grove/chat/outbox.hpp>

#include <grove/fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/web/beast_stream.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace grove::chat::detail {

namespace {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using namespace std::chrono_literals;
using boost::system::error_code;
using json = nlohmann::json;
using WebSocket = websocket::stream<web::BeastStream>;
using web::ReadStopped;

// How long the server waits for the client's close frame after its own.
constexpr auto kCloseWait = 1s;

json error_object(std::string_view text) { return {{"type", "error"}, {"error", text}}; }

// WsMember is a WebSocket client as a room sees it: JSON frames in an Outbox.
class WsMember final : public Member {
 public:
  WsMember(std::uint64_t id, std::size_t limit) : Member(MemberKind::websocket, id), outbox(limit) {}

  void on_joined(const std::string& room, const std::vector<MessagePtr>& backlog) noexcept override {
    try {
      json list = json::array();
      for (auto& m : backlog) list.push_back(to_json(*m));
      push(dump({{"type", "joined"}, {"room", room}, {"backlog", std::move(list)}}));
    } catch (...) {
      kick();
    }
  }
  void on_deliver(const MessagePtr& m) noexcept override {
    if (m->room != this->room()) return;
    try {
      push(m->json_text);
    } catch (...) {
      kick();
    }
  }
  // push(frame) queues a text frame; a client too slow to take it is disconnected.
  void push(std::string frame) noexcept {
    try {
      if (outbox.push(std::move(frame)) || !outbox.overflowed()) return;
    } catch (...) {
    }
    kick();
  }
  void push(const json& j) noexcept {
    try {
      push(dump(j));
    } catch (...) {
      kick();
    }
  }
  void kick() noexcept {
    if (kicked) return;
    kicked = true;
    if (stream) stream->close();
  }

  Outbox outbox;
  Stream* stream = nullptr;  // while the session runs
  bool kicked = false;
  bool write_failed = false;
  bool shutting_down = false;
};

// append_text_frame(out, payload) appends one unmasked, unfragmented text
// frame (RFC 6455 5.2: a server's frames are never masked; no extensions are
// negotiated), as Beast's write() would send it.
void append_text_frame(std::string& out, std::string_view payload) {
  const std::uint64_t n = payload.size();
  out += static_cast<char>(0x81);  // FIN, opcode 1 (text)
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n <= 0xffff) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  }
  out += payload;
}

void write_loop(WsMember& m, WebSocket& ws, Duration write_timeout) {
  web::BeastStream& t = ws.next_layer();
  t.set_writer();
  std::vector<std::string> batch;
  std::string bytes;
  error_code ec;
  while (!ec && !t.torn_down()) {
    t.flush_control(ec);
    if (ec || t.torn_down()) break;
    if (t.take_ping() && ws.is_open()) {  // the client has been silent: Beast frames the ping
      ws.ping({}, ec);
      if (ec) break;
    }
    if (!m.outbox.take(batch)) break;
    if (batch.empty()) continue;
    t.flush_control(ec);  // a pong or close the reader queued meanwhile goes first
    if (ec || t.torn_down()) break;
    if (!ws.is_open()) {  // closing: Beast would refuse the frames too
      ec = boost::beast::websocket::error::closed;
      break;
    }
    // Every queued message, one text frame each, in one write.
    bytes.clear();
    std::size_t payload = 0;
    for (auto& frame : batch) {
      append_text_frame(bytes, frame);
      payload += frame.size();
    }
    send_within(t.stream(), bytes, write_timeout, ec);
    m.outbox.written(payload);
  }
  error_code ignored;
  t.flush_control(ignored);  // the close frame Beast queued, if any
  if (ec && !t.torn_down()) {
    m.write_failed = true;
    m.kick();
  } else if (m.shutting_down && !t.torn_down()) {
    // Flushed the goodbye: the reader runs the closing handshake (1001),
    // writing directly from now on.
    t.release_writer();
    t.stop_reading();
  }
}

// close_going_away(ws) is the server's closing handshake on shutdown: a
// close frame with code 1001, then the client's close frame (at most
// kCloseWait; the read deadlines apply too).
std::string close_going_away(WebSocket& ws) {
  ws.next_layer().resume_reading();
  error_code ec;
  Timeout bound(kCloseWait);
  try {
    ws.close(websocket::close_code::going_away, ec);
  } catch (const Timeout& t) {
    if (!(t == bound)) throw;
  }
  return "server_shutdown";
}

std::string field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) throw ChatError(std::string("expected a string \"") + key + "\"");
  return it->get<std::string>();
}

void handle_frame(ChatService& svc, const std::shared_ptr<WsMember>& m, std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return m->push(error_object("malformed JSON"));
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    return m->push(error_object("expected a JSON object with a string \"type\""));
  const std::string type = j["type"].get<std::string>();
  try {
    if (type == "nick") {
      svc.set_nick(*m, field(j, "nick"));
      m->push(json{{"type", "nick"}, {"nick", m->nick()}});
    } else if (type == "join") {
      svc.join(m, field(j, "room"));  // the room sends {"type":"joined",...}
    } else if (type == "say") {
      std::string said = field(j, "text");
      check_text(said, svc.config().max_line);
      svc.say(*m, std::move(said));  // the room echoes it as {"type":"message",...}
    } else if (type == "who") {
      m->push(json{{"type", "who"}, {"room", m->room()}, {"nicks", svc.who(*m)}});
    } else if (type == "rooms") {  // one page; "next" is the "after" of the next page
      auto it = j.find("after");
      auto page = svc.rooms(it != j.end() && it->is_string() ? it->get<std::string>() : std::string());
      json list = json::array();
      for (auto& [name, count] : page.rooms) list.push_back({{"room", name}, {"members", count}});
      json answer{{"type", "rooms"}, {"rooms", std::move(list)}};
      if (page.more) answer["next"] = page.rooms.back().first;
      m->push(answer);
    } else {
      m->push(error_object("unknown type: " + type));
    }
  } catch (const ChatError& e) {
    m->push(error_object(e.what()));
  }
}

// read_loop() reads frames until the connection ends; it returns why.
std::string read_loop(ChatService& svc, const std::shared_ptr<WsMember>& m, WebSocket& ws) {
  web::BeastStream& t = ws.next_layer();
  beast::flat_buffer buffer;
  for (;;) {
    buffer.clear();
    error_code ec;
    try {
      ws.read(buffer, ec);
    } catch (const ReadStopped&) {  // the server is stopping and the goodbye is flushed
      return close_going_away(ws);
    }
    t.frame_done();
    if (m->outbox.overflowed()) return "slow_consumer";
    if (ec == websocket::error::closed) return "ws_closed";
    if (ec == websocket::error::message_too_big) return "ws_frame_too_big";
    if (ec == websocket::error::bad_frame_payload) return "ws_invalid_utf8";
    if (ec == io_errc::closed_by_other) return m->write_failed ? "write_failed" : "server_shutdown";
    if (ec == boost::asio::error::eof) return "client_closed";
    if (ec == boost::asio::error::connection_reset) return "client_reset";
    if (ec == boost::asio::error::timed_out) return t.timeout_reason();
    if (ec) return "ws_protocol_error";
    if (!ws.got_text()) {
      m->push(error_object("binary frames are not supported; send JSON text"));
      continue;
    }
    auto data = buffer.data();
    handle_frame(svc, m, std::string_view(static_cast<const char*>(data.data()), data.size()));
  }
}

}  // namespace

void run_websocket_session(ChatService& svc, Stream& s, const Request& req, std::string leftover) {
  const ChatConfig& cfg = svc.config();
  auto m = std::make_shared<WsMember>(svc.next_member_id(), cfg.max_outbound);
  m->stream = &s;
  WsMember* raw = m.get();
  WebSocket ws(s, std::move(leftover), m->outbox,
               web::BeastStreamLimits{.ping_interval = cfg.ws_ping_interval,
                                      .idle_timeout = cfg.ws_idle_timeout,
                                      .frame_timeout = cfg.ws_frame_timeout});
  web::BeastStream& transport = ws.next_layer();
  transport.set_reader();
  // A control frame read is a frame done: the frame deadline restarts.
  ws.control_callback([&transport](websocket::frame_type, beast::string_view) { transport.frame_done(); });
  ws.read_message_max(cfg.max_frame);
  ws.auto_fragment(false);  // one write per frame, straight from the caller's buffer
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "grove-chat"); }));
  error_code ec;
  {
    Timeout deadline(cfg.head_timeout);
    try {
      ws.accept(req, ec);
    } catch (const Timeout& t) {
      if (!(t == deadline)) throw;
      ec = boost::asio::error::timed_out;
    }
  }
  if (ec) return;
  auto connection = svc.track("websocket", [raw] {
    raw->push(error_object("server shutting down"));
    raw->shutting_down = true;
    raw->outbox.close();
  });
  ws.text(true);
  Fiber<> writer = spawn([m, &ws, limit = cfg.write_timeout] { write_loop(*m, ws, limit); });
  writer.set_name("chat ws writer");
  serve_member(
      svc, *m, s, writer, [&] { return read_loop(svc, m, ws); },
      [](std::string_view r) {
        return r == "slow_consumer" || r == "server_shutdown" || r == "write_failed" || r == "client_reset" ||
               r == "ws_idle_timeout" || r == "ws_frame_timeout";
      });
  if (transport.torn_down() && s.is_open()) linger(s, 1s);  // the close handshake: wait for the client's side
}

}  // namespace grove::chat::detail
