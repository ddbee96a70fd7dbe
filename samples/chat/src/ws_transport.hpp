#pragma once
// ws_transport.hpp — WsTransport, the next layer under
// beast::websocket::stream on a grove::Stream. One reader fiber and one
// writer fiber use the WebSocket at once; Beast's synchronous read answers
// pings and closes by writing from the *reader*, which could split a data
// frame the writer is in the middle of. So only the writer fiber writes to
// the Stream: bytes written by any other fiber are queued as control bytes
// and the writer sends them between two frames (flush_control()).
// Before the writer starts (the handshake), every fiber writes directly.

#include <grove/hub.hpp>
#include <grove/stream.hpp>
#include <grove/this_fiber.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace grove::chat::detail {

class WsTransport {
 public:
  using executor_type = boost::asio::io_context::executor_type;
  using error_code = boost::system::error_code;

  // WsTransport(s, leftover, wake): leftover bytes are read first; wake()
  // tells the writer that control bytes or a teardown are waiting.
  WsTransport(Stream& s, std::string leftover, std::function<void()> wake)
      : stream_(&s), leftover_(std::move(leftover)), wake_(std::move(wake)) {}

  executor_type get_executor() const noexcept { return hub().io_context().get_executor(); }
  Stream& stream() noexcept { return *stream_; }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    if (!leftover_.empty()) {
      ec = {};
      const std::size_t n = boost::asio::buffer_copy(buffers, boost::asio::buffer(leftover_));
      leftover_.erase(0, n);
      return n;
    }
    return stream_->read_some(buffers, ec);
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
    ec = {};
    const std::size_t n = boost::asio::buffer_size(buffers);
    const std::size_t at = control_.size();
    control_.resize(at + n);
    boost::asio::buffer_copy(boost::asio::buffer(control_.data() + at, n), buffers);
    wake_();
    return n;
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    error_code ec;
    std::size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  // set_writer() makes the calling fiber the only one that writes.
  void set_writer() { writer_ = this_fiber::id(); }
  // flush_control(ec) (writer fiber) sends the queued control bytes.
  void flush_control(error_code& ec) {
    if (control_.empty()) return;
    std::string bytes;
    bytes.swap(control_);
    stream_->send_all(bytes, ec);
  }
  // torn_down() is true once Beast has closed the WebSocket (teardown()).
  bool torn_down() const noexcept { return torn_down_; }
  void mark_torn_down() {
    torn_down_ = true;
    wake_();
  }

 private:
  Stream* stream_;
  std::string leftover_;
  std::string control_;
  std::function<void()> wake_;
  std::uint64_t writer_ = 0;
  bool torn_down_ = false;
};

// teardown() is how Beast ends the connection after a close frame: the
// writer flushes the close frame, then the session closes the stream.
inline void teardown(boost::beast::role_type, WsTransport& t, boost::system::error_code& ec) {
  ec = {};
  t.mark_torn_down();
}

}  // namespace grove::chat::detail
