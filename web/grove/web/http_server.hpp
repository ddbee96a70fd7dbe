#pragma once
// http_server.hpp — HttpServer (gevent's pywsgi.WSGIServer): a StreamServer
// whose connections are HttpSessions running one handler (usually a Router).
//
//   web::HttpServer server(grove::tcp_endpoint("127.0.0.1", 8000),
//                          [](web::Request&) { return web::Response::html("<b>Hello World</b>"); });
//   server.serve_forever();   // or start(), and later stop(grace)
//
// Limits per connection are HttpServerOptions::limits (http_limits.hpp);
// a connection past max_connections is answered 503 and closed. TLS:
// options.stream.tls (a TlsContext) makes every connection a TlsStream.
// stop(grace) is graceful: accepting stops at once, connections waiting for
// a request are closed, requests in progress are answered (with
// `Connection: close`) and their connections closed; whatever still runs
// after grace is killed. Use it from its hub's thread; stop() it before
// destroying it.

#include <grove/deadline.hpp>
#include <grove/stream_server.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/web/http_limits.hpp>
#include <grove/web/router.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

namespace grove::web {

class HttpSession;

struct HttpServerOptions {
  HttpLimits limits{};
  // max_connections: a connection beyond this many open ones gets 503.
  std::size_t max_connections = 10000;
  // stream: the StreamServer's options (pool_size, listen backlog, tls...).
  // Its max_connections stays 0: the 503 above replaces it.
  StreamServerOptions stream{};
  // server_name is every answer's Server header.
  std::string server_name = "grove";
};

class HttpServer {
 public:
  HttpServer(const TcpEndpoint& endpoint, Handler handler, HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start() { server_.start(); }
  void serve_forever() { server_.serve_forever(); }
  // stop(grace): see above. A negative or NaN duration is a UsageError.
  void stop(Deadline grace = std::chrono::seconds(1));

  std::uint16_t port() const { return server_.port(); }
  TcpEndpoint local_endpoint() const { return server_.local_endpoint(); }
  // connections() counts open HTTP sessions; refused() the 503 answers.
  std::size_t connections() const noexcept { return sessions_.size(); }
  std::uint64_t refused() const noexcept { return refused_; }
  std::uint64_t requests() const noexcept { return requests_; }

 private:
  void serve(Stream& s);

  Handler handler_;
  HttpServerOptions options_;
  std::set<HttpSession*> sessions_;
  std::uint64_t refused_ = 0;
  std::uint64_t requests_ = 0;
  bool stopping_ = false;
  StreamServer server_;
};

}  // namespace grove::web
