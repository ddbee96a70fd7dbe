// websocket.cpp — WebSocket on Beast's synchronous websocket::stream over a
// BeastStream: the handler's fiber reads, a writer fiber owns every write
// (beast_stream.hpp), and the bounded outbound queue applies the
// OverflowPolicy (websocket.hpp).
#include <grove/web/websocket.hpp>

#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/io_error.hpp>
#include <grove/stream.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/web/beast_stream.hpp>
#include <grove/web/http_session.hpp>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/detail/utf8_checker.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>
#include <exception>

namespace grove::web {

namespace websocket = boost::beast::websocket;
using error_code = boost::system::error_code;

namespace {

// append_frame(out, payload, binary) appends one unmasked, unfragmented
// frame (RFC 6455 5.2: a server's frames are never masked; no extension is
// negotiated), as Beast's write() would send it.
void append_frame(std::string& out, std::string_view payload, bool binary) {
  const std::uint64_t n = payload.size();
  out += static_cast<char>(binary ? 0x82 : 0x81);  // FIN, opcode 2 or 1
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n <= 0xffff) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  }
  out += payload;
}

// bounded(d, fn): runs fn under a Timeout of d; false when that Timeout
// interrupted it (any other Timeout goes on up).
template <class F>
bool bounded(Duration d, F&& fn) {
  Timeout deadline(d);
  try {
    fn();
    return true;
  } catch (const Timeout& to) {
    if (!(to == deadline)) throw;
    return false;
  }
}

// ends_whole(text): the text message's last code point is complete. Beast
// 1.74 checks a text message's UTF-8 as it reads it, but skips the final
// check (no code point left open) when the message's last frame is empty
// (found by the ws_frames fuzzer, docs/fuzzing.md). Beast passed every
// byte, so only the last code point can be open: check it with Beast's own
// checker, from its lead byte.
bool ends_whole(const boost::beast::flat_buffer& text) {
  const auto data = text.data();
  const char* p = static_cast<const char*>(data.data());
  const std::size_t n = data.size();
  std::size_t start = n;
  for (int i = 0; i < 4 && start > 0; ++i) {
    --start;
    if ((static_cast<unsigned char>(p[start]) & 0xC0) != 0x80) break;  // not a continuation byte
  }
  return websocket::detail::check_utf8(p + start, n - start);
}

}  // namespace

class WebSocket::Impl final : public WriteBudget {
 public:
  Impl(Stream& s, std::string leftover, WebSocketOptions o)
      : opts(std::move(o)),
        stream(&s),
        ws(s, std::move(leftover), *this,
           BeastStreamLimits{.ping_interval = opts.ping_interval,
                             .idle_timeout = opts.idle_timeout,
                             .frame_timeout = opts.frame_timeout}) {}
  ~Impl() {
    if (writer && !writer.dead()) writer.kill();
    if (reader && !reader.dead()) reader.kill();
  }

  // ---- WriteBudget: control bytes the reader queues for the writer.
  bool charge(std::size_t n) noexcept override {
    if (unsent() + n > opts.max_queued_bytes) return false;
    control_bytes += n;
    return true;
  }
  void written(std::size_t n) noexcept override {
    control_bytes -= n < control_bytes ? n : control_bytes;
    space.set();  // a `block`ed send() may fit now
  }
  void wake() noexcept override { ready.set(); }
  void before_close() override;

  void finish(std::string_view why) {
    if (reason.empty()) reason = why;
    progress.set();
    space.set();
    ready.set();
    arrived.set();
  }
  // kick(why) drops the connection: both fibers' calls fail at once.
  void kick(std::string_view why) {
    finish(why);
    stream->close();
  }

  // unsent(): the bytes the bound covers — messages queued or being
  // written, and control frames (pongs) queued for the writer.
  std::size_t unsent() const noexcept { return queued + in_flight + control_bytes; }

  void write_loop();
  void read_loop();
  void close_handshake();
  void close_with(std::uint16_t code, std::string_view text, std::string_view why);

  WebSocketOptions opts;
  Stream* stream;
  websocket::stream<BeastStream> ws;
  std::deque<WsMessage> queue;
  std::size_t queued = 0;     // in `queue`
  std::size_t in_flight = 0;  // taken by the writer, not yet written
  std::size_t control_bytes = 0;
  std::uint64_t dropped = 0;
  Event ready;  // the writer has something to do
  Event space;  // the queue shrank (block policy)
  Event writer_done;
  Event arrived;  // a message came in, or the connection ended
  Event room;     // the handler took a message
  Event reader_done;
  Event progress;  // the handler came back to receive(), or the writer sent a batch
  std::deque<WsMessage> inbound;
  Fiber<> writer;
  Fiber<> reader;
  std::string_view reason;  // end_reason()
  std::uint16_t close_code = close_code::normal;
  std::string close_text;
  bool closing = false;
  bool handling = false;    // the handler took a message and has not come back to receive()
  bool draining = false;    // before_close() waits: the writer writes even while Beast is closing
  bool client = false;      // Beast masks the frames: one write() per message
  bool ping_asked = false;  // ping() was called
  std::uint64_t pongs = 0;
};

