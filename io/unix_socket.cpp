// unix_socket.cpp — UnixSocket, UnixListener, UnixDatagramSocket and the
// socket pairs: paths, connecting, adopting (the I/O itself is shared with
// TCP and UDP: stream_socket.cpp, listener.cpp, datagram_socket.cpp).

#include <grove/unix_datagram_socket.hpp>
#include <grove/unix_listener.hpp>
#include <grove/unix_socket.hpp>

#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/io_error.hpp>

#include "src/socket_core.hpp"

#include <boost/asio/local/connect_pair.hpp>

#include <string>

namespace grove {

namespace asio = boost::asio;

namespace {

// The longest path sockaddr_un holds (sun_path is 108 bytes with the NUL).
constexpr std::size_t max_path = 107;

template <class Endpoint>
Endpoint checked_endpoint(std::string_view path, const char* what) {
  if (path.empty()) throw UsageError(std::string("grove: ") + what + ": the socket path is empty");
  if (path.size() > max_path)
    throw UsageError(std::string("grove: ") + what + ": the socket path '" + std::string(path) + "' is " +
                     std::to_string(path.size()) + " bytes; AF_UNIX paths hold at most 107: use a shorter one");
  return Endpoint(path);
}

}  // namespace

UnixEndpoint unix_endpoint(std::string_view path) {
  return checked_endpoint<UnixEndpoint>(path, "grove::unix_endpoint");
}

UnixDatagramEndpoint unix_datagram_endpoint(std::string_view path) {
  return checked_endpoint<UnixDatagramEndpoint>(path, "grove::unix_datagram_endpoint");
}

// ------------------------------------------------------------- UnixSocket

UnixSocket UnixSocket::connect(std::string_view path, error_code& ec, Deadline timeout) {
  const auto peer = checked_endpoint<UnixEndpoint>(path, "UnixSocket::connect");
  UnixSocket sock;
  auto& s = detail::scheduler();
  sock.connect_to(peer, ec, timeout.resolve(s.now(), "UnixSocket::connect"));
  return sock;
}

UnixSocket UnixSocket::connect(std::string_view path, Deadline timeout) {
  error_code ec;
  auto sock = connect(path, ec, timeout);
  if (ec) detail::throw_io_error(ec, ("UnixSocket::connect " + std::string(path)).c_str());
  return sock;
}

UnixSocket UnixSocket::from_fd(int fd) {
  UnixSocket sock;
  sock.adopt_fd(fd, "grove::UnixSocket::from_fd");
  return sock;
}

std::pair<UnixSocket, UnixSocket> socketpair() {
  asio::local::stream_protocol::socket a(hub().io_context()), b(hub().io_context());
  boost::system::error_code ec;
  asio::local::connect_pair(a, b, ec);
  detail::throw_if(ec, "grove::socketpair");
  detail::close_on_exec(a);
  detail::close_on_exec(b);
  return {UnixSocket(std::move(a)), UnixSocket(std::move(b))};
}

// ----------------------------------------------------------- UnixListener

UnixListener::UnixListener(std::string_view path, ListenOptions options, error_code& ec) {
  listen_on(checked_endpoint<UnixEndpoint>(path, "UnixListener"), options, ec);
}

UnixListener::UnixListener(std::string_view path, ListenOptions options) {
  error_code ec;
  listen_on(checked_endpoint<UnixEndpoint>(path, "UnixListener"), options, ec);
  if (ec) detail::throw_io_error(ec, ("UnixListener " + std::string(path)).c_str());
}

UnixListener UnixListener::from_fd(int fd, ListenOptions options) {
  UnixListener listener;
  listener.adopt_fd(fd, options.backlog, "grove::UnixListener::from_fd");
  return listener;
}

// ----------------------------------------------------- UnixDatagramSocket

UnixDatagramSocket::UnixDatagramSocket() { open(asio::local::datagram_protocol(), "UnixDatagramSocket"); }

UnixDatagramSocket::UnixDatagramSocket(std::string_view path) {
  error_code ec;
  bind(checked_endpoint<UnixDatagramEndpoint>(path, "UnixDatagramSocket"), ec);
  if (ec) detail::throw_io_error(ec, ("UnixDatagramSocket bind " + std::string(path)).c_str());
}

UnixDatagramSocket UnixDatagramSocket::from_fd(int fd) {
  UnixDatagramSocket sock{Unopened{}};
  sock.adopt_fd(fd, "grove::UnixDatagramSocket::from_fd");
  return sock;
}

std::pair<UnixDatagramSocket, UnixDatagramSocket> datagram_socketpair() {
  UnixDatagramSocket a{UnixDatagramSocket::Unopened{}}, b{UnixDatagramSocket::Unopened{}};
  boost::system::error_code ec;
  asio::local::connect_pair(a.socket_, b.socket_, ec);
  detail::close_on_exec(a.socket_);
  detail::close_on_exec(b.socket_);
  if (!ec) a.socket_.non_blocking(true, ec);
  if (!ec) b.socket_.non_blocking(true, ec);
  detail::throw_if(ec, "grove::datagram_socketpair");
  return {std::move(a), std::move(b)};
}

}  // namespace grove
