#pragma once
// request.hpp — Request, one HTTP request as a handler sees it: Beast's
// parsed message (method, target, headers, the whole body), the path
// parameters the Router captured (`/user/:name` -> param("name")) and the
// connection it came on.
//
//   web::Response hello(web::Request& req) {
//     return web::Response::text("hello " + std::string(req.param("name")) + "\n");
//   }
//
// The body is read completely (within HttpLimits::max_body_bytes) before the
// handler runs. A Request lives until its response is written.

#include <grove/web/http.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace grove {
class Stream;
}

namespace grove::web {

class Request {
 public:
  using Message = http::request<http::string_body>;

  // Request(message, stream): stream is the connection the request came on
  // (nullptr for a request built by hand, e.g. in a test of a handler).
  explicit Request(Message message, Stream* stream = nullptr) : message_(std::move(message)), stream_(stream) {}

  Message& message() noexcept { return message_; }
  const Message& message() const noexcept { return message_; }
  http::verb method() const noexcept { return message_.method(); }
  // target() is the request target as sent ("/a%20b?x=1"); path() is its
  // part before '?', still percent-encoded; query() the part after it.
  std::string_view target() const noexcept;
  std::string_view path() const noexcept;
  std::string_view query() const noexcept;
  const std::string& body() const noexcept { return message_.body(); }
  std::string& body() noexcept { return message_.body(); }
  // header(name) is the value of the first such header, "" when absent.
  std::string_view header(http::field name) const;
  std::string_view header(std::string_view name) const;
  bool keep_alive() const { return message_.keep_alive(); }
  unsigned version() const noexcept { return message_.version(); }

  // param(name) is the path segment the route's `:name` (or `*name`)
  // captured, percent-decoded; UsageError when the route has no such name.
  std::string_view param(std::string_view name) const;
  bool has_param(std::string_view name) const noexcept;
  const std::vector<std::pair<std::string, std::string>>& params() const noexcept { return params_; }
  void set_params(std::vector<std::pair<std::string, std::string>> params) { params_ = std::move(params); }

  // stream() is the connection; UsageError for a request built without one.
  Stream& stream() const;

  // on_stop(fn): for a connection taken over (Response::take_over, a
  // WebSocket), fn runs when its session is asked to stop (HttpServer's
  // graceful stop), from the stopping fiber; it must not block. Without a
  // session (a request built by hand) it does nothing.
  void on_stop(std::function<void()> fn) {
    if (stop_slot_) *stop_slot_ = std::move(fn);
  }
  void set_stop_slot(std::function<void()>* slot) noexcept { stop_slot_ = slot; }

 private:
  Message message_;
  Stream* stream_;
  std::vector<std::pair<std::string, std::string>> params_;
  std::function<void()>* stop_slot_ = nullptr;
};

// url_decode(s, out, plus_is_space) sets out to s with percent-escapes
// undone ('+' is a space in form bodies and queries when plus_is_space);
// false on a malformed escape.
bool url_decode(std::string_view s, std::string& out, bool plus_is_space = false);
// form_field(body, name) is the decoded value of `name` in an
// application/x-www-form-urlencoded body (or a query string); false when absent or malformed.
bool form_field(std::string_view body, std::string_view name, std::string& out);

}  // namespace grove::web