void WebSocket::Impl::write_loop() {
  BeastStream& t = ws.next_layer();
  t.set_writer();
  error_code ec;
  std::string bytes;
  bool timed_out = false;
  while (!ec && !t.torn_down() && reason.empty()) {
    t.flush_control(ec);
    if (ec || t.torn_down()) break;
    const bool ping_now = std::exchange(ping_asked, false);
    if ((t.take_ping() || ping_now) && ws.is_open()) {  // asked for, or the peer has been silent
      ws.ping({}, ec);
      continue;
    }
    if (queue.empty()) {
      if (closing) break;  // drained: the reader runs the closing handshake
      ready.clear();
      if (queue.empty() && !closing && reason.empty() && !t.torn_down()) ready.wait();
      continue;
    }
    // Every queued message, one frame each: a server's in one write, a
    // client's (masked by Beast) one write() each.
    std::deque<WsMessage> batch;
    batch.swap(queue);
    std::size_t payload = 0;
    for (auto& m : batch) payload += m.data.size();
    queued -= payload < queued ? payload : queued;
    in_flight += payload;
    if (!ws.is_open() && !draining) break;  // closing: Beast would refuse the frames too
    bytes.clear();
    if (!client)
      for (auto& m : batch) append_frame(bytes, m.data, m.binary);
    timed_out = !bounded(opts.write_timeout, [&] {
      if (!client) t.stream().send_all(bytes, ec);
      for (std::size_t i = 0; client && i < batch.size() && !ec; ++i) {
        ws.binary(batch[i].binary);
        ws.write(boost::asio::buffer(batch[i].data), ec);
      }
    });
    if (timed_out) ec = boost::asio::error::timed_out;
    in_flight = 0;
    space.set();
    progress.set();
  }
  error_code ignored;
  t.flush_control(ignored);  // the close frame Beast queued, if any
  if (ec && !t.torn_down()) {
    kick(timed_out ? "write_timeout" : "write_failed");
  } else if (closing && !t.torn_down()) {
    t.release_writer();  // the reader writes the close frame itself
    t.stop_reading();
  }
  writer_done.set();
}

// before_close(): the reader is about to queue a close frame (the answer to
// the peer's close, or one failing the connection). The messages that came
// before it are answered first: the handler takes them and comes back to
// receive(), the writer sends what it queued (Autobahn 7.1.1, 3.2). Bounded
// by close_timeout: a handler that never receives only delays the close.
void WebSocket::Impl::before_close() {
  auto settled = [this] { return (inbound.empty() && !handling && queue.empty() && in_flight == 0) || closing; };
  if (settled() || !reason.empty()) return;
  draining = true;
  ready.set();
  const TimePoint until = deadline_after(hub().now(), opts.close_timeout);
  while (!settled() && reason.empty() && !writer_done.is_set()) {
    const TimePoint now = hub().now();
    if (now >= until) break;
    progress.clear();
    if (!settled() && reason.empty()) (void)progress.wait(until - now);
  }
  draining = false;
}

// close_with(code, text, why): Beast's closing handshake from the reader,
// the close frame then the peer's answer (at most close_timeout) — after
// close() (close_handshake), or failing a message Beast let through
// (ends_whole) as Beast fails the ones it catches itself.
void WebSocket::Impl::close_with(std::uint16_t code, std::string_view text, std::string_view why) {
  error_code ec;
  try {
    (void)bounded(opts.close_timeout, [&] {
      ws.close(websocket::close_reason(static_cast<websocket::close_code>(code), to_beast(text)), ec);
    });
  } catch (const ReadStopped&) {  // close() was called meanwhile: this close goes no further
  }
  finish(why);
}

void WebSocket::Impl::close_handshake() {
  ws.next_layer().resume_reading();
  close_with(close_code, close_text, "closed");
}

// How many received messages wait for the handler before the reader stops
// reading (and so the peer's sending is held back by TCP).
constexpr std::size_t kInboundMessages = 16;

