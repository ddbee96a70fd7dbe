#pragma once
// tcp_listener.hpp — TcpListener, a green listening TCP socket:
//
//   grove::TcpListener listener(grove::tcp_endpoint("127.0.0.1", 0));
//   auto port = listener.local_endpoint().port();
//   grove::TcpSocket client = listener.accept();   // parks the fiber, obeys Timeout
//
//   grove::TcpListener by_name("localhost", 8080);  // a host name or an address
//   auto inherited = grove::TcpListener::from_fd(3); // a socket bound by a parent (systemd, a supervisor)
//
// Accepting: detail/listener.hpp (shared with UnixListener).

#include <grove/tcp_socket.hpp>
#include <grove/detail/listener.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string_view>

namespace grove {

class TcpListener final : public detail::BasicListener<boost::asio::ip::tcp, TcpSocket> {
 public:
  // TcpListener(endpoint) binds and listens (port 0: any free port); it
  // throws IoError when it cannot.
  explicit TcpListener(const TcpEndpoint& endpoint, ListenOptions options = {});
  TcpListener(const TcpEndpoint& endpoint, ListenOptions options, error_code& ec);
  // TcpListener(host, port) resolves host (a name or an address) and
  // listens on its first address.
  TcpListener(std::string_view host, std::uint16_t port, ListenOptions options = {});
  TcpListener(TcpListener&&) noexcept = default;
  TcpListener& operator=(TcpListener&&) noexcept = default;
  ~TcpListener() = default;

  // from_fd(fd) adopts a bound TCP socket and owns it from now on; one
  // that is not listening yet is made to listen (options.backlog). A
  // descriptor that is not open, not a socket or not a TCP stream socket
  // is a UsageError that says which (an unbound one listens on a free
  // port, as listen(2) does).
  static TcpListener from_fd(int fd, ListenOptions options = {});

 private:
  TcpListener() = default;
};

}  // namespace grove

extern template class grove::detail::BasicListener<boost::asio::ip::tcp, grove::TcpSocket>;
