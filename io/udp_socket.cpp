// udp_socket.cpp — UdpSocket: opening, binding, adopting, and names for
// peers (the datagrams themselves: datagram_socket.cpp).

#include <grove/udp_socket.hpp>

#include <grove/resolve.hpp>

#include <boost/asio/error.hpp>

#include <string>

namespace grove {

namespace asio = boost::asio;

UdpEndpoint udp_endpoint(std::string_view host, std::uint16_t port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(std::string(host), ec);
  if (!ec) return UdpEndpoint(addr, port);
  auto endpoints = resolve_udp(host, std::to_string(port), ec);
  if (!ec && endpoints.empty()) ec = asio::error::host_not_found;
  detail::throw_if(ec, ("grove::udp_endpoint " + std::string(host)).c_str());
  return endpoints.front();
}

UdpSocket::UdpSocket() { open(asio::ip::udp::v4(), "UdpSocket"); }

UdpSocket::UdpSocket(const UdpEndpoint& local) {
  error_code ec;
  bind(local, ec);
  detail::throw_if(ec, ("UdpSocket bind " + local.address().to_string() + ":" + std::to_string(local.port())).c_str());
}

UdpSocket UdpSocket::from_fd(int fd) {
  UdpSocket sock{Unopened{}};
  sock.adopt_fd(fd, "grove::UdpSocket::from_fd");
  return sock;
}

UdpEndpoint UdpSocket::resolve_peer(std::string_view host, std::uint16_t port, const char* what) {
  error_code ec;
  auto addr = asio::ip::make_address(std::string(host), ec);
  if (!ec) return UdpEndpoint(addr, port);
  auto endpoints = resolve_udp(host, std::to_string(port), ec);
  detail::throw_if(ec, (std::string(what) + " " + std::string(host)).c_str());
  // The socket's family decides which of the name's addresses can be used.
  const bool v6 = socket_.is_open() && local_endpoint().address().is_v6();
  for (const auto& ep : endpoints)
    if (ep.address().is_v6() == v6) return ep;
  throw IoError(asio::error::host_not_found,
                std::string(what) + " " + std::string(host) + " (no address of the socket's family)");
}

std::size_t UdpSocket::send_to(std::string_view data, std::string_view host, std::uint16_t port) {
  return send_to(data, resolve_peer(host, port, "UdpSocket::send_to"));
}

void UdpSocket::connect(std::string_view host, std::uint16_t port) {
  connect(resolve_peer(host, port, "UdpSocket::connect"));
}

}  // namespace grove
