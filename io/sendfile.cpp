// sendfile.cpp — sendfile(2) on a non-blocking socket, parking on
// writability (the socket's own wait, detail/run_io.hpp) on EAGAIN.

#include <grove/sendfile.hpp>

#include <grove/io_error.hpp>
#include <grove/detail/hub_check.hpp>

#include <boost/asio/error.hpp>

#include <sys/sendfile.h>

#include <algorithm>
#include <cerrno>

namespace grove {

namespace detail {

struct SendfileAccess {
  template <class P>
  static std::size_t run(BasicStreamSocket<P>& sock, int file_fd, std::uint64_t offset, std::size_t count,
                         boost::system::error_code& ec, Deadline timeout) {
    ec = {};
    check_hub(sock.owner_, "grove::sendfile");
    auto& s = *sock.owner_;
    const TimePoint until = timeout.resolve(s.now(), "grove::sendfile");
    auto claim = sock.writer_.claim(s, "grove::sendfile");
    // Linux moves at most this much per call (0x7ffff000 bytes).
    constexpr std::size_t max_chunk = 0x7ffff000;
    std::size_t sent = 0;
    while (sent < count) {
      s.raise_pending();
      if (!sock.socket_.is_open()) {
        ec = io_errc::not_connected;
        return sent;
      }
      auto off = static_cast<off_t>(offset + sent);
      const ssize_t n = ::sendfile(sock.socket_.native_handle(), file_fd, &off, std::min(count - sent, max_chunk));
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n == 0) break;  // the end of the file
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        ec = boost::system::error_code(errno, boost::system::system_category());
        return sent;
      }
      // The socket's buffer is full: park until it is writable.
      sock.wait_for(BasicStreamSocket<P>::socket_type::wait_write, ec, until);
      if (ec) return sent;
    }
    if (sent > 0) sock.wrote_last_ = true;
    return sent;
  }
};

}  // namespace detail

namespace {

template <class Socket>
std::size_t sendfile_or_throw(Socket& socket, int file_fd, std::uint64_t offset, std::size_t count, Deadline timeout) {
  boost::system::error_code ec;
  const std::size_t n = detail::SendfileAccess::run(socket, file_fd, offset, count, ec, timeout);
  detail::throw_if(ec, "grove::sendfile");
  return n;
}

}  // namespace

std::size_t sendfile(TcpSocket& socket, int file_fd, std::uint64_t offset, std::size_t count, Deadline timeout) {
  return sendfile_or_throw(socket, file_fd, offset, count, timeout);
}

std::size_t sendfile(TcpSocket& socket, int file_fd, std::uint64_t offset, std::size_t count,
                     boost::system::error_code& ec, Deadline timeout) {
  return detail::SendfileAccess::run(socket, file_fd, offset, count, ec, timeout);
}

std::size_t sendfile(UnixSocket& socket, int file_fd, std::uint64_t offset, std::size_t count, Deadline timeout) {
  return sendfile_or_throw(socket, file_fd, offset, count, timeout);
}

std::size_t sendfile(UnixSocket& socket, int file_fd, std::uint64_t offset, std::size_t count,
                     boost::system::error_code& ec, Deadline timeout) {
  return detail::SendfileAccess::run(socket, file_fd, offset, count, ec, timeout);
}

}  // namespace grove
