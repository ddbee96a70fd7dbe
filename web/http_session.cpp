// http_session.cpp — HTTP/1.1 on a grove::Stream with Beast's synchronous
// parser and serializer (http_session.hpp). Each phase (waiting for a
// request, its head, its body, each write) runs under the stream's own
// deadline, so a limit shows up as error timed_out, never as an exception.
#include <grove/log.hpp>
#include <grove/web/http_session.hpp>

#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/stream.hpp>
#include <grove/timeout.hpp>

#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <spdlog/spdlog.h>

#include <cstdint>

namespace grove::web {

namespace {

using error_code = boost::system::error_code;
namespace beast = boost::beast;

// StreamDeadline gives every call on s in its scope one deadline, limit
// from now, and restores the stream's own timeout after.
class StreamDeadline {
 public:
  StreamDeadline(Stream& s, Duration limit) : s_(s), saved_(s.timeout()) {
    s.set_timeout(Deadline(deadline_after(hub().now(), limit)));
  }
  ~StreamDeadline() { s_.set_timeout(saved_); }
  StreamDeadline(const StreamDeadline&) = delete;
  StreamDeadline& operator=(const StreamDeadline&) = delete;

 private:
  Stream& s_;
  Deadline saved_;
};

// Head is how the part of a request head that has arrived looks, for the
// check Beast 1.74 does not make: obs-fold (a line starting with a space
// or tab; RFC 9112 5.2 and 2.2: a server rejects it with 400), which
// Beast's parser silently joins into the previous line.
enum class Head { partial, complete, folded, odd };

Head scan_head(std::string_view b) {
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i] == '\r') {
      if (i + 1 == b.size()) return Head::partial;
      if (b[i + 1] != '\n') return Head::odd;  // a bare CR: Beast refuses it
      continue;
    }
    if (b[i] != '\n') continue;
    if (i == 0 || b[i - 1] != '\r') return Head::odd;  // a bare LF: Beast refuses it
    if (i + 1 == b.size()) return Head::partial;
    if (b[i + 1] == ' ' || b[i + 1] == '\t') return Head::folded;
    if (b[i + 1] == '\r') return Head::complete;  // the empty line that ends the head
  }
  return Head::partial;
}

std::string_view view(const beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.data().size()};
}

bool is_parse_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

bool expects_continue(const Request::Message& req) {
  auto it = req.find(http::field::expect);
  return it != req.end() && beast::iequals(it->value(), "100-continue");
}

}  // namespace

HttpSession::HttpSession(Stream& s, Handler handler, HttpLimits limits)
    : stream_(&s),
      handler_(std::move(handler)),
      limits_(limits),
      buffer_(limits.max_header_bytes + limits.max_body_bytes + 64 * 1024) {
  if (!handler_) throw UsageError("web::HttpSession: the handler is empty; pass a Router or a callable");
}

void HttpSession::run() {
  try {
    while (serve_one()) {
    }
  } catch (...) {
    end(interrupted);
    throw;
  }
}

void HttpSession::stop() {
  if (stop_requested_) return;
  if (ended_) {
    if (end_reason_ == upgraded && stop_hook_) {
      stop_requested_ = true;
      auto hook = std::move(stop_hook_);
      hook();
    }
    return;
  }
  stop_requested_ = true;
  if (idle_) stream_->close();  // a request in progress is answered first
}

void HttpSession::end(std::string_view reason) {
  if (ended_) return;
  ended_ = true;
  end_reason_ = reason;
  if (on_end) on_end(reason);
}

