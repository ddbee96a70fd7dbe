#pragma once
// beast_stream.hpp — BeastStream, the next layer that makes any
// grove::Stream usable under beast::websocket::stream (Beast needs an
// executor and a teardown() for its synchronous calls, which a plain Stream
// lacks), with what a server needs when one reader fiber and one writer
// fiber share a WebSocket:
//
//   web::BeastStream next(stream, std::move(leftover), budget);
//   boost::beast::websocket::stream<web::BeastStream> ws(std::move(next)); // or construct in place
//
// Beast's synchronous read answers pings and closes by writing from the
// *reader*, which could split a data frame the writer is in the middle of.
// So once a writer is set (set_writer()) only that fiber writes to the
// Stream: bytes written by any other fiber are queued as control bytes and
// the writer sends them between two frames (flush_control()). Before the
// writer starts (the handshake) and after it is released (the closing
// handshake), every fiber writes directly.
//
// It also bounds what one peer can make the server hold:
// - Queued control bytes are charged to a WriteBudget: when a peer's pings
//   would queue pongs past it, the write fails with no_buffer_space.
// - Reads have deadlines (BeastStreamLimits): after ping_interval without a
//   byte from the peer the writer is asked to ping (take_ping()); after
//   idle_timeout without one, or frame_timeout after the first byte of a
//   frame not yet complete (frame_done()), the read fails with timed_out
//   and timeout_reason() says which.
// - stop_reading() makes the reader's current or next read throw
//   ReadStopped: Beast's stream is left open (no error went through it), so
//   the reader can then run the closing handshake itself.
// One BeastStream serves one connection from its hub's thread.

#include <grove/duration.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/stream.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace grove::web {

// WriteBudget is where a BeastStream charges the control bytes it queues
// for the writer, and how it wakes the writer.
class WriteBudget {
 public:
  // charge(n) counts n queued bytes; false when they would pass the bound.
  virtual bool charge(std::size_t n) noexcept = 0;
  // written(n): n charged bytes were sent.
  virtual void written(std::size_t n) noexcept = 0;
  // wake() tells the writer fiber that control bytes, a ping or a teardown wait.
  virtual void wake() noexcept = 0;
  // before_close() runs in the fiber about to queue a close frame (Beast's
  // reader answering the peer's close, or failing the connection), before
  // it is queued: the owner may let what must precede it be written first
  // (it may park the calling fiber, bounded).
  virtual void before_close() {}

 protected:
  ~WriteBudget() = default;
};

// BeastStreamLimits are the read deadlines (Duration::max(): none).
struct BeastStreamLimits {
  Duration ping_interval = Duration::max();
  Duration idle_timeout = Duration::max();
  Duration frame_timeout = Duration::max();
};

// ReadStopped is what a read throws after stop_reading().
struct ReadStopped {};

class BeastStream {
 public:
  using executor_type = boost::asio::io_context::executor_type;
  using error_code = boost::system::error_code;

  // BeastStream(s, leftover, budget, limits): leftover bytes (read past an
  // HTTP upgrade request) are read first; queued control bytes are charged
  // to budget (and budget.wake() tells the writer that they, a ping or a
  // teardown are waiting).
  BeastStream(Stream& s, std::string leftover, WriteBudget& budget, BeastStreamLimits limits = {})
      : stream_(&s), leftover_(std::move(leftover)), budget_(&budget), limits_(limits), last_input_(hub().now()) {}

