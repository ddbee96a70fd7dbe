// http_routes.cpp — the chat over HTTP on grove::web: a web::Router (the
// page, /stats, long poll, the /ws upgrade) served by a web::HttpSession,
// whose end reasons become the chat's disconnect counters. A request (head
// and body) must arrive within head_timeout and fit in max_head/max_body.
// /ws is a web::WebSocket whose JSON text messages decode_request()
// (command.hpp) decodes — the same code the chat_json fuzz target runs.
// The observability endpoints (docs/observability.md) are mounted too:
// GET /debug/fibers (the fiber dump), /debug/ (its page), /metrics
// (Prometheus, grove::debug::shared_metrics()).
#include "http_detail.hpp"
#include "sessions.hpp"

#include <grove/chat/chat_server.hpp>
#include <grove/chat/command.hpp>
#include <grove/chat/protocol.hpp>
#include <grove/chat/soft_limit.hpp>

#include <grove/debug/web_debug.hpp>
#include <grove/debug/web_metrics.hpp>
#include <grove/io_error.hpp>
#include <grove/timeout.hpp>
#include <grove/web/http_session.hpp>
#include <grove/web/router.hpp>
#include <grove/web/websocket.hpp>

#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace grove::chat::detail {

using boost::system::error_code;

Response json_response(const Request& req, http::status status, const nlohmann::json& body) {
  Response res{status, req.version()};
  res.set(http::field::server, "grove-chat");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = dump(body);
  res.prepare_payload();
  return res;
}

