// stream_socket.cpp — BasicStreamSocket for TCP and AF_UNIX: non-blocking
// writes, reads through Asio's speculative async_read_some, every wait
// through detail::run_io.

#include <grove/detail/stream_socket.hpp>

#include <grove/hub.hpp>
#include <grove/io_error.hpp>
#include <grove/detail/hub_check.hpp>
#include <grove/detail/io_target.hpp>
#include <grove/detail/run_io.hpp>

#include "src/socket_core.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

#include <span>
#include <string>

namespace grove::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
using unix_stream = asio::local::stream_protocol;

namespace {

// Names: the class for messages and the fiber dump ("what" of run_op).
template <class Protocol>
struct Names;
template <>
struct Names<tcp> {
  static constexpr const char* kind = "tcp";
  static constexpr const char* cls = "grove::TcpSocket";
  static constexpr const char* recv = "TcpSocket::recv";
  static constexpr const char* send = "TcpSocket::send";
  static constexpr const char* readable = "TcpSocket (readable)";
  static constexpr const char* writable = "TcpSocket (writable)";
  static constexpr const char* wait_readable = "TcpSocket::wait_readable";
  static constexpr const char* wait_writable = "TcpSocket::wait_writable";
  static constexpr const char* connect = "TcpSocket::connect";
  static constexpr const char* local = "TcpSocket::local_endpoint";
  static constexpr const char* remote = "TcpSocket::remote_endpoint";
  static constexpr const char* shutdown = "TcpSocket::shutdown";
};
template <>
struct Names<unix_stream> {
  static constexpr const char* kind = "unix";
  static constexpr const char* cls = "grove::UnixSocket";
  static constexpr const char* recv = "UnixSocket::recv";
  static constexpr const char* send = "UnixSocket::send";
  static constexpr const char* readable = "UnixSocket (readable)";
  static constexpr const char* writable = "UnixSocket (writable)";
  static constexpr const char* wait_readable = "UnixSocket::wait_readable";
  static constexpr const char* wait_writable = "UnixSocket::wait_writable";
  static constexpr const char* connect = "UnixSocket::connect";
  static constexpr const char* local = "UnixSocket::local_endpoint";
  static constexpr const char* remote = "UnixSocket::remote_endpoint";
  static constexpr const char* shutdown = "UnixSocket::shutdown";
};

std::string endpoint_text(const tcp::endpoint& ep) {
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}
std::string endpoint_text(const unix_stream::endpoint& ep) {
  std::string path = ep.path();
  return path.empty() ? std::string("unnamed") : path;
}

}  // namespace

template <class P>
BasicStreamSocket<P>::BasicStreamSocket() : socket_(hub().io_context()), owner_(&scheduler()) {
  ignore_sigpipe();
}

template <class P>
BasicStreamSocket<P>::BasicStreamSocket(socket_type s) : socket_(std::move(s)), owner_(&scheduler()) {
  auto& context = asio::query(socket_.get_executor(), asio::execution::context);
  if (&context != static_cast<asio::execution_context*>(&owner_->io()))
    throw UsageError(std::string(Names<P>::cls) +
                     ": the Asio socket must belong to this thread's hub (hub().io_context())");
  prepare();
}

template <class P>
BasicStreamSocket<P>::~BasicStreamSocket() {
  close();
}

template <class P>
void BasicStreamSocket<P>::adopt_fd(int fd, const char* what) {
  adopt_native<P>(socket_, fd, what);
  prepare();
}

template <class P>
void BasicStreamSocket<P>::prepare() {
  ignore_sigpipe();
  if (socket_.is_open()) {
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
  }
}

template <class P>
void BasicStreamSocket<P>::cancel_io() noexcept {
  cancel_quietly(socket_);
}

template <class P>
void BasicStreamSocket<P>::close() noexcept {
  close_quietly(socket_);
}

template <class P>
std::string BasicStreamSocket<P>::describe() const {
  boost::system::error_code ec1, ec2;
  auto local = socket_.local_endpoint(ec1);
  auto remote = socket_.remote_endpoint(ec2);
  std::string out = std::string(Names<P>::kind) + " ";
  out += ec1 ? std::string("?") : endpoint_text(local);
  out += " <-> ";
  out += ec2 ? std::string("?") : endpoint_text(remote);
  return out;
}

template <class P>
auto BasicStreamSocket<P>::local_endpoint() const -> endpoint_type {
  return local_endpoint_of(socket_, Names<P>::local);
}

template <class P>
auto BasicStreamSocket<P>::remote_endpoint() const -> endpoint_type {
  return remote_endpoint_of(socket_, Names<P>::remote);
}

template <class P>
void BasicStreamSocket<P>::shutdown(typename socket_type::shutdown_type how, error_code& ec) {
  ec = {};
  socket_.shutdown(how, ec);
}

