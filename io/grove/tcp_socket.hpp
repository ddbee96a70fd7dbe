#pragma once
// tcp_socket.hpp — TcpSocket, a green TCP connection (gevent.socket):
//
//   auto sock = grove::TcpSocket::connect("127.0.0.1", 8080, 2s);  // resolves, connects, obeys Timeout
//   sock.send_all("hello\n");
//   std::string reply = sock.read_line(1024);
//
// It is a Stream (see stream.hpp for reading and writing); this header adds
// connecting, endpoints and options. The socket lives on the hub of the
// thread that made it. Moving a socket while a fiber waits on it is not
// allowed. Sends never raise SIGPIPE.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/stream.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <grove/detail/one_user.hpp>
#include <grove/detail/scheduler.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace grove {

using TcpEndpoint = boost::asio::ip::tcp::endpoint;

// tcp_endpoint("127.0.0.1", 80) parses a numeric address (IoError otherwise).
TcpEndpoint tcp_endpoint(std::string_view address, std::uint16_t port);

class TcpSocket final : public Stream {
 public:
  using socket_type = boost::asio::ip::tcp::socket;

  // TcpSocket() is not connected yet (is_open() is false).
  TcpSocket();
  // TcpSocket(s) adopts a connected Asio socket of this thread's hub.
  explicit TcpSocket(socket_type s);
  TcpSocket(TcpSocket&&) noexcept = default;
  TcpSocket& operator=(TcpSocket&&) noexcept = default;
  ~TcpSocket() override;

  // connect(host, port, timeout) resolves host (a name or an address) and
  // tries each address in turn until one accepts, within one deadline
  // (error timed_out; a duration or a TimePoint, default: none; a negative
  // or NaN duration is a UsageError). The error_code form returns an
  // unopened socket on failure. A connection made just as an interrupt
  // came is returned; the interrupt is raised at the next suspension point.
  static TcpSocket connect(std::string_view host, std::uint16_t port, Deadline timeout = Deadline::never());
  static TcpSocket connect(std::string_view host, std::uint16_t port, error_code& ec,
                           Deadline timeout = Deadline::never());
  static TcpSocket connect(const TcpEndpoint& peer, Deadline timeout = Deadline::never());
  static TcpSocket connect(const TcpEndpoint& peer, error_code& ec, Deadline timeout = Deadline::never());

  TcpEndpoint local_endpoint() const;
  TcpEndpoint remote_endpoint() const;
  void set_no_delay(bool on);
  void set_keep_alive(bool on);

  // shutdown(how) shuts down the receiving side, the sending side or both.
  void shutdown(socket_type::shutdown_type how = socket_type::shutdown_both);
  void shutdown(socket_type::shutdown_type how, error_code& ec);
  using Stream::shutdown_send;
  void shutdown_send(error_code& ec) override { shutdown(socket_type::shutdown_send, ec); }
  void close() noexcept override;
  bool is_open() const noexcept override { return socket_.is_open(); }
  std::string describe() const override;

  // wait_readable()/wait_writable() block until the socket is ready (or
  // the deadline of set_timeout passes: error timed_out).
  void wait_readable(error_code& ec);
  void wait_writable(error_code& ec);

  // asio_socket() is the underlying Asio socket, for use with grove::yield
  // (e.g. Beast's async calls): sock.asio_socket().async_read_some(b, grove::yield.cancel_by(sock.asio_socket())).
  socket_type& asio_socket() noexcept { return socket_; }
  int native_handle() { return socket_.native_handle(); }

  // cancel_io() cancels what every fiber waits for on this socket; a
  // waiter that was not interrupted itself simply waits again.
  void cancel_io() noexcept;

 protected:
  std::size_t read_raw(void* data, std::size_t size, error_code& ec, TimePoint deadline) override;
  std::size_t write_raw(const void* data, std::size_t size, error_code& ec, TimePoint deadline) override;
  std::size_t write_raw_gather(const boost::asio::const_buffer* buffers, std::size_t count, error_code& ec,
                               TimePoint deadline) override;
  void wait_readable_raw(error_code& ec, TimePoint deadline) override;

 private:
  friend class TcpListener;
  friend class TlsStream;
  void prepare();  // non-blocking mode, SIGPIPE
  void wait_for(socket_type::wait_type what, error_code& ec, TimePoint deadline);
  void connect_to(const TcpEndpoint& peer, error_code& ec, TimePoint deadline);
  // write_buffers() is write_raw() over an Asio buffer sequence (one writev).
  template <class ConstBuffers>
  std::size_t write_buffers(const ConstBuffers& buffers, error_code& ec, TimePoint deadline);

  socket_type socket_;
  detail::Scheduler* owner_;  // the hub whose io_context runs the socket
  detail::OneUser reader_;    // the fiber reading, one at a time
  detail::OneUser writer_;    // the fiber writing (or connecting), one at a time
  // wrote_last: the last operation was a write; the next read first lets
  // the other ready fibers run, as Asio's posted completions do, so its
  // speculative read usually finds the peer's answer instead of EAGAIN.
  bool wrote_last_ = false;
};

}  // namespace grove
