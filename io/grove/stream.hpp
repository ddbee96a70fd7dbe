#pragma once
// stream.hpp — Stream, the byte-stream interface every green connection
// implements (TcpSocket, TlsStream, and the test kit's in-memory network),
// so a server is written once against it:
//
//   void handle(grove::Stream& s) {
//     for (std::string line; !(line = s.read_line(1024)).empty();) s.send_all(line);
//   }
//
// Each blocking call parks only the calling fiber, obeys an enclosing
// grove::Timeout and kill(), and has two forms: one that throws IoError and
// one that reports through a boost::system::error_code&. set_timeout(d)
// gives every later call a deadline of its own (error: timed_out). A Stream
// buffers what it has read but not handed out (read_line reads ahead), so
// mixing read_line, recv and read_exactly loses nothing. Data that arrived
// just as a Timeout fired is returned, and the interrupt is raised at the
// fiber's next suspension point instead. A Stream also models Asio's
// SyncReadStream and SyncWriteStream (read_some/write_some), so Beast's
// synchronous calls run on it in green style.
// Not thread-safe; one reading and one writing fiber may use it at once.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/io_error.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace grove {

class Stream {
 public:
  using error_code = boost::system::error_code;
  // default_line_length is read_line()'s default maximum (64 KiB).
  static constexpr std::size_t default_line_length = 64 * 1024;

  virtual ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // ---- reading. At the end of the stream these return 0 / "" (no error).
  // recv_some(data, size) reads at least one byte (unless at the end) and at most size.
  std::size_t recv_some(void* data, std::size_t size);
  std::size_t recv_some(void* data, std::size_t size, error_code& ec);
  // recv(max) is recv_some into a new string (gevent's recv).
  std::string recv(std::size_t max = 65536);
  std::string recv(std::size_t max, error_code& ec);
  // recv_view(max) is recv() without a copy: a view of up to max bytes of
  // the stream's own buffer, valid until the next call on this stream.
  std::string_view recv_view(std::size_t max = 65536);
  std::string_view recv_view(std::size_t max, error_code& ec);
  // read_line(max_length) returns the next line including its '\n' (the
  // last line of the stream may lack it). A line longer than max_length is
  // an error (io_errc::line_too_long) and its bytes stay buffered, so at
  // most max_length bytes are ever held for it.
  std::string read_line(std::size_t max_length = default_line_length);
  std::string read_line(std::size_t max_length, error_code& ec);
  // read_exactly(n) reads exactly n bytes; an early end is error eof (the
  // error_code form returns what was read).
  std::string read_exactly(std::size_t n);
  std::string read_exactly(std::size_t n, error_code& ec);
  std::size_t read_exactly(void* data, std::size_t size);
  std::size_t read_exactly(void* data, std::size_t size, error_code& ec);
  // buffered() is how many bytes were read from the peer but not handed out.
  std::size_t buffered() const noexcept { return end_ - begin_; }

  // ---- writing.
  // send_all(data) writes every byte or fails (gevent's sendall).
  void send_all(const void* data, std::size_t size);
  void send_all(const void* data, std::size_t size, error_code& ec);
  void send_all(std::string_view data) { send_all(data.data(), data.size()); }
  void send_all(std::string_view data, error_code& ec) { send_all(data.data(), data.size(), ec); }
  // send_some(data, size) writes at least one byte and returns how many.
  std::size_t send_some(const void* data, std::size_t size);
  std::size_t send_some(const void* data, std::size_t size, error_code& ec);
  // send_some_gather(buffers, count) writes at least one byte from the
  // buffers, in order, and returns how many (0 when all are empty).
  std::size_t send_some_gather(const boost::asio::const_buffer* buffers, std::size_t count, error_code& ec);

