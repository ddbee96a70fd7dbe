// udp_socket.cpp — UdpSocket: non-blocking sends, speculative receives,
// every wait through detail::run_op (the same mapping as TcpSocket).

#include <grove/udp_socket.hpp>

#include <grove/hub.hpp>
#include <grove/detail/hub_check.hpp>
#include <grove/detail/io_target.hpp>
#include <grove/detail/run_op.hpp>

#include <boost/asio/error.hpp>

namespace grove {

namespace asio = boost::asio;
using detail::OpResult;
using detail::OpStatus;

UdpEndpoint udp_endpoint(std::string_view address, std::uint16_t port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(std::string(address), ec);
  detail::throw_if(ec, "grove::udp_endpoint");
  return UdpEndpoint(addr, port);
}

UdpSocket::UdpSocket() : socket_(hub().io_context()), owner_(&detail::scheduler()) {
  boost::system::error_code ec;
  socket_.open(asio::ip::udp::v4(), ec);
  detail::throw_if(ec, "UdpSocket");
  socket_.non_blocking(true, ec);
}

UdpSocket::UdpSocket(const UdpEndpoint& local) : socket_(hub().io_context()), owner_(&detail::scheduler()) {
  boost::system::error_code ec;
  socket_.open(local.protocol(), ec);
  if (!ec) socket_.bind(local, ec);
  if (!ec) socket_.non_blocking(true, ec);
  detail::throw_if(ec, ("UdpSocket bind " + local.address().to_string() + ":" + std::to_string(local.port())).c_str());
}

UdpSocket::~UdpSocket() { close(); }

void UdpSocket::close() noexcept {
  boost::system::error_code ignored;
  if (socket_.is_open()) socket_.close(ignored);
}

void UdpSocket::cancel_io() noexcept {
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

TimePoint UdpSocket::deadline() const {
  if (timeout_ == Duration::max()) return TimePoint::max();
  return deadline_after(detail::scheduler().now(), timeout_);
}

UdpEndpoint UdpSocket::local_endpoint() const {
  boost::system::error_code ec;
  auto ep = socket_.local_endpoint(ec);
  detail::throw_if(ec, "UdpSocket::local_endpoint");
  return ep;
}

std::size_t UdpSocket::send_to(const void* data, std::size_t size, const UdpEndpoint& peer, error_code& ec) {
  detail::check_hub(owner_, "UdpSocket::send_to");
  auto& s = *owner_;
  auto claim = writer_.claim(s, "UdpSocket::send_to");
  const TimePoint until = deadline();
  for (;;) {
    s.raise_pending();
    if (!socket_.is_open()) {
      ec = io_errc::not_connected;
      return 0;
    }
    // The socket is non-blocking: try the send first.
    std::size_t n = socket_.send_to(asio::buffer(data, size), peer, 0, ec);
    if (!ec) return n;
    if (ec != asio::error::would_block && ec != asio::error::try_again) return 0;
    // The send buffer is full: Asio sends when the socket is writable.
    OpResult r;
    if (detail::run_op(
            s, until, "UdpSocket::send_to", r,
            [&](auto handler) { socket_.async_send_to(asio::buffer(data, size), peer, std::move(handler)); },
            [this] { cancel_io(); }, detail::io_target(socket_)) == OpStatus::retry)
      continue;
    ec = r.ec;
    return r.bytes;
  }
}

std::size_t UdpSocket::send_to(const void* data, std::size_t size, const UdpEndpoint& peer) {
  error_code ec;
  std::size_t n = send_to(data, size, peer, ec);
  detail::throw_if(ec, "UdpSocket::send_to");
  return n;
}

std::size_t UdpSocket::recv_from(void* data, std::size_t size, UdpEndpoint& from, error_code& ec) {
  detail::check_hub(owner_, "UdpSocket::recv_from");
  auto& s = *owner_;
  auto claim = reader_.claim(s, "UdpSocket::recv_from");
  const TimePoint until = deadline();
  for (;;) {
    s.raise_pending();
    if (!socket_.is_open()) {
      ec = io_errc::not_connected;
      return 0;
    }
    OpResult r;
    if (detail::run_op(
            s, until, "UdpSocket::recv_from", r,
            [&](auto handler) { socket_.async_receive_from(asio::buffer(data, size), from, std::move(handler)); },
            [this] { cancel_io(); }, detail::io_target(socket_)) == OpStatus::retry)
      continue;
    ec = r.ec;
    return r.bytes;
  }
}

std::size_t UdpSocket::recv_from(void* data, std::size_t size, UdpEndpoint& from) {
  error_code ec;
  std::size_t n = recv_from(data, size, from, ec);
  detail::throw_if(ec, "UdpSocket::recv_from");
  return n;
}

std::string UdpSocket::recv_from(UdpEndpoint& from, std::size_t max, error_code& ec) {
  std::string out(max, '\0');
  out.resize(recv_from(out.data(), max, from, ec));
  return out;
}

std::string UdpSocket::recv_from(UdpEndpoint& from, std::size_t max) {
  error_code ec;
  auto out = recv_from(from, max, ec);
  detail::throw_if(ec, "UdpSocket::recv_from");
  return out;
}

}  // namespace grove
