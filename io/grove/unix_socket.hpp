#pragma once
// unix_socket.hpp — UnixSocket, a green AF_UNIX stream connection, and
// socketpair():
//
//   grove::UnixListener listener("/tmp/app.sock");          // unix_listener.hpp
//   auto client = grove::UnixSocket::connect("/tmp/app.sock");
//   client.send_all("hello\n");
//
//   auto [a, b] = grove::socketpair();                        // two connected ends
//   a.send_all("ping");
//   std::string got = b.recv();
//
// A UnixSocket is a Stream with exactly TcpSocket's behaviour (one shared
// implementation, detail/stream_socket.hpp): parking reads and writes,
// Timeout and kill(), set_timeout, one reader and one writer, no SIGPIPE.
// Paths are file-system paths of at most 107 bytes (a longer one is a
// UsageError); a path starting with '\0' names Linux's abstract namespace.

#include <grove/deadline.hpp>
#include <grove/detail/stream_socket.hpp>

#include <boost/asio/local/stream_protocol.hpp>

#include <string_view>
#include <utility>

namespace grove {

using UnixEndpoint = boost::asio::local::stream_protocol::endpoint;

// unix_endpoint(path) is the endpoint of a socket path (UsageError when too long).
UnixEndpoint unix_endpoint(std::string_view path);

class UnixSocket final : public detail::BasicStreamSocket<boost::asio::local::stream_protocol> {
 public:
  // UnixSocket() is not connected yet; UnixSocket(s) adopts a connected
  // Asio socket of this thread's hub.
  using BasicStreamSocket::BasicStreamSocket;
  UnixSocket() = default;
  UnixSocket(UnixSocket&&) noexcept = default;
  UnixSocket& operator=(UnixSocket&&) noexcept = default;
  ~UnixSocket() override = default;

  // connect(path, timeout) connects to the listener at path, within the
  // deadline (error timed_out; a negative or NaN duration is a UsageError).
  // No listener there: IoError (ENOENT or ECONNREFUSED); the error_code
  // form returns an unopened socket instead.
  static UnixSocket connect(std::string_view path, Deadline timeout = Deadline::never());
  static UnixSocket connect(std::string_view path, error_code& ec, Deadline timeout = Deadline::never());

  // from_fd(fd) adopts a connected AF_UNIX stream socket and owns it from
  // now on (non-blocking, closed with the UnixSocket). A descriptor that
  // is not open, not a socket or not an AF_UNIX stream socket is a
  // UsageError that says which.
  static UnixSocket from_fd(int fd);
};

// socketpair() is two connected AF_UNIX stream sockets (socketpair(2)), as
// gevent's socket.socketpair(): what one sends the other receives.
std::pair<UnixSocket, UnixSocket> socketpair();

}  // namespace grove
