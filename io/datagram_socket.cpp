// datagram_socket.cpp — BasicDatagramSocket for UDP and AF_UNIX datagrams:
// non-blocking sends, speculative receives, every wait through
// detail::run_io (the same mapping as the stream sockets).

#include <grove/detail/datagram_socket.hpp>

#include <grove/hub.hpp>
#include <grove/detail/hub_check.hpp>
#include <grove/detail/run_io.hpp>

#include "src/socket_core.hpp"

#include <boost/asio/error.hpp>

namespace grove::detail {

namespace asio = boost::asio;
using asio::ip::udp;
using unix_dgram = asio::local::datagram_protocol;

namespace {

template <class Protocol>
struct Names;
template <>
struct Names<udp> {
  static constexpr const char* send_to = "UdpSocket::send_to";
  static constexpr const char* recv_from = "UdpSocket::recv_from";
  static constexpr const char* send = "UdpSocket::send";
  static constexpr const char* recv = "UdpSocket::recv";
  static constexpr const char* connect = "UdpSocket::connect";
  static constexpr const char* local = "UdpSocket::local_endpoint";
  static constexpr const char* remote = "UdpSocket::remote_endpoint";
};
template <>
struct Names<unix_dgram> {
  static constexpr const char* send_to = "UnixDatagramSocket::send_to";
  static constexpr const char* recv_from = "UnixDatagramSocket::recv_from";
  static constexpr const char* send = "UnixDatagramSocket::send";
  static constexpr const char* recv = "UnixDatagramSocket::recv";
  static constexpr const char* connect = "UnixDatagramSocket::connect";
  static constexpr const char* local = "UnixDatagramSocket::local_endpoint";
  static constexpr const char* remote = "UnixDatagramSocket::remote_endpoint";
};

bool would_block(const boost::system::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

}  // namespace

template <class P>
BasicDatagramSocket<P>::BasicDatagramSocket() : socket_(hub().io_context()), owner_(&scheduler()) {}

template <class P>
BasicDatagramSocket<P>::~BasicDatagramSocket() {
  close();
}

template <class P>
void BasicDatagramSocket<P>::open(const P& protocol, const char* what) {
  boost::system::error_code ec;
  socket_.open(protocol, ec);
  close_on_exec(socket_);
  if (!ec) socket_.non_blocking(true, ec);
  throw_if(ec, what);
}

template <class P>
void BasicDatagramSocket<P>::bind(const endpoint_type& local, error_code& ec) {
  open_bound(
      socket_, local, ec, [](error_code&) {}, [](error_code&) {});
}

template <class P>
void BasicDatagramSocket<P>::adopt_fd(int fd, const char* what) {
  adopt_native<P>(socket_, fd, what);
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  throw_if(ec, what);
}

template <class P>
void BasicDatagramSocket<P>::close() noexcept {
  close_quietly(socket_);
}

template <class P>
void BasicDatagramSocket<P>::cancel_io() noexcept {
  cancel_quietly(socket_);
}

template <class P>
TimePoint BasicDatagramSocket<P>::deadline() const {
  return timeout_.time_point("set_timeout");  // checked by set_timeout()
}

template <class P>
auto BasicDatagramSocket<P>::local_endpoint() const -> endpoint_type {
  return local_endpoint_of(socket_, Names<P>::local);
}

template <class P>
auto BasicDatagramSocket<P>::remote_endpoint() const -> endpoint_type {
  return remote_endpoint_of(socket_, Names<P>::remote);
}

// ------------------------------------------------------------------ send

template <class P>
template <class TryNow, class Start>
std::size_t BasicDatagramSocket<P>::send_with(const char* what, error_code& ec, TryNow&& try_now, Start&& start) {
  check_hub(owner_, what);
  auto& s = *owner_;
  auto claim = writer_.claim(s, what);
  const TimePoint until = deadline();
  s.raise_pending();
  if (!socket_.is_open()) {
    ec = io_errc::not_connected;
    return 0;
  }
  // The socket is non-blocking: try the send first.
  std::size_t n = try_now(ec);
  if (!ec || !would_block(ec)) return ec ? 0 : n;
  // The send buffer is full: Asio sends when the socket is writable.
  return run_io(s, until, what, socket_, ec, start, [this] { cancel_io(); });
}

template <class P>
std::size_t BasicDatagramSocket<P>::send_to(const void* data, std::size_t size, const endpoint_type& peer,
                                            error_code& ec) {
  return send_with(
      Names<P>::send_to, ec, [&](error_code& e) { return socket_.send_to(asio::buffer(data, size), peer, 0, e); },
      [&](auto handler) { socket_.async_send_to(asio::buffer(data, size), peer, std::move(handler)); });
}

template <class P>
std::size_t BasicDatagramSocket<P>::send_to(const void* data, std::size_t size, const endpoint_type& peer) {
  error_code ec;
  std::size_t n = send_to(data, size, peer, ec);
  throw_if(ec, Names<P>::send_to);
  return n;
}

template <class P>
std::size_t BasicDatagramSocket<P>::send(const void* data, std::size_t size, error_code& ec) {
  return send_with(
      Names<P>::send, ec, [&](error_code& e) { return socket_.send(asio::buffer(data, size), 0, e); },
      [&](auto handler) { socket_.async_send(asio::buffer(data, size), std::move(handler)); });
}

template <class P>
std::size_t BasicDatagramSocket<P>::send(const void* data, std::size_t size) {
  error_code ec;
  std::size_t n = send(data, size, ec);
  throw_if(ec, Names<P>::send);
  return n;
}

template <class P>
void BasicDatagramSocket<P>::connect(const endpoint_type& peer, error_code& ec) {
  check_hub(owner_, Names<P>::connect);
  ec = {};
  if (!socket_.is_open()) {
    ec = io_errc::not_connected;
    return;
  }
  // A datagram connect only records the peer: it never blocks.
  socket_.connect(peer, ec);
}

template <class P>
void BasicDatagramSocket<P>::connect(const endpoint_type& peer) {
  error_code ec;
  connect(peer, ec);
  throw_if(ec, Names<P>::connect);
}

// --------------------------------------------------------------- receive

template <class P>
std::size_t BasicDatagramSocket<P>::recv_from(void* data, std::size_t size, endpoint_type& from, error_code& ec) {
  check_hub(owner_, Names<P>::recv_from);
  auto& s = *owner_;
  auto claim = reader_.claim(s, Names<P>::recv_from);
  return run_io(
      s, deadline(), Names<P>::recv_from, socket_, ec,
      [&](auto handler) { socket_.async_receive_from(asio::buffer(data, size), from, std::move(handler)); },
      [this] { cancel_io(); });
}

template <class P>
std::size_t BasicDatagramSocket<P>::recv_from(void* data, std::size_t size, endpoint_type& from) {
  error_code ec;
  std::size_t n = recv_from(data, size, from, ec);
  throw_if(ec, Names<P>::recv_from);
  return n;
}

template <class P>
std::string BasicDatagramSocket<P>::recv_from(endpoint_type& from, std::size_t max, error_code& ec) {
  std::string out(max, '\0');
  out.resize(recv_from(out.data(), max, from, ec));
  return out;
}

template <class P>
std::string BasicDatagramSocket<P>::recv_from(endpoint_type& from, std::size_t max) {
  error_code ec;
  auto out = recv_from(from, max, ec);
  throw_if(ec, Names<P>::recv_from);
  return out;
}

template <class P>
std::size_t BasicDatagramSocket<P>::recv(void* data, std::size_t size, error_code& ec) {
  check_hub(owner_, Names<P>::recv);
  auto& s = *owner_;
  auto claim = reader_.claim(s, Names<P>::recv);
  return run_io(
      s, deadline(), Names<P>::recv, socket_, ec,
      [&](auto handler) { socket_.async_receive(asio::buffer(data, size), std::move(handler)); },
      [this] { cancel_io(); });
}

template <class P>
std::size_t BasicDatagramSocket<P>::recv(void* data, std::size_t size) {
  error_code ec;
  std::size_t n = recv(data, size, ec);
  throw_if(ec, Names<P>::recv);
  return n;
}

template <class P>
std::string BasicDatagramSocket<P>::recv(std::size_t max, error_code& ec) {
  std::string out(max, '\0');
  out.resize(recv(out.data(), max, ec));
  return out;
}

template <class P>
std::string BasicDatagramSocket<P>::recv(std::size_t max) {
  error_code ec;
  auto out = recv(max, ec);
  throw_if(ec, Names<P>::recv);
  return out;
}

template class BasicDatagramSocket<udp>;
template class BasicDatagramSocket<unix_dgram>;

}  // namespace grove::detail
