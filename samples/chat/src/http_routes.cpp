// http_routes.cpp — the chat over HTTP on grove::web: a web::Router (the
// page, /stats, long poll, the /ws upgrade) served by a web::HttpSession,
// whose end reasons become the chat's disconnect counters. A request (head
// and body) must arrive within head_timeout and fit in max_head/max_body.
#include "http_detail.hpp"
#include "sessions.hpp"

#include <grove/chat/chat_server.hpp>
#include <grove/chat/protocol.hpp>

#include <grove/timeout.hpp>
#include <grove/web/http_session.hpp>
#include <grove/web/router.hpp>

#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <optional>
#include <string>

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
  r.post("/put/:room/:nick", [&svc](web::Request& req) {
    return answer(handle_put(svc, req.message(), std::string(req.param("room")), std::string(req.param("nick"))));
  });
  r.post("/poll/:nick",
         [&svc](web::Request& req) { return answer(handle_poll(svc, req.message(), std::string(req.param("nick")))); });
  r.any("/ws", [&svc](web::Request& req) {
    if (!boost::beast::websocket::is_upgrade(req.message()))
      return answer(error_response(req.message(), http::status::bad_request, "expected a WebSocket upgrade"));
    return web::Response::take_over([&svc](web::Request& up, Stream& s, std::string leftover) {
      run_websocket_session(svc, s, up.message(), std::move(leftover));
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
