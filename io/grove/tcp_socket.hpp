#pragma once
// tcp_socket.hpp — TcpSocket, a green TCP connection (gevent.socket):
//
//   auto sock = grove::TcpSocket::connect("127.0.0.1", 8080, 2s);  // resolves, connects, obeys Timeout
//   sock.send_all("hello\n");
//   std::string reply = sock.read_line(1024);
//
//   auto adopted = grove::TcpSocket::from_fd(fd);   // gevent's socket(fileno=fd): takes ownership
//
// It is a Stream (see stream.hpp for reading and writing) and shares its
// implementation with UnixSocket (detail/stream_socket.hpp: waits, one
// reader and one writer, SIGPIPE); this header adds connecting by name or
// endpoint and the TCP options. Zero-copy file sending: sendfile.hpp.

#include <grove/deadline.hpp>
#include <grove/detail/stream_socket.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string_view>

namespace grove {

using TcpEndpoint = boost::asio::ip::tcp::endpoint;

// tcp_endpoint("127.0.0.1", 80) is the endpoint of a numeric address, at
// once and without blocking. A host name ("localhost") is resolved
// (resolve.hpp; the fiber parks meanwhile) and its first address is used.
// IoError when the name does not resolve.
TcpEndpoint tcp_endpoint(std::string_view host, std::uint16_t port);

class TcpSocket final : public detail::BasicStreamSocket<boost::asio::ip::tcp> {
 public:
  // TcpSocket() is not connected yet; TcpSocket(s) adopts a connected Asio
  // socket of this thread's hub.
  using BasicStreamSocket::BasicStreamSocket;
  TcpSocket() = default;
  TcpSocket(TcpSocket&&) noexcept = default;
  TcpSocket& operator=(TcpSocket&&) noexcept = default;
  ~TcpSocket() override = default;

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

  // from_fd(fd) adopts a connected TCP socket (IPv4 or IPv6) and owns it
  // from now on: it is made non-blocking and closed with the TcpSocket.
  // A descriptor that is not open, not a socket, or not a TCP stream
  // socket is a UsageError that says which.
  static TcpSocket from_fd(int fd);

  void set_no_delay(bool on);
  void set_keep_alive(bool on);
};

}  // namespace grove
