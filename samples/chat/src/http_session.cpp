// http_session.cpp — HTTP/1.1 with Beast's synchronous parser on a
// grove::Stream: the page, /stats, long poll, and the /ws upgrade. A head
// (and body) must arrive within head_timeout and fit in max_head.
#include "http_detail.hpp"
#include "sessions.hpp"

#include <grove/chat/chat_server.hpp>
#include <grove/chat/protocol.hpp>

#include <grove/timeout.hpp>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <optional>
#include <vector>

namespace grove::chat::detail {

namespace beast = boost::beast;
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

// split_path("/put/a/b") is {"put", "a", "b"} (the query string is ignored).
std::vector<std::string> split_path(boost::beast::string_view raw) {
  std::string_view target(raw.data(), raw.size());
  target = target.substr(0, target.find('?'));
  std::vector<std::string> parts;
  while (!target.empty()) {
    if (target.front() == '/') {
      target.remove_prefix(1);
      continue;
    }
    auto slash = target.find('/');
    parts.emplace_back(target.substr(0, slash));
    target.remove_prefix(slash == std::string_view::npos ? target.size() : slash);
  }
  return parts;
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

Response route(ChatService& svc, const Request& req) {
  const auto parts = split_path(req.target());
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  const bool post = req.method() == http::verb::post;
  if (parts.empty() || (parts.size() == 1 && parts[0] == "index.html")) {
    if (!get) return error_response(req, http::status::method_not_allowed, "use GET");
    return page(req);
  }
  if (parts.size() == 1 && parts[0] == "stats") {
    if (!get) return error_response(req, http::status::method_not_allowed, "use GET");
    return json_response(req, http::status::ok, svc.stats());
  }
  if (parts.size() == 3 && parts[0] == "put") {
    if (!post) return error_response(req, http::status::method_not_allowed, "use POST");
    return handle_put(svc, req, parts[1], parts[2]);
  }
  if (parts.size() == 2 && parts[0] == "poll") {
    if (!post) return error_response(req, http::status::method_not_allowed, "use POST");
    return handle_poll(svc, req, parts[1]);
  }
  if (parts.size() == 1 && parts[0] == "ws") return error_response(req, http::status::bad_request, "expected a WebSocket upgrade");
  return error_response(req, http::status::not_found, "not found");
}

// refuse(svc, s, status, text, drain) answers a request that could not be
// (or was not) read, then the connection closes once the client has closed
// too or drain has passed (linger: the answer is not lost to a reset).
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
  bool idle = true;
  bool stop_requested = false;
  std::optional<ChatService::Connection> connection;
  connection.emplace(svc.track("http", [&] {
    stop_requested = true;
    if (idle) s.close();  // a request in progress finishes first
  }));
  beast::flat_buffer buffer(cfg.max_head + cfg.max_body + 4096);
  while (!stop_requested) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg.max_head));
    parser.body_limit(cfg.max_body);
    error_code ec;
    idle = true;
    {
      Timeout deadline(cfg.head_timeout);  // slowloris: the whole request within head_timeout
      try {
        http::read_header(s, buffer, parser, ec);
        idle = false;
        if (!ec && !parser.is_done()) http::read(s, buffer, parser, ec);
      } catch (const Timeout& t) {
        if (!(t == deadline)) throw;
        const bool quiet = !parser.got_some() && buffer.size() == 0;
        svc.count_disconnect(quiet ? "http_idle" : "head_timeout");
        if (!quiet) refuse(svc, s, http::status::request_timeout, "request head not complete in time");
        return;
      }
    }
    if (ec == http::error::end_of_stream || ec == boost::asio::error::eof || ec == io_errc::closed_by_other) return;
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      svc.count_disconnect("head_too_large");
      return refuse(svc, s, http::status::request_header_fields_too_large, "request head too large");
    }
    if (ec == http::error::body_limit) {
      svc.count_disconnect("body_too_large");
      return refuse(svc, s, http::status::payload_too_large, "request body too large");
    }
    if (ec && ec.category() == http::make_error_code(http::error::end_of_stream).category()) {  // a Beast parse error
      svc.count_disconnect("bad_request");
      return refuse(svc, s, http::status::bad_request, std::string("bad request: ") + ec.message());
    }
    if (ec) return;  // reset, timed out, closed
    Request req = parser.release();
    if (beast::websocket::is_upgrade(req) && split_path(req.target()) == std::vector<std::string>{"ws"}) {
      auto data = buffer.data();
      std::string leftover(static_cast<const char*>(data.data()), data.size());
      connection.reset();  // it is a WebSocket connection now
      run_websocket_session(svc, s, req, std::move(leftover));
      return;
    }
    Response res = route(svc, req);
    if (req.method() == http::verb::head) res.body().clear();
    if (stop_requested) res.keep_alive(false);
    write_within(s, res, cfg.write_timeout, ec);  // a client that never reads cannot hold the session
    if (ec == boost::asio::error::timed_out) svc.count_disconnect("http_write_timeout");
    if (ec || !res.keep_alive()) return;
  }
}

}  // namespace grove::chat::detail
