#pragma once
// unix_listener.hpp — UnixListener, a green listening AF_UNIX stream socket:
//
//   const std::string path = (dir / "app.sock").string();   // dir: a std::filesystem::path
//   grove::UnixListener listener(path);
//   grove::UnixSocket peer = listener.accept();     // parks the fiber, obeys Timeout
//   ...
//   listener.close();
//   std::filesystem::remove(path);                  // the socket file stays, as with bind(2)
//
// Accepting: detail/listener.hpp (shared with TcpListener). Binding a path
// that exists (a stale socket file included) fails with EADDRINUSE: remove
// it first. The socket file is not removed by close(), as with gevent.

#include <grove/unix_socket.hpp>
#include <grove/detail/listener.hpp>

#include <boost/asio/local/stream_protocol.hpp>

#include <string_view>

namespace grove {

class UnixListener final : public detail::BasicListener<boost::asio::local::stream_protocol, UnixSocket> {
 public:
  // UnixListener(path) binds path and listens; IoError when it cannot.
  explicit UnixListener(std::string_view path, ListenOptions options = {});
  UnixListener(std::string_view path, ListenOptions options, error_code& ec);
  UnixListener(UnixListener&&) noexcept = default;
  UnixListener& operator=(UnixListener&&) noexcept = default;
  ~UnixListener() = default;

  // from_fd(fd) adopts a bound AF_UNIX stream socket and owns it; one not
  // listening yet is made to listen. A wrong descriptor is a UsageError.
  static UnixListener from_fd(int fd, ListenOptions options = {});

 private:
  UnixListener() = default;
};

}  // namespace grove

extern template class grove::detail::BasicListener<boost::asio::local::stream_protocol, grove::UnixSocket>;
