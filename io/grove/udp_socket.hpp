#pragma once
// udp_socket.hpp — UdpSocket, a green UDP socket:
//
//   grove::UdpSocket sock(grove::udp_endpoint("127.0.0.1", 0));
//   sock.send_to("ping", peer);
//   grove::UdpEndpoint from;
//   std::string reply = sock.recv_from(from);     // parks the fiber, obeys Timeout
//
//   grove::UdpSocket client;                      // connected UDP
//   client.connect("localhost", 9000);            // a name or an address
//   client.send("ping");
//   std::string answer = client.recv();           // ECONNREFUSED: IoError here
//
// Sending, receiving, connected mode, timeouts and errors are those of
// detail/datagram_socket.hpp (shared with UnixDatagramSocket).

#include <grove/detail/datagram_socket.hpp>

#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <string_view>

namespace grove {

using UdpEndpoint = boost::asio::ip::udp::endpoint;

// udp_endpoint("127.0.0.1", 53) is the endpoint of a numeric address, at
// once and without blocking. A host name ("localhost") is resolved
// (resolve.hpp; the fiber parks meanwhile) and its first address is used.
// IoError when the name does not resolve.
UdpEndpoint udp_endpoint(std::string_view host, std::uint16_t port);

class UdpSocket final : public detail::BasicDatagramSocket<boost::asio::ip::udp> {
 public:
  // UdpSocket() opens an IPv4 socket, not bound yet (send_to binds it).
  UdpSocket();
  // UdpSocket(local) opens and binds to local (port 0: any free port).
  explicit UdpSocket(const UdpEndpoint& local);
  UdpSocket(UdpSocket&&) noexcept = default;
  UdpSocket& operator=(UdpSocket&&) noexcept = default;
  ~UdpSocket() = default;

  // from_fd(fd) adopts a UDP socket (IPv4 or IPv6, bound or not) and owns
  // it from now on. A descriptor that is not open, not a socket or not a
  // UDP socket is a UsageError that says which.
  static UdpSocket from_fd(int fd);

  using BasicDatagramSocket::connect;
  using BasicDatagramSocket::send_to;
  // send_to(data, host, port) resolves host (a name or an address) and
  // sends to its first address of this socket's family.
  std::size_t send_to(std::string_view data, std::string_view host, std::uint16_t port);
  // connect(host, port) resolves host and connects to its first address
  // of this socket's family (IoError when there is none).
  void connect(std::string_view host, std::uint16_t port);

 private:
  struct Unopened {};
  explicit UdpSocket(Unopened) {}
  UdpEndpoint resolve_peer(std::string_view host, std::uint16_t port, const char* what);
};

}  // namespace grove
