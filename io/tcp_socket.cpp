// tcp_socket.cpp — TcpSocket: non-blocking writes, reads through Asio's
// speculative async_read_some, every wait through detail::run_op.

#include <grove/tcp_socket.hpp>

#include <grove/hub.hpp>
#include <grove/resolve.hpp>
#include <grove/detail/hub_check.hpp>
#include <grove/detail/io_target.hpp>
#include <grove/detail/run_op.hpp>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

#include <boost/asio/error.hpp>

#include <span>
#include <string>

namespace grove {

namespace asio = boost::asio;
using detail::OpResult;
using detail::OpStatus;

TcpEndpoint tcp_endpoint(std::string_view address, std::uint16_t port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(std::string(address), ec);
  detail::throw_if(ec, "grove::tcp_endpoint");
  return TcpEndpoint(addr, port);
}

TcpSocket::TcpSocket() : socket_(hub().io_context()), owner_(&detail::scheduler()) { detail::ignore_sigpipe(); }

TcpSocket::TcpSocket(socket_type s) : socket_(std::move(s)), owner_(&detail::scheduler()) {
  auto& context = asio::query(socket_.get_executor(), asio::execution::context);
  if (&context != static_cast<asio::execution_context*>(&owner_->io()))
    throw UsageError("grove::TcpSocket: the Asio socket must belong to this thread's hub (hub().io_context())");
  prepare();
}

TcpSocket::~TcpSocket() { close(); }

void TcpSocket::prepare() {
  detail::ignore_sigpipe();
  if (socket_.is_open()) {
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
  }
}

void TcpSocket::cancel_io() noexcept {
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

void TcpSocket::close() noexcept {
  boost::system::error_code ignored;
  if (socket_.is_open()) socket_.close(ignored);
}

std::string TcpSocket::describe() const {
  boost::system::error_code ec1, ec2;
  auto local = socket_.local_endpoint(ec1);
  auto remote = socket_.remote_endpoint(ec2);
  std::string out = "tcp ";
  out += ec1 ? std::string("?") : local.address().to_string() + ":" + std::to_string(local.port());
  out += " <-> ";
  out += ec2 ? std::string("?") : remote.address().to_string() + ":" + std::to_string(remote.port());
  return out;
}

TcpEndpoint TcpSocket::local_endpoint() const {
  boost::system::error_code ec;
  auto ep = socket_.local_endpoint(ec);
  detail::throw_if(ec, "TcpSocket::local_endpoint");
  return ep;
}

TcpEndpoint TcpSocket::remote_endpoint() const {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  detail::throw_if(ec, "TcpSocket::remote_endpoint");
  return ep;
}

void TcpSocket::set_no_delay(bool on) {
  boost::system::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(on), ec);
  detail::throw_if(ec, "TcpSocket::set_no_delay");
}

void TcpSocket::set_keep_alive(bool on) {
  boost::system::error_code ec;
  socket_.set_option(asio::socket_base::keep_alive(on), ec);
  detail::throw_if(ec, "TcpSocket::set_keep_alive");
}

void TcpSocket::shutdown(socket_type::shutdown_type how, error_code& ec) {
  ec = {};
  socket_.shutdown(how, ec);
}

void TcpSocket::shutdown(socket_type::shutdown_type how) {
  error_code ec;
  shutdown(how, ec);
  detail::throw_if(ec, "TcpSocket::shutdown");
}

// ------------------------------------------------------------------ waits

void TcpSocket::wait_for(socket_type::wait_type what, error_code& ec, TimePoint deadline) {
  detail::check_hub(owner_, "TcpSocket wait");
  auto& s = *owner_;
  const bool reading = what == socket_type::wait_read;
  auto claim = (reading ? reader_ : writer_).claim(s, reading ? "TcpSocket::wait_readable" : "TcpSocket::wait_writable");
  for (;;) {
    s.raise_pending();
    if (!socket_.is_open()) {
      ec = io_errc::not_connected;
      return;
    }
    OpResult r;
    if (detail::run_op(
            s, deadline, reading ? "TcpSocket (readable)" : "TcpSocket (writable)", r,
            [&](auto handler) { socket_.async_wait(what, std::move(handler)); }, [this] { cancel_io(); },
            detail::io_target(socket_)) == OpStatus::retry)
      continue;
    ec = r.ec;
    return;
  }
}

void TcpSocket::wait_readable(error_code& ec) { wait_for(socket_type::wait_read, ec, deadline()); }
void TcpSocket::wait_writable(error_code& ec) { wait_for(socket_type::wait_write, ec, deadline()); }

void TcpSocket::wait_readable_raw(error_code& ec, TimePoint deadline) {
  ec = {};
  if (socket_.is_open() && socket_.available(ec) > 0) return;
  ec = {};
  wait_for(socket_type::wait_read, ec, deadline);
}

std::size_t TcpSocket::read_raw(void* data, std::size_t size, error_code& ec, TimePoint deadline) {
  detail::check_hub(owner_, "TcpSocket::recv");
  auto& s = *owner_;
  auto claim = reader_.claim(s, "TcpSocket::recv");
  if (wrote_last_) {
    wrote_last_ = false;
    s.yield();
  }
  for (;;) {
    s.raise_pending();
    if (!socket_.is_open()) {
      ec = io_errc::not_connected;
      return 0;
    }
    OpResult r;
    // Asio tries the read at once (speculatively) and otherwise waits for
    // the socket in its reactor; either way the handler runs on the hub.
    if (detail::run_op(
            s, deadline, "TcpSocket::recv", r,
            [&](auto handler) { socket_.async_read_some(asio::buffer(data, size), std::move(handler)); },
            [this] { cancel_io(); }, detail::io_target(socket_)) == OpStatus::retry)
      continue;
    ec = r.ec;
    return r.bytes;
  }
}

template <class ConstBuffers>
std::size_t TcpSocket::write_buffers(const ConstBuffers& buffers, error_code& ec, TimePoint deadline) {
  detail::check_hub(owner_, "TcpSocket::send");
  auto& s = *owner_;
  auto claim = writer_.claim(s, "TcpSocket::send");
  for (;;) {
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
    OpResult r;
    if (detail::run_op(
            s, deadline, "TcpSocket::send", r,
            [&](auto handler) { socket_.async_write_some(buffers, std::move(handler)); }, [this] { cancel_io(); },
            detail::io_target(socket_)) == OpStatus::retry)
      continue;
    ec = r.ec;
    return r.bytes;
  }
}

std::size_t TcpSocket::write_raw(const void* data, std::size_t size, error_code& ec, TimePoint deadline) {
  return write_buffers(asio::const_buffer(data, size), ec, deadline);
}

std::size_t TcpSocket::write_raw_gather(const asio::const_buffer* buffers, std::size_t count, error_code& ec,
                                        TimePoint deadline) {
  // One sendmsg for all of them (Asio passes a span of buffers as an iovec array).
  return write_buffers(std::span<const asio::const_buffer>(buffers, count), ec, deadline);
}

// --------------------------------------------------------------- connect

void TcpSocket::connect_to(const TcpEndpoint& peer, error_code& ec, TimePoint deadline) {
  detail::check_hub(owner_, "TcpSocket::connect");
  auto& s = *owner_;
  auto claim = writer_.claim(s, "TcpSocket::connect");
  s.raise_pending();
  close();
  discard_buffer();
  socket_.open(peer.protocol(), ec);
  if (ec) return;
  // Closed again unless the connection is made (an interrupt included).
  struct CloseUnlessConnected {
    TcpSocket* self;
    bool connected = false;
    ~CloseUnlessConnected() {
      if (!connected) self->close();
    }
  } guard{this};
  OpResult r;
  while (detail::run_op(
             s, deadline, "TcpSocket::connect", r,
             [&](auto handler) { socket_.async_connect(peer, std::move(handler)); }, [this] { cancel_io(); },
             detail::io_target(socket_)) == OpStatus::retry) {
  }
  ec = r.ec;
  if (ec) return;
  guard.connected = true;
  prepare();
}

TcpSocket TcpSocket::connect(const TcpEndpoint& peer, error_code& ec, Deadline timeout) {
  TcpSocket sock;
  auto& s = detail::scheduler();
  sock.connect_to(peer, ec, timeout.resolve(s.now(), "TcpSocket::connect"));
  return sock;
}

TcpSocket TcpSocket::connect(const TcpEndpoint& peer, Deadline timeout) {
  error_code ec;
  auto sock = connect(peer, ec, timeout);
  if (ec)
    detail::throw_io_error(ec, ("TcpSocket::connect " + peer.address().to_string() + ":" +
                                std::to_string(peer.port())).c_str());
  return sock;
}

TcpSocket TcpSocket::connect(std::string_view host, std::uint16_t port, error_code& ec, Deadline timeout) {
  auto& s = detail::scheduler();
  const TimePoint until = timeout.resolve(s.now(), "TcpSocket::connect");
  TcpSocket sock;
  auto endpoints = resolve(host, std::to_string(port), ec);
  if (ec) return sock;
  if (endpoints.empty()) {
    ec = asio::error::host_not_found;
    return sock;
  }
  for (const auto& peer : endpoints) {
    sock.connect_to(peer, ec, until);
    if (!ec || ec == asio::error::timed_out) break;
  }
  return sock;
}

TcpSocket TcpSocket::connect(std::string_view host, std::uint16_t port, Deadline timeout) {
  error_code ec;
  auto sock = connect(host, port, ec, timeout);
  if (ec) detail::throw_io_error(ec, ("TcpSocket::connect " + std::string(host) + ":" + std::to_string(port)).c_str());
  return sock;
}

}  // namespace grove