  // ---- Asio SyncReadStream / SyncWriteStream (end of stream: error eof).
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    auto b = first_buffer<boost::asio::mutable_buffer>(buffers);
    if (b.size() == 0) {
      ec = {};
      return 0;
    }
    std::size_t n = recv_some(b.data(), b.size(), ec);
    if (n == 0 && !ec) ec = boost::asio::error::eof;
    return n;
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    error_code ec;
    std::size_t n = read_some(buffers, ec);
    detail::throw_if(ec, "Stream::read_some");
    return n;
  }
  // write_some() hands up to max_gather non-empty buffers to the stream at
  // once (one sendmsg on a TcpSocket), so a Beast response split into many
  // pieces costs one system call, not one per piece.
  static constexpr std::size_t max_gather = 16;
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, error_code& ec) {
    boost::asio::const_buffer gathered[max_gather];
    std::size_t count = 0;
    auto it = boost::asio::buffer_sequence_begin(buffers);
    auto end = boost::asio::buffer_sequence_end(buffers);
    for (; it != end && count < max_gather; ++it) {
      boost::asio::const_buffer b(*it);
      if (b.size() != 0) gathered[count++] = b;
    }
    return send_some_gather(gathered, count, ec);
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    error_code ec;
    std::size_t n = write_some(buffers, ec);
    detail::throw_if(ec, "Stream::write_some");
    return n;
  }

  // ---- lifecycle.
  // shutdown_send() tells the peer nothing more will be written.
  void shutdown_send();
  virtual void shutdown_send(error_code& ec) = 0;
  // close() ends the stream; fibers blocked on it fail with
  // io_errc::closed_by_other. Closing twice is harmless.
  virtual void close() noexcept = 0;
  virtual bool is_open() const noexcept = 0;
  // describe() names the stream for logs ("tcp 127.0.0.1:5000 <- 127.0.0.1:41234").
  virtual std::string describe() const = 0;

  // set_timeout(d) gives every later blocking call a deadline (gevent's
  // settimeout): a duration counts from each call's start, a TimePoint is
  // one absolute deadline for all of them (Go's SetDeadline);
  // Deadline::never() (the default) removes it. Expiry is error timed_out.
  // A negative or NaN duration is a UsageError naming Stream::set_timeout.
  void set_timeout(Deadline d) {
    d.check("Stream::set_timeout");
    timeout_ = d;
  }
  const Deadline& timeout() const noexcept { return timeout_; }

 protected:
  Stream() = default;
  Stream(Stream&& other) noexcept;
  Stream& operator=(Stream&& other) noexcept;

  // read_raw() reads at least one byte into data (0 and ec = eof at the
  // end); write_raw() writes at least one byte. Both park on the hub, obey
  // interrupts and the deadline (ec = timed_out), and never throw I/O
  // errors. When bytes moved, they return them even if an interrupt came
  // meanwhile; it is then raised at the next suspension point.
  virtual std::size_t read_raw(void* data, std::size_t size, error_code& ec, TimePoint deadline) = 0;
  virtual std::size_t write_raw(const void* data, std::size_t size, error_code& ec, TimePoint deadline) = 0;
  // write_raw_gather() is write_raw() over count (>= 1) non-empty buffers.
  // The default writes from the first buffer only; streams that can gather
  // (TcpSocket: sendmsg) override it.
  virtual std::size_t write_raw_gather(const boost::asio::const_buffer* buffers, std::size_t count, error_code& ec,
                                       TimePoint deadline);
  // wait_readable_raw() waits until a read would not block, before the
  // stream's buffer is first allocated (idle connections then cost no
  // buffer memory). The default returns at once.
  virtual void wait_readable_raw(error_code& ec, TimePoint deadline);

  // deadline() is the deadline of a call starting now.
  TimePoint deadline() const;
  // discard_buffer() drops buffered bytes and the end-of-stream mark (a new connection).
  void discard_buffer() noexcept {
    begin_ = end_ = 0;
    read_end_ = {};
  }

 private:
  template <class Buffer, class Sequence>
  static Buffer first_buffer(const Sequence& buffers) {
    auto it = boost::asio::buffer_sequence_begin(buffers);
    auto end = boost::asio::buffer_sequence_end(buffers);
    for (; it != end; ++it) {
      Buffer b(*it);
      if (b.size() != 0) return b;
    }
    return Buffer();
  }
  // fill() reads more into the buffer (growing it to hold at least `want`
  // bytes); false at the end of the stream or on error.
  bool fill(std::size_t want, error_code& ec, TimePoint deadline);
  std::size_t take(void* out, std::size_t size) noexcept;
  // read_more() is read_raw() that remembers the end of the stream: once
  // the peer has finished (eof, reset), later reads report it at once
  // instead of waiting for readiness that will never come again.
  std::size_t read_more(void* data, std::size_t size, error_code& ec, TimePoint deadline);

  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  error_code read_end_;
  Deadline timeout_;
};

}  // namespace grove