Response error_response(const Request& req, http::status status, std::string_view text) {
  return json_response(req, status, {{"type", "error"}, {"error", text}});
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

void check_text(std::string_view text, std::size_t max) {
  if (auto why = text_error(text, max); !why.empty()) throw ChatError(std::string(why));
}

void write_within(Stream& s, Response& res, Duration limit, error_code& ec) {
  Timeout deadline(limit);
  try {
    http::write(s, res, ec);
  } catch (const Timeout& t) {
    if (!(t == deadline)) throw;
    ec = boost::asio::error::timed_out;
  }
}

namespace {

using json = nlohmann::json;

json error_object(std::string_view text) { return {{"type", "error"}, {"error", text}}; }

// WsMember is a WebSocket client as a room sees it: each message is one
// JSON text message queued on its web::WebSocket, whose bound is
// max_outbound (policy close: a client too slow to take it is dropped,
// "slow_consumer"); past the soft limit for too long it is dropped too
// ("slow_consumer_soft"). ws and stream are set while the session runs.
class WsMember final : public Member {
 public:
  WsMember(std::uint64_t id, const ChatConfig& cfg)
      : Member(MemberKind::websocket, id), soft(cfg.soft_outbound, cfg.soft_outbound_time) {}

  void on_joined(const std::string& room, const std::vector<MessagePtr>& backlog) noexcept override {
    try {
      json list = json::array();
      for (auto& m : backlog) list.push_back(to_json(*m));
      push(json{{"type", "joined"}, {"room", room}, {"backlog", std::move(list)}});
    } catch (...) {
      drop();
    }
  }
  void on_deliver(const MessagePtr& m) noexcept override {
    if (m->room != this->room()) return;
    try {
      push(std::string(m->json_text));
    } catch (...) {
      drop();
    }
  }
  void push(std::string text) noexcept {
    if (!ws || !ws->send_text(std::move(text))) return;  // false: closing, or dropped as a slow consumer
    if (!soft.exceeded(ws->queued_bytes(), hub().now())) return;
    soft_exceeded = true;  // dropped at once, as past the hard limit: its reads and writes fail
    if (stream) stream->close();
  }
  void push(const json& j) noexcept {
    try {
      push(dump(j));
    } catch (...) {
      drop();
    }
  }
  // drop() ends a connection the member cannot serve (out of memory).
  void drop() noexcept {
    if (ws) ws->request_close(web::close_code::internal_error);
  }

  web::WebSocket* ws = nullptr;
  Stream* stream = nullptr;
  SoftLimit soft;
  bool soft_exceeded = false;
  bool shutting_down = false;
};

void handle_message(ChatService& svc, const std::shared_ptr<WsMember>& m, const web::WsMessage& msg) {
  if (msg.binary) return m->push(error_object("binary frames are not supported; send JSON text"));
  const JsonRequest req = decode_request(msg.data);
  try {
    switch (req.kind) {
      case RequestKind::invalid:
        return m->push(error_object(req.error));
      case RequestKind::nick:
        svc.set_nick(*m, req.arg);
        return m->push(json{{"type", "nick"}, {"nick", m->nick()}});
      case RequestKind::join:
        return svc.join(m, req.arg);  // the room sends {"type":"joined",...}
      case RequestKind::say:
        check_text(req.arg, svc.config().max_line);
        (void)svc.say(*m, req.arg);  // the room echoes it as {"type":"message",...}
        return;
      case RequestKind::who:
        return m->push(json{{"type", "who"}, {"room", m->room()}, {"nicks", svc.who(*m)}});
      case RequestKind::rooms: {  // one page; "next" is the "after" of the next page
        auto page = svc.rooms(req.arg);
        json list = json::array();
        for (auto& [name, count] : page.rooms) list.push_back({{"room", name}, {"members", count}});
        json answer{{"type", "rooms"}, {"rooms", std::move(list)}};
        if (page.more) answer["next"] = page.rooms.back().first;
        return m->push(answer);
      }
    }
  } catch (const ChatError& e) {
    m->push(error_object(e.what()));
  }
}

// ws_reason(reason) is the disconnect counter of a WebSocket's end_reason().
std::string ws_reason(std::string_view reason) {
  if (reason == "closed") return "ws_closed";
  if (reason == "too_big") return "ws_frame_too_big";
  if (reason == "bad_utf8") return "ws_invalid_utf8";
  if (reason == "idle_timeout") return "ws_idle_timeout";
  if (reason == "frame_timeout") return "ws_frame_timeout";
  if (reason == "peer_gone") return "client_closed";
  if (reason == "slow_consumer") return "slow_consumer";
  if (reason == "write_failed" || reason == "write_timeout") return "write_failed";
  return "ws_protocol_error";
}

// serve_websocket() runs the chat on an upgraded connection until it ends.
void serve_websocket(ChatService& svc, web::Request& up, Stream& s, std::string leftover) {
  using namespace std::chrono_literals;
  const ChatConfig& cfg = svc.config();
  std::optional<web::WebSocket> ws;
  try {
    ws.emplace(up, s, std::move(leftover),
               web::WebSocketOptions{.max_message_bytes = cfg.max_frame,
                                     .max_queued_bytes = cfg.max_outbound,
                                     .overflow = web::OverflowPolicy::close,
                                     .handshake_timeout = cfg.head_timeout,
                                     .write_timeout = cfg.write_timeout,
                                     .close_timeout = 1s,
                                     .ping_interval = cfg.ws_ping_interval,
                                     .idle_timeout = cfg.ws_idle_timeout,
                                     .frame_timeout = cfg.ws_frame_timeout,
                                     .server_name = "grove-chat"});
  } catch (const IoError&) {
    return;  // the opening handshake failed
  }
  auto m = std::make_shared<WsMember>(svc.next_member_id(), cfg);
  m->ws = &*ws;
  m->stream = &s;
  // Shutdown: the goodbye, then (once it is sent) close code 1001.
  auto connection = svc.track("websocket", [raw = m.get()] {
    raw->shutting_down = true;
    raw->push(error_object("server shutting down"));
    if (raw->ws) raw->ws->request_close(web::close_code::going_away);
  });
  try {
    while (auto msg = ws->receive()) handle_message(svc, m, *msg);
  } catch (...) {  // the connection's fiber is killed: retire the member at once
    svc.leave(*m);
    svc.count_disconnect("killed");
    m->ws = nullptr;
    m->stream = nullptr;
    throw;
  }
  svc.leave(*m);
  svc.count_disconnect(m->shutting_down   ? "server_shutdown"
                       : m->soft_exceeded ? "slow_consumer_soft"
                                          : ws_reason(ws->end_reason()));
  m->ws = nullptr;
  m->stream = nullptr;
}

web::Response answer(Response res) { return web::Response(std::move(res)); }

// A JSON error without a request to follow (refusals, the router's 404/405).
web::Response error_page(http::status status, std::string_view text) {
  Request req;
  req.version(11);
  return answer(error_response(req, status, text));
}

Response page(const Request& req) {
  Response res{http::status::ok, req.version()};
  res.set(http::field::server, "grove-chat");
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = std::string(chat_page());
  res.prepare_payload();
  return res;
}

web::Router routes(ChatService& svc) {
  web::Router r;
  auto home = [](web::Request& req) { return answer(page(req.message())); };
  r.get("/", home);
  r.get("/index.html", home);
  r.get("/stats",
        [&svc](web::Request& req) { return answer(json_response(req.message(), http::status::ok, svc.stats())); });
  debug::mount_debug(r);    // GET /debug/fibers, GET /debug/
  debug::mount_metrics(r);  // GET /metrics
  r.post("/put/:room/:nick", [&svc](web::Request& req) {
    return answer(handle_put(svc, req.message(), std::string(req.param("room")), std::string(req.param("nick"))));
  });
  r.post("/poll/:nick",
         [&svc](web::Request& req) { return answer(handle_poll(svc, req.message(), std::string(req.param("nick")))); });
  r.any("/ws", [&svc](web::Request& req) {
    if (!boost::beast::websocket::is_upgrade(req.message()))
      return answer(error_response(req.message(), http::status::bad_request, "expected a WebSocket upgrade"));
    return web::Response::take_over([&svc](web::Request& up, Stream& s, std::string leftover) {
      serve_websocket(svc, up, s, std::move(leftover));
    });
  });
  return r;
}

// chat_reason(reason) is the disconnect counter of a session's end ("" : none).
std::string_view chat_reason(std::string_view reason) {
  using S = web::HttpSession;
  if (reason == S::idle_timeout) return "http_idle";
  if (reason == S::header_timeout || reason == S::body_timeout) return "head_timeout";
  if (reason == S::header_too_large) return "head_too_large";
  if (reason == S::body_too_large) return "body_too_large";
  if (reason == S::bad_request) return "bad_request";
  if (reason == S::write_timeout) return "http_write_timeout";
  return "";
}

// refuse(svc, s, status, text, drain) answers a connection the chat will
// not serve, then lingers (the answer is not lost to a reset).
void refuse(ChatService& svc, Stream& s, http::status status, std::string_view text,
            Duration drain = std::chrono::seconds(1)) {
  Request req;
  req.version(11);
  req.keep_alive(false);
  auto res = error_response(req, status, text);
  res.keep_alive(false);
  error_code ec;
  write_within(s, res, svc.config().write_timeout, ec);
  if (!ec) linger(s, drain);
}

}  // namespace

void run_http_session(ChatService& svc, Stream& s) {
  const ChatConfig& cfg = svc.config();
  if (svc.stopping()) return refuse(svc, s, http::status::service_unavailable, "server shutting down");
  if (svc.full()) {
    svc.count_disconnect("server_full");
    // A short drain: refused connections must not hold descriptors long.
    return refuse(svc, s, http::status::service_unavailable, "server full, try again later",
                  std::chrono::milliseconds(100));
  }
  // The chat's head_timeout bounds the wait for a request and each of its parts.
  web::HttpLimits limits{.max_header_bytes = cfg.max_head,
                         .max_body_bytes = cfg.max_body,
                         .header_timeout = cfg.head_timeout,
                         .body_timeout = cfg.head_timeout,
                         .idle_timeout = cfg.head_timeout,
                         .write_timeout = cfg.write_timeout};
  // Anything the routes do not take gets the chat's JSON 404/405.
  web::Router router = routes(svc);
  web::HttpSession session(
      s,
      [&router](web::Request& req) {
        web::Response res = router(req);
        const auto st = res.status();
        if (!res.takes_over() && (st == http::status::not_found || st == http::status::method_not_allowed) &&
            res.message()[http::field::content_type] == "text/plain; charset=utf-8") {
          web::Response json = error_page(st, st == http::status::not_found ? "not found" : "method not allowed");
          if (auto allow = res.message()[http::field::allow]; !allow.empty())
            json.set(http::field::allow, web::from_beast(allow));
          return json;
        }
        return res;
      },
      limits);
  session.server_name = "grove-chat";
  session.error_page = error_page;
  std::optional<ChatService::Connection> connection;
  session.on_end = [&](std::string_view reason) {
    if (auto counted = chat_reason(reason); !counted.empty()) svc.count_disconnect(std::string(counted));
    if (reason == web::HttpSession::upgraded) connection.reset();  // it is a WebSocket connection now
  };
  connection.emplace(svc.track("http", [&session] { session.stop(); }));
  session.run();
}

}  // namespace grove::chat::detail
