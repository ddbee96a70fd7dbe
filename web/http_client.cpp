// http_client.cpp — HttpClient: Beast's serializer and parser on a pooled
// TcpSocket or TlsStream; each exchange runs under the stream's absolute
// deadline (Stream::set_timeout with a TimePoint), see http_client.hpp.
#include <grove/web/http_client.hpp>

#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/io_error.hpp>
#include <grove/stream.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/tls.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

namespace grove::web {

using error_code = boost::system::error_code;

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

[[noreturn]] void bad_url(std::string_view url, const char* why) {
  throw UsageError("web::parse_url(\"" + std::string(url) + "\"): " + why +
                   "; expected http://host[:port]/path or https://...");
}

bool idempotent(http::verb v) {
  return v == http::verb::get || v == http::verb::head || v == http::verb::put || v == http::verb::delete_ ||
         v == http::verb::options || v == http::verb::trace;
}

bool is_redirect(http::status s) {
  return s == http::status::moved_permanently || s == http::status::found || s == http::status::see_other ||
         s == http::status::temporary_redirect || s == http::status::permanent_redirect;
}

std::string pool_key(const Url& u) { return (u.tls ? "https://" : "http://") + host_header(u); }

// follow(from, location) is the URL a Location header points to.
Url follow(const Url& from, std::string_view location) {
  if (starts_with_nocase(location, "http://") || starts_with_nocase(location, "https://")) return parse_url(location);
  if (location.substr(0, 2) == "//")
    return parse_url(std::string(from.tls ? "https:" : "http:") + std::string(location));
  Url to = from;
  if (!location.empty() && location.front() == '/') {
    to.target = std::string(location);
  } else {  // relative to the current path's directory
    std::string_view path = std::string_view(from.target).substr(0, from.target.find('?'));
    to.target = std::string(path.substr(0, path.rfind('/') + 1)) + std::string(location);
  }
  return to;
}

}  // namespace

Url parse_url(std::string_view url) {
  Url u;
  std::string_view rest;
  if (starts_with_nocase(url, "http://")) {
    rest = url.substr(7);
  } else if (starts_with_nocase(url, "https://")) {
    rest = url.substr(8);
    u.tls = true;
    u.port = 443;
  } else {
    bad_url(url, "not an http or https URL");
  }
  const std::size_t end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, end);
  std::string_view target = rest.substr(end);
  if (authority.find('@') != std::string_view::npos) bad_url(url, "credentials in a URL are not supported");
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) bad_url(url, "an IPv6 address without ']'");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') bad_url(url, "junk after the IPv6 address");
    if (!after.empty()) port = after.substr(1);
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) bad_url(url, "no host");
  if (!port.empty()) {
    unsigned long n = 0;
    for (char c : port) {
      if (c < '0' || c > '9') bad_url(url, "a bad port");
      n = n * 10 + static_cast<unsigned>(c - '0');
      if (n > 65535) bad_url(url, "a bad port");
    }
    if (n == 0) bad_url(url, "a bad port");
    u.port = static_cast<std::uint16_t>(n);
  }
  target = target.substr(0, target.find('#'));
  u.target = target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
  return u;
}

std::string host_header(const Url& u) {
  std::string h = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  if (u.port != (u.tls ? 443 : 80)) h += ":" + std::to_string(u.port);
  return h;
}

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  if (options_.max_redirects < 0) throw UsageError("web::HttpClient: max_redirects is negative");
}

HttpClient::~HttpClient() = default;

std::size_t HttpClient::idle_connections() const noexcept {
  std::size_t n = 0;
  for (auto& [key, list] : idle_) n += list.size();
  return n;
}

void HttpClient::close_idle() noexcept { idle_.clear(); }

std::unique_ptr<Stream> HttpClient::take_idle(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  const TimePoint now = hub().now();
  while (!it->second.empty()) {
    Idle entry = std::move(it->second.back());  // the most recent: the least likely to be closed
    it->second.pop_back();
    if (now - entry.since < options_.idle_timeout && entry.stream->is_open()) return std::move(entry.stream);
  }
  return nullptr;
}