void WebSocket::Impl::read_loop() {
  BeastStream& t = ws.next_layer();
  t.set_reader();
  boost::beast::flat_buffer buffer;
  while (reason.empty()) {
    while (inbound.size() >= kInboundMessages && reason.empty() && !closing) {
      room.clear();
      if (inbound.size() >= kInboundMessages && reason.empty() && !closing) room.wait();
    }
    if (!reason.empty()) break;
    buffer.clear();
    error_code ec;
    try {
      ws.read(buffer, ec);
    } catch (const ReadStopped&) {  // close() was called and the queue is flushed
      close_handshake();
      break;
    }
    t.frame_done();
    if (!ec && ws.got_text() && !ends_whole(buffer)) {
      close_with(close_code::bad_payload, {}, "bad_utf8");
      break;
    }
    if (!ec) {
      inbound.push_back({boost::beast::buffers_to_string(buffer.data()), !ws.got_text()});
      arrived.set();
      continue;
    }
    if (ec == websocket::error::closed) finish("closed");
    else if (ec == websocket::error::message_too_big) finish("too_big");
    else if (ec == websocket::error::bad_frame_payload) finish("bad_utf8");
    else if (ec == boost::asio::error::no_buffer_space)
      kick("slow_consumer");  // pongs past the bound: it does not read
    else if (ec == boost::asio::error::timed_out)
      finish(t.timeout_reason() == std::string_view("ws_idle_timeout") ? "idle_timeout" : "frame_timeout");
    else if (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset ||
             ec == io_errc::closed_by_other)
      finish("peer_gone");  // after kick(), its reason stays
    else finish("protocol_error");
  }
  if (client && t.torn_down() && stream->is_open()) {
    // The client's teardown (RFC 6455 7.1.1: the server closes the TCP
    // connection first): the close frame flushed, wait for the server's end.
    (void)writer_done.wait(opts.close_timeout);
    linger(*stream, opts.close_timeout);
    stream->close();
  }
  arrived.set();
  reader_done.set();
}

namespace {

// prepare(m) sets what both sides share before the opening handshake;
// start(m) starts the writer and reader fibers after it.
void prepare(WebSocket::Impl& m) {
  BeastStream& t = m.ws.next_layer();
  m.ws.control_callback([&t, &m](websocket::frame_type kind, boost::beast::string_view) {
    t.frame_done();
    if (kind == websocket::frame_type::pong) ++m.pongs;
  });
  m.ws.read_message_max(m.opts.max_message_bytes);
  m.ws.auto_fragment(false);
}

void start(WebSocket::Impl& m) {
  m.writer = spawn([&m] { m.write_loop(); });
  m.writer.set_name("grove::web websocket writer");
  m.reader = spawn([&m] { m.read_loop(); });
  m.reader.set_name("grove::web websocket reader");
}

}  // namespace

WebSocket::WebSocket(Request& req, Stream& s, std::string leftover, WebSocketOptions options)
    : request_(&req), impl_(std::make_unique<Impl>(s, std::move(leftover), std::move(options))) {
  Impl& m = *impl_;
  prepare(m);
  m.ws.set_option(websocket::stream_base::decorator([name = m.opts.server_name](websocket::response_type& res) {
    if (!name.empty()) res.set(http::field::server, name);
  }));
  error_code ec;
  if (!bounded(m.opts.handshake_timeout, [&] { m.ws.accept(req.message(), ec); })) ec = boost::asio::error::timed_out;
  if (ec) throw IoError(ec, "web::WebSocket: the opening handshake failed");
  start(m);
}

WebSocket::WebSocket(ClientRole, Request& req, Stream& s, WebSocketOptions options)
    : request_(&req), impl_(std::make_unique<Impl>(s, std::string(), std::move(options))) {
  Impl& m = *impl_;
  m.client = true;
  prepare(m);
  error_code ec;
  if (!bounded(m.opts.handshake_timeout,
               [&] { m.ws.handshake(to_beast(req.header(http::field::host)), to_beast(req.target()), ec); }))
    ec = boost::asio::error::timed_out;
  if (ec == websocket::error::upgrade_declined)  // Beast 1.74 does not keep the answer then
    throw IoError(ec, "web::WebSocketClient: the server declined the upgrade (no 101 Switching Protocols)");
  if (ec) throw IoError(ec, "web::WebSocketClient: the opening handshake failed");
  start(m);
}

WebSocket::~WebSocket() {
  Impl& m = *impl_;
  if (m.reason.empty() && std::uncaught_exceptions() == 0) {
    try {
      close();
    } catch (...) {
    }
  }
  // The writer may still have a close frame to flush (the peer closed).
  if (m.writer && !m.writer.dead() && std::uncaught_exceptions() == 0) {
    try {
      (void)m.writer_done.wait(m.opts.close_timeout);
    } catch (...) {
    }
  }
  if (m.writer && !m.writer.dead()) m.writer.kill();
  if (m.reader && !m.reader.dead()) m.reader.kill();
  if (m.ws.next_layer().torn_down() && m.stream->is_open() && std::uncaught_exceptions() == 0) {
    try {
      linger(*m.stream, m.opts.close_timeout);  // the peer closes its side first
    } catch (...) {
    }
  }
}

