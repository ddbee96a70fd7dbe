// http_server.cpp — HttpServer: a StreamServer whose connections are
// HttpSessions, with the 503 cap and the graceful stop (http_server.hpp).
#include <grove/web/http_server.hpp>

#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/stream.hpp>
#include <grove/web/http_session.hpp>

#include <boost/beast/http/write.hpp>

#include <vector>

namespace grove::web {

namespace {

StreamServerOptions stream_options(StreamServerOptions o) {
  o.max_connections = 0;  // HttpServer answers 503 itself
  return o;
}

// busy(s, limits, name) answers 503 on a connection past the cap and drains briefly.
void busy(Stream& s, const HttpLimits& limits, const std::string& name) {
  Response res = Response::text("server busy, try again later\n", http::status::service_unavailable);
  auto& msg = res.message();
  msg.keep_alive(false);
  if (!name.empty()) msg.set(http::field::server, name);
  msg.set(http::field::retry_after, "1");
  msg.prepare_payload();
  const Deadline saved = s.timeout();
  s.set_timeout(Deadline(deadline_after(hub().now(), limits.write_timeout)));
  boost::system::error_code ec;
  http::write(s, msg, ec);
  s.set_timeout(saved);
  if (!ec) linger(s, std::chrono::milliseconds(100));  // short: refused connections must not hold descriptors
}

}  // namespace

HttpServer::HttpServer(const TcpEndpoint& endpoint, Handler handler, HttpServerOptions options)
    : handler_(std::move(handler)),
      options_(std::move(options)),
      server_(
          endpoint, [this](Stream& s) { serve(s); }, stream_options(options_.stream)) {
  if (!handler_) throw UsageError("web::HttpServer: the handler is empty; pass a Router or a callable");
}

HttpServer::~HttpServer() = default;

void HttpServer::serve(Stream& s) {
  if (stopping_) return;
  if (sessions_.size() >= options_.max_connections) {
    ++refused_;
    busy(s, options_.limits, options_.server_name);
    return;
  }
  HttpSession session(s, handler_, options_.limits);
  session.server_name = options_.server_name;
  sessions_.insert(&session);
  struct Forget {
    HttpServer* self;
    HttpSession* session;
    ~Forget() {
      self->requests_ += session->requests();
      self->sessions_.erase(session);
    }
  } forget{this, &session};
  session.run();
}

void HttpServer::stop(Deadline grace) {
  grace.check("web::HttpServer::stop");
  stopping_ = true;
  const std::vector<HttpSession*> open(sessions_.begin(), sessions_.end());
  for (HttpSession* s : open) s->stop();  // idle ones close now, busy ones after their answer
  server_.stop(grace);
}

}  // namespace grove::web