void HttpClient::put_idle(const std::string& key, std::unique_ptr<Stream> s) {
  auto& list = idle_[key];
  const TimePoint now = hub().now();
  std::erase_if(list, [&](const Idle& i) { return now - i.since >= options_.idle_timeout; });
  if (list.size() >= options_.max_idle_per_host) list.erase(list.begin());  // the oldest goes
  if (options_.max_idle_per_host > 0) list.push_back({std::move(s), now});
}

std::unique_ptr<Stream> HttpClient::open(const Url& u, TimePoint deadline) {
  if (!u.tls) {
    auto s = std::make_unique<TcpSocket>(TcpSocket::connect(u.host, u.port, deadline));
    s->set_no_delay(true);
    ++connections_made_;
    return s;
  }
  TlsContext* ctx = options_.tls;
  if (!ctx) {
    if (!own_tls_) own_tls_ = std::make_unique<TlsContext>(TlsContext::client());
    ctx = own_tls_.get();
  }
  auto s = std::make_unique<TlsStream>(TlsStream::connect(u.host, u.port, *ctx, deadline));
  ++connections_made_;
  return s;
}

HttpClient::ResponseMessage HttpClient::exchange(const Url& u, RequestMessage& req, TimePoint deadline) {
  const std::string key = pool_key(u);
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Stream> s = take_idle(key);
    const bool reused = s != nullptr;
    if (!s) s = open(u, deadline);
    s->set_timeout(deadline);
    error_code ec;
    http::write(*s, req, ec);
    boost::beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    bool answered = false;  // a byte of the answer came
    while (!ec) {
      parser.emplace();
      parser->body_limit(options_.max_body_bytes);
      if (req.method() == http::verb::head) parser->skip(true);
      http::read(*s, buffer, *parser, ec);
      answered = answered || parser->got_some();
      // An interim answer (100 Continue, 102, 103) is followed by the real one.
      if (ec || parser->get().result_int() / 100 != 1 || parser->get().result() == http::status::switching_protocols)
        break;
    }
    if (ec) {
      s->close();
      if (reused && !answered && idempotent(req.method()) && attempt == 0 && ec != boost::asio::error::timed_out)
        continue;  // the server closed the pooled connection meanwhile
      const std::string what = "web::HttpClient: " + std::string(from_beast(http::to_string(req.method()))) + " " +
                               pool_key(u) + std::string(from_beast(req.target()));
      if (ec == boost::asio::error::timed_out) throw IoTimeout(ec, what);
      throw IoError(ec, what);
    }
    ResponseMessage res = parser->release();
    if (res.keep_alive() && !res.need_eof()) {
      s->set_timeout(Deadline::never());
      put_idle(key, std::move(s));
    }
    return res;
  }
}

HttpClient::ResponseMessage HttpClient::send(std::string_view url, RequestMessage req, Deadline timeout) {
  const Deadline d = timeout.is_never() ? Deadline(options_.timeout) : timeout;
  const TimePoint deadline = d.time_point("web::HttpClient::send");
  Url u = parse_url(url);
  for (int hops = 0;; ++hops) {
    req.version(11);
    req.target(u.target);
    req.set(http::field::host, host_header(u));
    if (!options_.user_agent.empty() && req[http::field::user_agent].empty())
      req.set(http::field::user_agent, options_.user_agent);
    if (!req.chunked()) req.prepare_payload();
    ResponseMessage res = exchange(u, req, deadline);
    if (!options_.follow_redirects || hops >= options_.max_redirects || !is_redirect(res.result())) return res;
    const auto location = res[http::field::location];
    if (location.empty()) return res;
    u = follow(u, from_beast(location));
    const bool to_get = res.result() == http::status::see_other ||
                        (req.method() == http::verb::post &&
                         (res.result() == http::status::moved_permanently || res.result() == http::status::found));
    if (to_get) {
      req.method(http::verb::get);
      req.body().clear();
      req.chunked(false);
      req.erase(http::field::content_type);
      req.erase(http::field::content_length);
    }
  }
}

HttpClient::ResponseMessage HttpClient::request(http::verb method, std::string_view url, std::string body,
                                                std::string_view content_type, Deadline timeout) {
  RequestMessage req{method, "/", 11};
  if (!content_type.empty()) req.set(http::field::content_type, to_beast(content_type));
  req.body() = std::move(body);
  return send(url, std::move(req), timeout);
}

}  // namespace grove::web
