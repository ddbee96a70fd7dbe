#pragma once
// sendfile.hpp — zero-copy sending of a file over a green stream socket
// (gevent's socket.sendfile), through Linux's sendfile(2):
//
//   int fd = ::open("video.mp4", O_RDONLY);
//   std::size_t sent = grove::sendfile(sock, fd, 0, grove::to_end_of_file, 30s);
//   ::close(fd);
//
// Contract. sendfile(socket, file_fd, offset, count, timeout) sends count
// bytes of the file starting at offset (to_end_of_file: up to its end) and
// returns how many it sent: count, or fewer when the file ends first. The
// file's own offset is left alone, so several sockets may send one file at
// once. The kernel copies from the page cache to the socket; when the
// socket's buffer is full the fiber parks until it is writable (through
// the hub's reactor, detail/run_io.hpp), so other fibers run meanwhile.
// The whole call holds the socket's writing side (ConcurrentUseError for a
// second writer) and has one deadline (a duration or a TimePoint; IoTimeout,
// or timed_out in the error_code form, which then returns what was sent).
// A Timeout or kill() is raised out of the call; how much was sent is then
// unknown, so close the connection. file_fd must be a regular file (or
// another descriptor sendfile(2) reads from; EINVAL otherwise, an IoError).
// Plain TCP and AF_UNIX sockets only: TLS needs its bytes encrypted, so send
// a file over a TlsStream with send_all.

#include <grove/deadline.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/unix_socket.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>

namespace grove {

// to_end_of_file is the count that sends up to the end of the file.
inline constexpr std::size_t to_end_of_file = std::numeric_limits<std::size_t>::max();

std::size_t sendfile(TcpSocket& socket, int file_fd, std::uint64_t offset, std::size_t count,
                     Deadline timeout = Deadline::never());
std::size_t sendfile(TcpSocket& socket, int file_fd, std::uint64_t offset, std::size_t count,
                     boost::system::error_code& ec, Deadline timeout = Deadline::never());
std::size_t sendfile(UnixSocket& socket, int file_fd, std::uint64_t offset, std::size_t count,
                     Deadline timeout = Deadline::never());
std::size_t sendfile(UnixSocket& socket, int file_fd, std::uint64_t offset, std::size_t count,
                     boost::system::error_code& ec, Deadline timeout = Deadline::never());

}  // namespace grove