  executor_type get_executor() const noexcept { return hub().io_context().get_executor(); }
  Stream& stream() noexcept { return *stream_; }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    if (!leftover_.empty()) {
      ec = {};
      const std::size_t n = boost::asio::buffer_copy(buffers, boost::asio::buffer(leftover_));
      leftover_.erase(0, n);
      got_input();
      return n;
    }
    for (;;) {
      if (stop_) throw ReadStopped{};
      const TimePoint now = hub().now();
      TimePoint until = deadline_after(last_input_, limits_.idle_timeout);
      const char* why = "ws_idle_timeout";
      if (frame_started_) {
        const TimePoint frame_end = deadline_after(*frame_started_, limits_.frame_timeout);
        if (frame_end < until) until = frame_end, why = "ws_frame_timeout";
      }
      if (now >= until) {
        timeout_reason_ = why;
        ec = boost::asio::error::timed_out;
        return 0;
      }
      TimePoint wake = until;
      if (!ping_asked_) {
        const TimePoint ping_at = deadline_after(last_input_, limits_.ping_interval);
        if (now >= ping_at) {
          ping_asked_ = ping_wanted_ = true;
          budget_->wake();
          continue;
        }
        wake = std::min(wake, ping_at);
      }
      bool woke = false;
      std::size_t n = parked_read(buffers, ec, wake - now, woke);
      if (woke) continue;
      if (n > 0) got_input();
      return n;
    }
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    error_code ec;
    std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, error_code& ec) {
    if (writer_ == 0 || this_fiber::id() == writer_) return stream_->write_some(buffers, ec);
    if (first_byte(buffers) == kCloseFrame) {
      budget_->before_close();
      if (writer_ == 0) return stream_->write_some(buffers, ec);  // released meanwhile
    }
    const std::size_t n = boost::asio::buffer_size(buffers);
    if (!budget_->charge(n)) {  // past the budget: the peer is not reading its pongs
      ec = boost::asio::error::no_buffer_space;
      return 0;
    }
    ec = {};
    const std::size_t at = control_.size();
    control_.resize(at + n);
    boost::asio::buffer_copy(boost::asio::buffer(control_.data() + at, n), buffers);
    budget_->wake();
    return n;
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    error_code ec;
    std::size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  // ---- the writer fiber.
  // set_writer() makes the calling fiber the only one that writes;
  // release_writer() lets every fiber write directly again.
  void set_writer() { writer_ = this_fiber::id(); }
  void release_writer() noexcept { writer_ = 0; }
  // flush_control(ec) sends the queued control bytes.
  void flush_control(error_code& ec) {
    if (control_.empty()) return;
    std::string bytes;
    bytes.swap(control_);
    stream_->send_all(bytes, ec);
    budget_->written(bytes.size());
  }
  // take_ping() is true once when the peer has been silent for
  // ping_interval: the writer then sends a ping.
  bool take_ping() noexcept { return std::exchange(ping_wanted_, false); }
  // torn_down() is true once Beast has closed the WebSocket (teardown()).
  bool torn_down() const noexcept { return torn_down_; }
  void mark_torn_down() {
    torn_down_ = true;
    budget_->wake();
  }

  // ---- the reader fiber.
  // set_reader() names the calling fiber as the one stop_reading() stops.
  void set_reader() { reader_ = this_fiber::self(); }
  // is_reader() is true in the fiber set_reader() named.
  bool is_reader() const { return reader_ && reader_.id() == this_fiber::id(); }
  // frame_done() (after a message, or a control frame, was read) ends the
  // frame deadline until the next byte arrives.
  void frame_done() noexcept { frame_started_.reset(); }
  // timeout_reason() is "ws_idle_timeout" or "ws_frame_timeout" after a
  // read failed with timed_out.
  const char* timeout_reason() const noexcept { return timeout_reason_; }
  // stop_reading() (any fiber) makes the reader's read throw ReadStopped,
  // at once if it is parked in one, else when it next reads.
  void stop_reading() {
    if (stop_) return;
    stop_ = true;
    if (reading_ && reader_ && !reader_.dead() && reader_.id() != this_fiber::id()) {
      interrupt_sent_ = true;
      reader_.kill(ReadStopped{}, false);
    }
  }
  // resume_reading() (reader, after ReadStopped) lets reads work again, for
  // the closing handshake.
  void resume_reading() noexcept { stop_ = false; }

 private:
  static constexpr unsigned char kCloseFrame = 0x88;  // FIN + opcode 8 (RFC 6455 5.2)
  template <class ConstBuffers>
  static unsigned char first_byte(const ConstBuffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::const_buffer b(*it);
      if (b.size() > 0) return *static_cast<const unsigned char*>(b.data());
    }
    return 0;
  }
  template <class MutableBuffers>
  std::size_t parked_read(const MutableBuffers& buffers, error_code& ec, Duration wait, bool& woke) {
    std::size_t n = 0;
    {
      Timeout deadline(wait);  // the next ping or deadline
      reading_ = true;
      try {
        n = stream_->read_some(buffers, ec);
      } catch (const Timeout& t) {
        reading_ = false;
        if (!(t == deadline)) throw;
        woke = true;
      } catch (const ReadStopped&) {
        reading_ = false;
        interrupt_sent_ = false;
        throw;
      }
      reading_ = false;
    }
    if (interrupt_sent_) {
      // The stop came as data arrived: the read returned it and the
      // interrupt is still pending. Raise it here, not at some later
      // suspension point; the next read throws.
      interrupt_sent_ = false;
      try {
        this_fiber::yield();
      } catch (const ReadStopped&) {
      }
    }
    return n;
  }
  void got_input() {
    const TimePoint now = hub().now();
    last_input_ = now;
    ping_asked_ = false;
    if (!frame_started_) frame_started_ = now;
  }

  Stream* stream_;
  std::string leftover_;
  std::string control_;
  WriteBudget* budget_;
  BeastStreamLimits limits_;
  std::uint64_t writer_ = 0;
  Fiber<> reader_;
  TimePoint last_input_;
  std::optional<TimePoint> frame_started_;
  const char* timeout_reason_ = "";
  bool torn_down_ = false;
  bool ping_asked_ = false;   // a ping was asked for since the last input
  bool ping_wanted_ = false;  // ... and the writer has not sent it yet
  bool reading_ = false;      // parked in the stream's read
  bool stop_ = false;
  bool interrupt_sent_ = false;
};

// teardown() is how Beast ends the connection after a close frame: the
// writer flushes the close frame, then the session closes the stream.
inline void teardown(boost::beast::role_type, BeastStream& t, boost::system::error_code& ec) {
  ec = {};
  t.mark_torn_down();
}

}  // namespace grove::web
