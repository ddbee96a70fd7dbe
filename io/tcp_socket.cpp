// tcp_socket.cpp — TcpSocket: connecting by name or endpoint, adopting a
// descriptor, TCP options (the stream itself: stream_socket.cpp).

#include <grove/tcp_socket.hpp>

#include <grove/resolve.hpp>

#include <boost/asio/error.hpp>

#include <string>

namespace grove {

namespace asio = boost::asio;

TcpEndpoint tcp_endpoint(std::string_view host, std::uint16_t port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(std::string(host), ec);
  if (!ec) return TcpEndpoint(addr, port);
  auto endpoints = resolve(host, std::to_string(port), ec);
  if (!ec && endpoints.empty()) ec = asio::error::host_not_found;
  detail::throw_if(ec, ("grove::tcp_endpoint " + std::string(host)).c_str());
  return endpoints.front();
}

TcpSocket TcpSocket::from_fd(int fd) {
  TcpSocket sock;
  sock.adopt_fd(fd, "grove::TcpSocket::from_fd");
  return sock;
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
    detail::throw_io_error(
        ec, ("TcpSocket::connect " + peer.address().to_string() + ":" + std::to_string(peer.port())).c_str());
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
