#pragma once
// response.hpp — Response, what a handler returns: a Beast response with a
// whole body, a streaming producer (chunked transfer: chunk_writer.hpp), or
// a takeover of the connection (a WebSocket upgrade: websocket.hpp).
//
//   return web::Response::text("Hello World\n");
//   return web::Response(web::http::status::created, body, "application/json");
//
// The session fills in what a handler may leave out: Content-Length (for a
// whole body), Server, Connection (keep-alive follows the request and the
// server's state), and drops the body of a HEAD answer.

#include <grove/web/chunk_writer.hpp>
#include <grove/web/http.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace grove {
class Stream;
}

namespace grove::web {

class Request;

class Response {
 public:
  using Message = http::response<http::string_body>;
  // Producer writes a streaming body; Takeover gets the connection after
  // the handler returns (the session ends when it returns); leftover holds
  // bytes the client sent past the request.
  using Producer = std::function<void(ChunkWriter&)>;
  using Takeover = std::function<void(Request&, Stream&, std::string leftover)>;

  // Response(): 200 with an empty body.
  Response() : Response(http::status::ok) {}
  explicit Response(http::status status, std::string body = {},
                    std::string_view content_type = "text/plain; charset=utf-8");
  explicit Response(Message message) : message_(std::move(message)) {}

  // text(body, status): a text/plain; charset=utf-8 answer.
  static Response text(std::string body, http::status status = http::status::ok) {
    return Response(status, std::move(body));
  }
  static Response html(std::string body, http::status status = http::status::ok) {
    return Response(status, std::move(body), "text/html; charset=utf-8");
  }
  static Response json(std::string body, http::status status = http::status::ok) {
    return Response(status, std::move(body), "application/json");
  }
  // stream(content_type, producer): a chunked answer written piece by
  // piece by producer, in the connection's fiber, after the headers.
  static Response stream(std::string_view content_type, Producer producer, http::status status = http::status::ok);
  // take_over(fn): fn owns the connection once the handler returns (used by
  // web::websocket_upgrade; no HTTP answer is written for it).
  static Response take_over(Takeover fn);

  Message& message() noexcept { return message_; }
  const Message& message() const noexcept { return message_; }
  http::status status() const noexcept { return message_.result(); }
  std::string& body() noexcept { return message_.body(); }
  const std::string& body() const noexcept { return message_.body(); }
  // set(name, value) sets a header (replacing one of the same name).
  Response& set(http::field name, std::string_view value) {
    message_.set(name, to_beast(value));
    return *this;
  }
  Response& set(std::string_view name, std::string_view value) {
    message_.set(to_beast(name), to_beast(value));
    return *this;
  }
  // close() asks for the connection to close after this answer.
  Response& close() {
    close_ = true;
    return *this;
  }
  bool wants_close() const noexcept { return close_; }

  bool streaming() const noexcept { return static_cast<bool>(producer_); }
  Producer& producer() noexcept { return producer_; }
  bool takes_over() const noexcept { return static_cast<bool>(takeover_); }
  Takeover& takeover() noexcept { return takeover_; }

 private:
  Message message_;
  Producer producer_;
  Takeover takeover_;
  bool close_ = false;
};

}  // namespace grove::web
