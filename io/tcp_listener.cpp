// tcp_listener.cpp — TcpListener: binding by endpoint or name, adopting a
// descriptor (accepting: listener.cpp).

#include <grove/tcp_listener.hpp>

#include <string>

namespace grove {

TcpListener::TcpListener(const TcpEndpoint& endpoint, ListenOptions options, error_code& ec) {
  listen_on(endpoint, options, ec);
}

TcpListener::TcpListener(const TcpEndpoint& endpoint, ListenOptions options) {
  error_code ec;
  listen_on(endpoint, options, ec);
  if (ec)
    detail::throw_io_error(
        ec, ("TcpListener " + endpoint.address().to_string() + ":" + std::to_string(endpoint.port())).c_str());
}

TcpListener::TcpListener(std::string_view host, std::uint16_t port, ListenOptions options)
    : TcpListener(tcp_endpoint(host, port), options) {}

TcpListener TcpListener::from_fd(int fd, ListenOptions options) {
  TcpListener listener;
  listener.adopt_fd(fd, options.backlog, "grove::TcpListener::from_fd");
  return listener;
}

}  // namespace grove
