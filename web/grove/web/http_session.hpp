#pragma once
// http_session.hpp — HttpSession, HTTP/1.1 on one grove::Stream with
// Beast's parser: it reads requests one at a time and answers each with the
// handler before reading the next, so pipelined requests are answered in
// order; keep-alive follows the request; `Expect: 100-continue` gets
// `100 Continue` before the body is read (and 413 instead, without reading
// it, when Content-Length is past the limit). HttpServer runs one per
// connection; a server of your own (TLS, AF_UNIX, the test kit's in-memory
// network) runs one on any Stream:
//
//   grove::UnixStreamServer srv(path, [&](grove::Stream& s) { web::HttpSession(s, router).run(); });
//
// A handler that throws std::exception gets a 500 answer (the text is
// logged, not sent); an Interrupt (kill, Timeout) ends the session.
// Use it from the connection's fiber; stop() from any fiber of the hub.

#include <grove/web/http_limits.hpp>
#include <grove/web/response.hpp>
#include <grove/web/router.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace grove {
class Stream;
}

namespace grove::web {

class HttpSession {
 public:
  // end reasons (end_reason(), on_end): why run() returned.
  static constexpr std::string_view client_closed = "client_closed";        // eof, reset, or not keep-alive
  static constexpr std::string_view idle_timeout = "idle_timeout";          // no new request in time
  static constexpr std::string_view header_timeout = "header_timeout";      // 408
  static constexpr std::string_view body_timeout = "body_timeout";          // 408
  static constexpr std::string_view header_too_large = "header_too_large";  // 431
  static constexpr std::string_view body_too_large = "body_too_large";      // 413
  static constexpr std::string_view bad_request = "bad_request";            // 400
  static constexpr std::string_view write_timeout = "write_timeout";
  static constexpr std::string_view write_failed = "write_failed";
  static constexpr std::string_view stopped = "stopped";          // stop()
  static constexpr std::string_view upgraded = "upgraded";        // a Response::take_over() ran
  static constexpr std::string_view done = "done";                // the answer said Connection: close
  static constexpr std::string_view interrupted = "interrupted";  // kill() or a Timeout ended run()

  HttpSession(Stream& s, Handler handler, HttpLimits limits = {});
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // run() serves requests until one of the end reasons; it never closes
  // the stream (its owner does) and throws only Interrupts.
  void run();
  // stop() ends the session gracefully: at once (closing the stream) when
  // it waits for a request, else after the answer in progress, which then
  // says Connection: close. After a takeover it runs the function the
  // takeover gave Request::on_stop (a WebSocket closes with 1001).
  void stop();
  // idle() is true while the session waits for the next request.
  bool idle() const noexcept { return idle_; }
  std::string_view end_reason() const noexcept { return end_reason_; }
  std::size_t requests() const noexcept { return requests_; }

  // server_name is the Server header of every answer ("" leaves it out).
  std::string server_name = "grove";
  // on_end(reason) is called once, as run() returns.
  std::function<void(std::string_view reason)> on_end;
  // error_page(status, text) builds the answer to a refused request (limits,
  // 400) and to a handler's exception; the default is text/plain.
  std::function<Response(http::status, std::string_view text)> error_page;

 private:
  void end(std::string_view reason);
  bool serve_one();
  void read_failed(const boost::system::error_code& ec, std::string_view timeout_reason);
  void refuse(http::status status, std::string_view text, std::string_view reason);
  bool write(Request& req, Response& res, bool& keep_alive);

  Stream* stream_;
  Handler handler_;
  HttpLimits limits_;
  boost::beast::flat_buffer buffer_;  // read past the last request
  std::string_view end_reason_;
  std::size_t requests_ = 0;
  bool idle_ = true;
  bool stop_requested_ = false;
  bool ended_ = false;
  std::function<void()> stop_hook_;  // Request::on_stop, after a takeover
};

// linger(s, max) ends a connection the server gives up on after its last
// words: it shuts down sending, then reads and drops what the client still
// sends until the client closes or max has passed, so unread input does not
// turn the close into a reset that destroys the answer before it is read.
void linger(Stream& s, Duration max);

}  // namespace grove::web
