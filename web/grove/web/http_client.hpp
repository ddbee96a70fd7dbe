#pragma once
// http_client.hpp — HttpClient, green HTTP/1.1 requests (gevent's
// geventhttpclient, Go's http.Client) on Beast's serializer and parser:
//
//   web::HttpClient client;                                   // one per hub, shared by its fibers
//   auto res = client.get("http://localhost:8080/hello", 2s);  // parks this fiber only
//   if (res.result() == web::http::status::ok) use(res.body());
//   client.post("http://127.0.0.1:8080/put", "message=hi", "application/x-www-form-urlencoded");
//
// Contract.
// - URLs are http://host[:port]/path?query or https://... (host: a name,
//   resolved without blocking the hub, an IPv4 address or [IPv6]). Another
//   scheme, or a URL that does not parse, is a UsageError saying so.
// - A request's deadline (a duration or a TimePoint; default
//   options.timeout) bounds the whole exchange: connecting (and the TLS
//   handshake), writing the request, reading the whole response. Past it
//   the call throws IoTimeout (an IoError, error timed_out) and the
//   connection is closed.
//   Connection, DNS and protocol failures are IoError too; any HTTP status
//   (404, 500, ...) is a response, not an error.
// - Keep-alive: after a response that keeps the connection (HTTP/1.1
//   without `Connection: close`, the body read to its end), the connection
//   goes back to a pool per scheme://host:port (at most
//   max_idle_per_host; dropped after idle_timeout), and the next request to
//   that host reuses it. A pooled connection the server has closed
//   meanwhile is detected when the request fails before any byte of the
//   answer came: an idempotent request (GET, HEAD, PUT, DELETE, OPTIONS,
//   TRACE) is then retried once on a new connection.
// - Bodies: a response body may come with Content-Length, chunked
//   (decoded), or until the server closes; past max_body_bytes the call
//   throws IoError (body_limit). A request body is sent with Content-Length
//   unless the request says chunked (send() with message.chunked(true)).
// - Redirects are not followed unless follow_redirects is set: then a 301,
//   302, 303, 307 or 308 with a Location is followed (303, and 301/302 after
//   a POST, become a GET without body), at most max_redirects times, within
//   the first request's deadline; past that the last 3xx is returned.
// - TLS (https://): through grove's TlsStream (tls.hpp), verified against
//   options.tls, or the system's CA store when it is null.
// Use a client from its hub's thread; several fibers may use it at once
// (each request holds its own connection).

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/web/http.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace grove {
class Stream;
class TlsContext;
}  // namespace grove

namespace grove::web {

struct HttpClientOptions {
  // timeout: the default deadline of a request (see above).
  Duration timeout = std::chrono::seconds(30);
  // max_body_bytes: the largest response body accepted.
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  // max_idle_per_host connections are kept for reuse, each at most idle_timeout.
  std::size_t max_idle_per_host = 8;
  Duration idle_timeout = std::chrono::seconds(60);
  bool follow_redirects = false;
  int max_redirects = 5;
  // tls: the context of https:// connections (it must outlive the client);
  // null: one verifying against the system's CA store, made on first use.
  TlsContext* tls = nullptr;
  // user_agent: the User-Agent header of requests that set none ("" : none).
  std::string user_agent = "grove";
};

// Url is a parsed http(s) URL (parse_url()).
struct Url {
  bool tls = false;  // https
  std::string host;  // without the brackets of an IPv6 address
  std::uint16_t port = 80;
  std::string target = "/";  // path and query, as sent
};

// parse_url(url) splits an http:// or https:// URL; UsageError otherwise.
Url parse_url(std::string_view url);
// host_header(u) is u's Host header: the host ([...] for IPv6), and the
// port unless it is the scheme's default.
std::string host_header(const Url& u);

class HttpClient {
 public:
  using RequestMessage = http::request<http::string_body>;
  using ResponseMessage = http::response<http::string_body>;

  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // request(method, url, body, content_type, timeout): one exchange.
  ResponseMessage request(http::verb method, std::string_view url, std::string body = {},
                          std::string_view content_type = {}, Deadline timeout = Deadline::never());
  ResponseMessage get(std::string_view url, Deadline timeout = Deadline::never()) {
    return request(http::verb::get, url, {}, {}, timeout);
  }
  ResponseMessage post(std::string_view url, std::string body, std::string_view content_type,
                       Deadline timeout = Deadline::never()) {
    return request(http::verb::post, url, std::move(body), content_type, timeout);
  }
  // send(url, message, timeout): message as given (method, headers, body,
  // chunked or not); its target and Host are set from url. A timeout of
  // Deadline::never() means options().timeout.
  ResponseMessage send(std::string_view url, RequestMessage message, Deadline timeout = Deadline::never());

  // idle_connections(): pooled connections, all hosts. connections_made():
  // connections opened so far (keep-alive makes it grow slower than requests).
  std::size_t idle_connections() const noexcept;
  std::uint64_t connections_made() const noexcept { return connections_made_; }
  // close_idle() closes every pooled connection.
  void close_idle() noexcept;
  const HttpClientOptions& options() const noexcept { return options_; }

 private:
  struct Idle {
    std::unique_ptr<Stream> stream;
    TimePoint since;
  };
  std::unique_ptr<Stream> open(const Url& u, TimePoint deadline);
  std::unique_ptr<Stream> take_idle(const std::string& key);
  void put_idle(const std::string& key, std::unique_ptr<Stream> s);
  ResponseMessage exchange(const Url& u, RequestMessage& req, TimePoint deadline);

  HttpClientOptions options_;
  std::unique_ptr<TlsContext> own_tls_;
  std::map<std::string, std::vector<Idle>> idle_;
  std::uint64_t connections_made_ = 0;
};

}  // namespace grove::web
