#pragma once
// wait_fd.hpp — waiting for descriptors that other libraries own (a
// database client, libcurl, an inotify fd), as gevent's wait_read/wait_write:
//
//   grove::wait_readable(fd);                 // parks until fd is readable
//   if (!grove::wait_readable(fd, 100ms)) ... // false on timeout (a duration or a TimePoint)
//
// The descriptor is watched, for the duration of the wait only, through a
// private epoll set that the hub's reactor watches; the descriptor itself
// is never registered with the reactor and its flags are never changed (a
// blocking descriptor stays blocking: O_NONBLOCK belongs to the open file,
// which its owner, and maybe a parent process, shares). Several fibers may
// wait on one descriptor, and a grove socket's native_handle() works too.
// A hang-up or error counts as ready: the owner's next read or write
// reports it. A regular file cannot be watched (EPERM, as epoll says).
//
// FdWatch is the same readiness as a waitable (fibers/grove/waitable.hpp),
// so grove::wait and grove::iwait can wait on a descriptor together with
// fibers, events and queues:
//
//   grove::FdWatch in = grove::FdWatch::readable(fd);
//   auto ready = grove::wait({in, stop_event}, 5s, 1);   // whichever comes first
//   if (!ready.empty() && ready[0].is(in)) read(fd, ...);

#include <grove/deadline.hpp>
#include <grove/duration.hpp>

#include <grove/detail/wait_queue.hpp>

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>

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
struct FdWatchState;
}  // namespace detail

// FdWatch watches one descriptor for one readiness, once: a wait on it
// (grove::wait/iwait) starts the watch if it is not running, and the watch
// becomes ready() when the descriptor is readable (writable), or when it
// cannot be watched (error() then says why: e.g. a regular file). Once
// ready it stays ready; make a new FdWatch to watch again. Destroying it
// stops the watch (the descriptor is released, never closed). Owning hub's
// thread only; movable, and a moved-from FdWatch must not be waited on.
class FdWatch {
 public:
  static FdWatch readable(int fd);
  static FdWatch writable(int fd);
  FdWatch(FdWatch&&) noexcept = default;
  FdWatch& operator=(FdWatch&&) noexcept;
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;
  ~FdWatch();

  int fd() const noexcept;
  bool ready() const noexcept;
  // error() is what made it ready instead of the descriptor (none if ok).
  boost::system::error_code error() const noexcept;

  // The Waitable protocol (waitable.hpp): the first wait starts the watch.
  detail::WaitQueue& waitable_queue() noexcept;
  std::uint64_t waitable_begin(const char* call);
  bool waitable_ready(std::uint64_t) const noexcept { return ready(); }

 private:
  explicit FdWatch(std::shared_ptr<detail::FdWatchState> st) noexcept : st_(std::move(st)) {}
  std::shared_ptr<detail::FdWatchState> st_;
};

}  // namespace grove
