#pragma once
// wait_fd.hpp — waiting for descriptors that other libraries own (a
// database client, libcurl, an inotify fd), as gevent's wait_read/wait_write:
//
//   grove::wait_readable(fd);                 // parks until fd is readable
//   if (!grove::wait_readable(fd, 100ms)) ... // false on timeout (a duration or a TimePoint)
//
// The descriptor is watched through Asio's reactor for the duration of the
// wait only (a posix::stream_descriptor that is release()d, never closed),
// so the owner keeps it. Several fibers may wait on one descriptor. The
// descriptor must not be watched by another Asio object of the same hub
// (for a grove socket use its own wait_readable). A hang-up or error
// counts as ready: the owner's next read or write reports it.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>

#include <boost/system/error_code.hpp>

namespace grove {

// wait_readable(fd) blocks until fd is readable; the error_code form
// reports a descriptor the reactor cannot watch (e.g. a regular file).
void wait_readable(int fd);
void wait_readable(int fd, boost::system::error_code& ec);
// wait_writable(fd) blocks until fd is writable.
void wait_writable(int fd);
void wait_writable(int fd, boost::system::error_code& ec);

// wait_readable(fd, deadline) returns false if fd was not readable in time
// (or cannot be watched). A negative or NaN duration is a UsageError.
bool wait_readable(int fd, Deadline deadline);
// wait_writable(fd, deadline) returns false if fd was not writable in time.
bool wait_writable(int fd, Deadline deadline);

namespace detail {
bool wait_fd_until(int fd, bool write, TimePoint deadline, boost::system::error_code& ec);
}

}  // namespace grove
