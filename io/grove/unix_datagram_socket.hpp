#pragma once
// unix_datagram_socket.hpp — UnixDatagramSocket, a green AF_UNIX datagram
// socket, and datagram_socketpair():
//
//   grove::UnixDatagramSocket server("/tmp/app.dgram");   // bound to a path
//   grove::UnixDatagramSocket client;                     // unbound: can send only
//   client.send_to("ping", grove::unix_datagram_endpoint("/tmp/app.dgram"));
//   grove::UnixDatagramEndpoint from;
//   std::string got = server.recv_from(from);
//
//   auto [a, b] = grove::datagram_socketpair();           // connected: send()/recv()
//
// Sending, receiving, connected mode, timeouts and errors are those of
// detail/datagram_socket.hpp (shared with UdpSocket). A receiver that
// should be answered must be bound (an unbound sender's address is
// unnamed). The socket file stays after close(): remove it when done.

#include <grove/detail/datagram_socket.hpp>

#include <boost/asio/local/datagram_protocol.hpp>

#include <string_view>
#include <utility>

namespace grove {

using UnixDatagramEndpoint = boost::asio::local::datagram_protocol::endpoint;

// unix_datagram_endpoint(path) is the endpoint of a socket path (UsageError when too long).
UnixDatagramEndpoint unix_datagram_endpoint(std::string_view path);

class UnixDatagramSocket final : public detail::BasicDatagramSocket<boost::asio::local::datagram_protocol> {
 public:
  // UnixDatagramSocket() opens an unbound socket.
  UnixDatagramSocket();
  // UnixDatagramSocket(path) opens and binds to path (IoError if it exists).
  explicit UnixDatagramSocket(std::string_view path);
  UnixDatagramSocket(UnixDatagramSocket&&) noexcept = default;
  UnixDatagramSocket& operator=(UnixDatagramSocket&&) noexcept = default;
  ~UnixDatagramSocket() = default;

  // from_fd(fd) adopts an AF_UNIX datagram socket and owns it; a wrong
  // descriptor is a UsageError that says which.
  static UnixDatagramSocket from_fd(int fd);

 private:
  friend std::pair<UnixDatagramSocket, UnixDatagramSocket> datagram_socketpair();
  struct Unopened {};
  explicit UnixDatagramSocket(Unopened) {}
};

// datagram_socketpair() is two connected AF_UNIX datagram sockets.
std::pair<UnixDatagramSocket, UnixDatagramSocket> datagram_socketpair();

}  // namespace grove