bool HttpSession::serve_one() {
  Stream& s = *stream_;
  error_code ec;
  idle_ = true;
  if (stop_requested_) {
    end(stopped);
    return false;
  }
  if (buffer_.size() == 0) {  // wait for the next request (keep-alive idle)
    std::size_t n = 0;
    {
      StreamDeadline d(s, limits_.idle_timeout);
      n = s.read_some(buffer_.prepare(4096), ec);
    }
    if (ec) {
      end(ec == boost::asio::error::timed_out ? idle_timeout : stop_requested_ ? stopped : client_closed);
      return false;
    }
    buffer_.commit(n);
  }
  idle_ = false;

  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  parser.body_limit(limits_.max_body_bytes);
  Head head = Head::partial;
  {
    StreamDeadline d(s, limits_.header_timeout);
    // The whole head first (or as much as the limit allows), for the
    // obs-fold check; then Beast parses it (and reads on only if it is odd).
    while ((head = scan_head(view(buffer_))) == Head::partial && buffer_.size() <= limits_.max_header_bytes) {
      const std::size_t n = s.read_some(buffer_.prepare(4096), ec);
      if (ec) break;
      buffer_.commit(n);
    }
    if (!ec && head != Head::folded) http::read_header(s, buffer_, parser, ec);
  }
  if (ec) {
    read_failed(ec, header_timeout);
    return false;
  }
  // Smuggling guards beyond Beast's own (conflicting Content-Length, and
  // Content-Length with Transfer-Encoding, are its errors already):
  // obs-fold, and a Transfer-Encoding whose last coding is not chunked
  // (RFC 9112 6.3: the body's length is unknown).
  if (head == Head::folded || (!parser.get()[http::field::transfer_encoding].empty() && !parser.chunked())) {
    refuse(http::status::bad_request,
           head == Head::folded ? "bad request: obs-fold" : "bad request: Transfer-Encoding without chunked last",
           bad_request);
    return false;
  }
  if (!parser.is_done()) {
    if (expects_continue(parser.get())) {
      StreamDeadline d(s, limits_.write_timeout);
      static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
      boost::asio::write(s, boost::asio::buffer(go_on.data(), go_on.size()), ec);
      if (ec) {
        end(ec == boost::asio::error::timed_out ? write_timeout : write_failed);
        return false;
      }
    }
    StreamDeadline d(s, limits_.body_timeout);
    http::read(s, buffer_, parser, ec);
    if (ec) {
      read_failed(ec, body_timeout);
      return false;
    }
  }

  ++requests_;
  Request req(parser.release(), &s);
  req.set_stop_slot(&stop_hook_);
  Response res;
  try {
    res = handler_(req);
  } catch (const std::exception& e) {
    grove::logger()->warn("grove::web: the handler of {} {} failed: {}", std::string(http::to_string(req.method())),
                          std::string(req.target()), e.what());
    res = error_page ? error_page(http::status::internal_server_error, "internal server error")
                     : Response::text("internal server error\n", http::status::internal_server_error);
  }
  if (res.takes_over()) {
    auto data = buffer_.data();
    std::string leftover(static_cast<const char*>(data.data()), data.size());
    buffer_.consume(buffer_.size());
    end(upgraded);
    res.takeover()(req, s, std::move(leftover));
    return false;
  }
  bool keep = req.keep_alive() && !res.wants_close() && !stop_requested_;
  if (!write(req, res, keep)) return false;
  if (!keep) {
    end(stop_requested_ ? stopped : done);
    return false;
  }
  return true;
}

void HttpSession::read_failed(const error_code& ec, std::string_view timeout_reason) {
  if (ec == boost::asio::error::timed_out)
    return refuse(http::status::request_timeout, "request not complete in time", timeout_reason);
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return refuse(http::status::request_header_fields_too_large, "request head too large", header_too_large);
  if (ec == http::error::body_limit)
    return refuse(http::status::payload_too_large, "request body too large", body_too_large);
  if (is_parse_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message)
    return refuse(http::status::bad_request, "bad request: " + ec.message(), bad_request);
  end(stop_requested_ ? stopped : client_closed);  // eof, reset, closed by stop()
}

void HttpSession::refuse(http::status status, std::string_view text, std::string_view reason) {
  end(reason);
  Response res = error_page ? error_page(status, text) : Response::text(std::string(text) + "\n", status);
  auto& msg = res.message();
  msg.version(11);
  msg.keep_alive(false);
  if (!server_name.empty()) msg.set(http::field::server, server_name);
  msg.prepare_payload();
  error_code ec;
  {
    StreamDeadline d(*stream_, limits_.write_timeout);
    http::write(*stream_, msg, ec);
  }
  if (!ec) linger(*stream_, limits_.linger);
}

bool HttpSession::write(Request& req, Response& res, bool& keep) {
  Stream& s = *stream_;
  auto& msg = res.message();
  msg.version(req.version() == 10 ? 10 : 11);
  if (!server_name.empty() && msg.find(http::field::server) == msg.end()) msg.set(http::field::server, server_name);
  const bool head = req.method() == http::verb::head;
  error_code ec;
  auto failed = [&](const error_code& e) {
    end(e == boost::asio::error::timed_out ? write_timeout : write_failed);
    return false;
  };
  if (!res.streaming()) {
    msg.keep_alive(keep);
    msg.prepare_payload();
    http::response_serializer<http::string_body> sr(msg);
    StreamDeadline d(s, limits_.write_timeout);
    if (head) http::write_header(s, sr, ec);
    else http::write(s, sr, ec);
    return ec ? failed(ec) : true;
  }
  // A streaming body: chunked for HTTP/1.1, delimited by the close for 1.0.
  const bool chunked = req.version() >= 11;
  if (!chunked) keep = false;
  http::response<http::empty_body> header(std::move(msg.base()));
  header.keep_alive(keep);
  header.chunked(chunked && !head);
  {
    http::response_serializer<http::empty_body> sr(header);
    StreamDeadline d(s, limits_.write_timeout);
    http::write_header(s, sr, ec);
  }
  if (ec) return failed(ec);
  if (head) return true;
  ChunkWriter out(s, chunked, limits_.write_timeout);
  try {
    res.producer()(out);
    out.finish();
  } catch (const IoError& e) {
    return failed(e.asio_code());
  } catch (const std::exception& e) {
    // The head is gone: the client sees the body cut short (no last chunk).
    grove::logger()->warn("grove::web: the streaming answer to {} failed after {} bytes: {}", std::string(req.target()),
                          out.bytes(), e.what());
    end(write_failed);
    return false;
  }
  return true;
}

void linger(Stream& s, Duration max) {
  error_code ec;
  s.shutdown_send(ec);
  if (ec) return;
  try {
    Timeout deadline(max);
    while (!ec && !s.recv_view(64 * 1024, ec).empty()) {
    }
  } catch (const Timeout&) {
    // the client keeps talking: close anyway
  }
}

}  // namespace grove::web
