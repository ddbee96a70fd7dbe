#pragma once
// wait_fd.hpp — waiting for descriptors that other libraries own (a
// database client, libcurl, an inotify fd), as gevent's wait_read/wait_write:
//
//   grove::wait_readable(fd);                 // parks until fd is readable
//   if (!grove::wait_readable(fd, 100ms)) ... // false on timeout
//
// The descriptor is watched through Asio's reactor for the duration of the
// wait only (a posix::stream_descriptor that is release()d, never closed),
// so the owner keeps it. Several fibers may wait on one descriptor. The
// descriptor must not be watched by another Asio object of the same hub
// (for a grove socket use its own wait_readable). A hang-up or error
// counts as ready: the owner's next read or write reports it.

#include <grove/duration.hpp>
#include <grove/hub.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>

namespace grove {

// wait_readable(fd) blocks until fd is readable; the error_code form
// reports a descriptor the reactor cannot watch (e.g. a regular file).
void wait_readable(int fd);
void wait_readable(int fd, boost::system::error_code& ec);
// wait_writable(fd) blocks until fd is writable.
void wait_writable(int fd);
void wait_writable(int fd, boost::system::error_code& ec);

namespace detail {
bool wait_fd_until(int fd, bool write, TimePoint deadline, boost::system::error_code& ec);
}

// wait_readable(fd, timeout) returns false if fd was not readable in time.
template <class Rep, class Period>
bool wait_readable(int fd, std::chrono::duration<Rep, Period> timeout) {
  boost::system::error_code ec;
  bool ready = detail::wait_fd_until(fd, false, deadline_after(hub().now(), to_duration(timeout, "wait_readable")), ec);
  if (ec) ready = false;
  return ready;
}
// wait_writable(fd, timeout) returns false if fd was not writable in time.
template <class Rep, class Period>
bool wait_writable(int fd, std::chrono::duration<Rep, Period> timeout) {
  boost::system::error_code ec;
  bool ready = detail::wait_fd_until(fd, true, deadline_after(hub().now(), to_duration(timeout, "wait_writable")), ec);
  if (ec) ready = false;
  return ready;
}

}  // namespace grove