std::optional<WsMessage> WebSocket::receive() {
  Impl& m = *impl_;
  m.handling = false;
  for (;;) {
    if (!m.inbound.empty()) {
      WsMessage out = std::move(m.inbound.front());
      m.inbound.pop_front();
      m.handling = true;
      m.room.set();
      return out;
    }
    if (!m.reason.empty() || m.reader_done.is_set()) return std::nullopt;
    m.progress.set();  // the handler is idle: a close may go now
    m.arrived.clear();
    if (m.inbound.empty() && m.reason.empty() && !m.reader_done.is_set()) m.arrived.wait();
  }
}

bool WebSocket::send(std::string data, bool binary) {
  Impl& m = *impl_;
  if (!m.reason.empty() || m.closing) return false;
  const std::size_t n = data.size();
  while (m.unsent() + n > m.opts.max_queued_bytes) {
    if (m.opts.overflow == OverflowPolicy::drop_oldest) {
      if (m.queue.empty()) break;  // only bytes being written are in the way: keep the newest
      m.queued -= m.queue.front().data.size();
      m.queue.pop_front();
      ++m.dropped;
    } else if (m.opts.overflow == OverflowPolicy::block && m.unsent() > 0) {
      m.space.clear();
      if (!m.space.wait(m.opts.write_timeout)) {
        m.kick("slow_consumer");
        return false;
      }
      if (!m.reason.empty() || m.closing) return false;
    } else {  // close, or larger than the whole bound
      m.kick("slow_consumer");
      return false;
    }
  }
  m.queue.push_back({std::move(data), binary});
  m.queued += n;
  m.ready.set();
  return true;
}

void WebSocket::request_close(std::uint16_t code, std::string_view reason) {
  Impl& m = *impl_;
  if (!m.reason.empty() || m.closing) return;
  m.closing = true;
  m.handling = false;
  m.progress.set();
  m.close_code = code;
  m.close_text = std::string(reason);
  m.ready.set();
  m.room.set();
  m.arrived.set();
}

void WebSocket::close(std::uint16_t code, std::string_view reason) {
  Impl& m = *impl_;
  if (!m.reason.empty() || m.reader_done.is_set()) return;
  request_close(code, reason);
  // The writer flushes the queue, then stops the reader, which runs the
  // closing handshake; wait for both, bounded.
  const Duration wt = m.opts.write_timeout, ct = m.opts.close_timeout;
  const Duration bound = wt == Duration::max() || ct == Duration::max() ? Duration::max() : wt + ct;
  if (!m.reader_done.wait(bound)) m.kick("write_timeout");
}

bool WebSocket::is_open() const noexcept { return impl_->reason.empty() && !impl_->closing; }
std::string_view WebSocket::end_reason() const noexcept { return impl_->reason; }
std::uint16_t WebSocket::close_code() const noexcept { return static_cast<std::uint16_t>(impl_->ws.reason().code); }
std::size_t WebSocket::queued_bytes() const noexcept { return impl_->unsent(); }
std::uint64_t WebSocket::dropped() const noexcept { return impl_->dropped; }
std::uint64_t WebSocket::pongs() const noexcept { return impl_->pongs; }

void WebSocket::ping() {
  Impl& m = *impl_;
  if (!m.reason.empty() || m.closing) return;
  m.ping_asked = true;
  m.ready.set();
}

Handler websocket_handler(std::function<void(WebSocket&)> fn, WebSocketOptions options) {
  if (!fn) throw UsageError("web::websocket_handler: the function is empty");
  auto shared = std::make_shared<std::function<void(WebSocket&)>>(std::move(fn));
  return [shared, options = std::move(options)](Request& req) {
    if (!websocket::is_upgrade(req.message())) {
      Response res = Response::text("expected a WebSocket upgrade\n", http::status::upgrade_required);
      res.set(http::field::upgrade, "websocket");
      res.set(http::field::connection, "Upgrade");
      return res;
    }
    return Response::take_over([shared, options](Request& r, Stream& s, std::string leftover) {
      WebSocket ws(r, s, std::move(leftover), options);
      r.on_stop([&ws] { ws.request_close(close_code::going_away, "server stopping"); });
      struct Forget {  // the hook must not outlive ws
        Request& r;
        ~Forget() { r.on_stop({}); }
      } forget{r};
      (*shared)(ws);
    });
  };
}

}  // namespace grove::web
