#pragma once
// detail/stream_socket.hpp — BasicStreamSocket<Protocol>, the one
// implementation of a green connected stream socket, shared by TcpSocket
// (tcp_socket.hpp) and UnixSocket (unix_socket.hpp). Users name those two;
// this header only states what both do.
//
// Contract. A socket lives on the hub of the thread that made it; using it
// from another thread is a UsageError. Reads go through Asio's speculative
// async_read_some, writes are tried at once (non-blocking, MSG_NOSIGNAL:
// sends never raise SIGPIPE) and wait for writability only when the kernel
// buffer is full; every wait parks the fiber through detail::run_io (one
// error mapping: timed_out, closed_by_other, not_connected; see
// detail/run_op.hpp). One fiber may read and one may write at a time
// (ConcurrentUseError otherwise). Moving a socket while a fiber waits on it
// is not allowed. The code lives in io/stream_socket.cpp, instantiated for
// TCP and AF_UNIX stream sockets only.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/stream.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <grove/detail/one_user.hpp>
#include <grove/detail/scheduler.hpp>

#include <cstdint>
#include <string>

namespace grove {

class TlsStream;

namespace detail {

struct SendfileAccess;

template <class Protocol>
class BasicStreamSocket : public Stream {
 public:
  using protocol_type = Protocol;
  using socket_type = typename Protocol::socket;
  using endpoint_type = typename Protocol::endpoint;

  // BasicStreamSocket() is not connected yet (is_open() is false).
  BasicStreamSocket();
  // BasicStreamSocket(s) adopts a connected Asio socket of this thread's
  // hub (UsageError for another io_context).
  explicit BasicStreamSocket(socket_type s);
  BasicStreamSocket(BasicStreamSocket&&) noexcept = default;
  BasicStreamSocket& operator=(BasicStreamSocket&&) noexcept = default;
  ~BasicStreamSocket() override;

  endpoint_type local_endpoint() const;
  endpoint_type remote_endpoint() const;

  // shutdown(how) shuts down the receiving side, the sending side or both.
  void shutdown(typename socket_type::shutdown_type how = socket_type::shutdown_both);
  void shutdown(typename socket_type::shutdown_type how, error_code& ec);
  using Stream::shutdown_send;
  void shutdown_send(error_code& ec) override { shutdown(socket_type::shutdown_send, ec); }
  void close() noexcept override;
  bool is_open() const noexcept override { return socket_.is_open(); }
  // describe() is "tcp 127.0.0.1:5000 <-> 127.0.0.1:41234" or "unix /run/x.sock <-> unnamed".
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

  // adopt_fd(fd, what) takes ownership of a connected native socket of
  // this protocol (detail/native_fd.hpp checks it; UsageError otherwise).
  void adopt_fd(int fd, const char* what);
  // connect_to(peer) opens and connects within deadline; closed again unless connected.
  void connect_to(const endpoint_type& peer, error_code& ec, TimePoint deadline);
  void prepare();  // non-blocking mode, SIGPIPE
  void wait_for(typename socket_type::wait_type what, error_code& ec, TimePoint deadline);
  // write_buffers() is write_raw() over an Asio buffer sequence (one writev).
  template <class ConstBuffers>
  std::size_t write_buffers(const ConstBuffers& buffers, error_code& ec, TimePoint deadline);

  friend class grove::TlsStream;
  friend struct SendfileAccess;

  socket_type socket_;
  Scheduler* owner_;  // the hub whose io_context runs the socket
  OneUser reader_;    // the fiber reading, one at a time
  OneUser writer_;    // the fiber writing (or connecting), one at a time
  // wrote_last: the last operation was a write; the next read first lets
  // the other ready fibers run, as Asio's posted completions do, so its
  // speculative read usually finds the peer's answer instead of EAGAIN.
  bool wrote_last_ = false;
};

extern template class BasicStreamSocket<boost::asio::ip::tcp>;
extern template class BasicStreamSocket<boost::asio::local::stream_protocol>;

}  // namespace detail
}  // namespace grove