template <class P>
void BasicStreamSocket<P>::shutdown(typename socket_type::shutdown_type how) {
  error_code ec;
  shutdown(how, ec);
  throw_if(ec, Names<P>::shutdown);
}

// ------------------------------------------------------------------ waits

template <class P>
void BasicStreamSocket<P>::wait_for(typename socket_type::wait_type what, error_code& ec, TimePoint deadline) {
  check_hub(owner_, Names<P>::wait_readable);
  auto& s = *owner_;
  const bool reading = what == socket_type::wait_read;
  auto claim = (reading ? reader_ : writer_).claim(s, reading ? Names<P>::wait_readable : Names<P>::wait_writable);
  (void)run_io(
      s, deadline, reading ? Names<P>::readable : Names<P>::writable, socket_, ec,
      [&](auto handler) { socket_.async_wait(what, std::move(handler)); }, [this] { cancel_io(); });
}

template <class P>
void BasicStreamSocket<P>::wait_readable(error_code& ec) {
  wait_for(socket_type::wait_read, ec, deadline());
}
template <class P>
void BasicStreamSocket<P>::wait_writable(error_code& ec) {
  wait_for(socket_type::wait_write, ec, deadline());
}

template <class P>
void BasicStreamSocket<P>::wait_readable_raw(error_code& ec, TimePoint deadline) {
  ec = {};
  if (socket_.is_open() && socket_.available(ec) > 0) return;
  ec = {};
  wait_for(socket_type::wait_read, ec, deadline);
}

template <class P>
std::size_t BasicStreamSocket<P>::read_raw(void* data, std::size_t size, error_code& ec, TimePoint deadline) {
  check_hub(owner_, Names<P>::recv);
  auto& s = *owner_;
  auto claim = reader_.claim(s, Names<P>::recv);
  if (wrote_last_) {
    wrote_last_ = false;
    s.yield();
  }
  // Asio tries the read at once (speculatively) and otherwise waits for
  // the socket in its reactor; either way the handler runs on the hub.
  return run_io(
      s, deadline, Names<P>::recv, socket_, ec,
      [&](auto handler) { socket_.async_read_some(asio::buffer(data, size), std::move(handler)); },
      [this] { cancel_io(); });
}

template <class P>
template <class ConstBuffers>
std::size_t BasicStreamSocket<P>::write_buffers(const ConstBuffers& buffers, error_code& ec, TimePoint deadline) {
  check_hub(owner_, Names<P>::send);
  auto& s = *owner_;
  auto claim = writer_.claim(s, Names<P>::send);
  s.raise_pending();
  if (!socket_.is_open()) {
    ec = io_errc::not_connected;
    return 0;
  }
  // The socket is non-blocking: try the write first (MSG_NOSIGNAL).
  std::size_t n = socket_.write_some(buffers, ec);
  if (!ec) {
    wrote_last_ = true;
    return n;
  }
  if (ec != asio::error::would_block && ec != asio::error::try_again) return 0;
  // The kernel buffer is full: Asio writes once the socket is writable.
  return run_io(
      s, deadline, Names<P>::send, socket_, ec,
      [&](auto handler) { socket_.async_write_some(buffers, std::move(handler)); }, [this] { cancel_io(); });
}

template <class P>
std::size_t BasicStreamSocket<P>::write_raw(const void* data, std::size_t size, error_code& ec, TimePoint deadline) {
  return write_buffers(asio::const_buffer(data, size), ec, deadline);
}

template <class P>
std::size_t BasicStreamSocket<P>::write_raw_gather(const asio::const_buffer* buffers, std::size_t count, error_code& ec,
                                                   TimePoint deadline) {
  // One sendmsg for all of them (Asio passes a span of buffers as an iovec array).
  return write_buffers(std::span<const asio::const_buffer>(buffers, count), ec, deadline);
}

// --------------------------------------------------------------- connect

template <class P>
void BasicStreamSocket<P>::connect_to(const endpoint_type& peer, error_code& ec, TimePoint deadline) {
  check_hub(owner_, Names<P>::connect);
  auto& s = *owner_;
  auto claim = writer_.claim(s, Names<P>::connect);
  s.raise_pending();
  close();
  discard_buffer();
  socket_.open(peer.protocol(), ec);
  if (ec) return;
  close_on_exec(socket_);
  // Closed again unless the connection is made (an interrupt included).
  struct CloseUnlessConnected {
    BasicStreamSocket* self;
    bool connected = false;
    ~CloseUnlessConnected() {
      if (!connected) self->close();
    }
  } guard{this};
  OpResult r;
  while (run_op(
             s, deadline, Names<P>::connect, r, [&](auto handler) { socket_.async_connect(peer, std::move(handler)); },
             [this] { cancel_io(); }, io_target(socket_)) == OpStatus::retry) {
  }
  ec = r.ec;
  if (ec) return;
  guard.connected = true;
  prepare();
}

template class BasicStreamSocket<tcp>;
template class BasicStreamSocket<unix_stream>;

}  // namespace grove::detail
