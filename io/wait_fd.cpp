// wait_fd.cpp — wait_readable/wait_writable on foreign descriptors: a
// per-thread table of watches shared by the fibers waiting on one fd for
// one direction, ended when the last one leaves. A watch is a private epoll
// set holding the fd, and the hub's reactor watches that set: the fd itself
// is never registered with the reactor, whose async_wait would switch it to
// O_NONBLOCK (a flag of the open file, shared with its owner and with any
// process it came from: a shell's terminal, a pipe), and which may watch it
// already (a grove socket's own descriptor).

#include <grove/wait_fd.hpp>

#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/io_error.hpp>
#include <grove/detail/io_target.hpp>
#include <grove/detail/run_op.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

namespace grove {

namespace asio = boost::asio;
using detail::OpResult;
using detail::OpStatus;

namespace {

// Watch: set is the private epoll descriptor (ours, closed with the
// watch); it is readable while the watched fd is ready in the watch's
// direction, or hung up, or in error.
struct Watch {
  explicit Watch(asio::io_context& io) : set(io) {}
  asio::posix::stream_descriptor set;
  int users = 0;
};

// key(fd, write): one watch per descriptor and direction (a reader must not
// be woken by the fd's being writable).
long long key(int fd, bool write) noexcept { return static_cast<long long>(fd) * 2 + (write ? 1 : 0); }

struct WatchTable {
  std::unordered_map<long long, std::unique_ptr<Watch>> watches;
  ~WatchTable() {
    // Only waits that never ended (leaked fibers) leave entries: close the
    // private sets without touching Asio (the io_context may be gone).
    for (auto& [k, w] : watches) {
      const int set = w->set.release();
      if (set >= 0) ::close(set);
      (void)w.release();
    }
  }
};

thread_local WatchTable table;

Watch* acquire(int fd, bool write, boost::system::error_code& ec) {
  auto it = table.watches.find(key(fd, write));
  if (it != table.watches.end()) {
    ++it->second->users;
    return it->second.get();
  }
  const int set = ::epoll_create1(EPOLL_CLOEXEC);
  if (set < 0) {
    ec.assign(errno, boost::system::system_category());
    return nullptr;
  }
  epoll_event ev{};
  ev.events = write ? EPOLLOUT : EPOLLIN;  // hang-up and error are always reported
  ev.data.fd = fd;
  if (::epoll_ctl(set, EPOLL_CTL_ADD, fd, &ev) != 0) {
    // EPERM: a regular file or a directory (always ready, as poll says);
    // EBADF: not an open descriptor.
    ec.assign(errno, boost::system::system_category());
    ::close(set);
    return nullptr;
  }
  auto w = std::make_unique<Watch>(hub().io_context());
  w->set.assign(set, ec);
  if (ec) {
    ::close(set);
    return nullptr;
  }
  w->users = 1;
  Watch* raw = w.get();
  table.watches.emplace(key(fd, write), std::move(w));
  return raw;
}

void release(int fd, bool write) noexcept {
  auto it = table.watches.find(key(fd, write));
  if (it == table.watches.end()) return;
  if (--it->second->users > 0) return;
  boost::system::error_code ignored;
  it->second->set.close(ignored);
  table.watches.erase(it);
}

}  // namespace

namespace detail {

bool wait_fd_until(int fd, bool write, TimePoint deadline, boost::system::error_code& ec) {
  ec = {};
  auto& s = scheduler();
  s.require_fiber_context(write ? "wait_writable" : "wait_readable");
  s.raise_pending();
  if (fd < 0) {
    ec = asio::error::bad_descriptor;
    return false;
  }
  try {
    Watch* w = acquire(fd, write, ec);
    if (!w) return false;
    struct Release {
      int fd;
      bool write;
      ~Release() { release(fd, write); }
    } guard{fd, write};
    for (;;) {
      OpResult r;
      // The set stays open while this wait holds a use of it, so an abort
      // is always another waiter on the same watch leaving: wait again.
      if (run_op(
              s, deadline, write ? "wait_writable" : "wait_readable", r,
              [&](auto handler) { w->set.async_wait(asio::posix::descriptor_base::wait_read, std::move(handler)); },
              [w] {
                boost::system::error_code ignored;
                w->set.cancel(ignored);
              },
              io_target(w->set)) == OpStatus::retry)
        continue;
      if (r.ec == asio::error::timed_out) return false;  // not ready in time: no error
      ec = r.ec;
      return !ec;
    }
  } catch (const boost::system::system_error& e) {
    ec = e.code();
    return false;
  }
}

}  // namespace detail

void wait_readable(int fd, boost::system::error_code& ec) {
  (void)detail::wait_fd_until(fd, false, TimePoint::max(), ec);
}
void wait_writable(int fd, boost::system::error_code& ec) {
  (void)detail::wait_fd_until(fd, true, TimePoint::max(), ec);
}

bool wait_readable(int fd, Deadline deadline) {
  boost::system::error_code ec;
  const TimePoint until = deadline.time_point("grove::wait_readable");
  return detail::wait_fd_until(fd, false, until, ec) && !ec;
}

bool wait_writable(int fd, Deadline deadline) {
  boost::system::error_code ec;
  const TimePoint until = deadline.time_point("grove::wait_writable");
  return detail::wait_fd_until(fd, true, until, ec) && !ec;
}

void wait_readable(int fd) {
  boost::system::error_code ec;
  wait_readable(fd, ec);
  detail::throw_if(ec, "grove::wait_readable");
}

void wait_writable(int fd) {
  boost::system::error_code ec;
  wait_writable(fd, ec);
  detail::throw_if(ec, "grove::wait_writable");
}

// ------------------------------------------------------------------ FdWatch

namespace detail {

struct FdWatchState {
  FdWatchState(int fd, bool write) : fd(fd), write(write), owner(&scheduler()) {}
  int fd;
  bool write;
  Scheduler* owner;
  bool armed = false;     // an async_wait is in flight (it holds a table use)
  bool fired = false;     // ready: the descriptor is, or it cannot be watched
  bool dropped = false;   // the FdWatch is gone: do not watch again
  bool released = false;  // its table use was given back by ~FdWatch
  boost::system::error_code ec;
  WaitQueue waiters;
};

namespace {

// arm() starts one async_wait for st unless one is running or it fired. An
// abort that this watch did not ask for is another waiter on the same fd
// leaving (its cancel() is the descriptor's): watch again.
void arm(const std::shared_ptr<FdWatchState>& st) {
  if (st->armed || st->fired || st->dropped) return;
  Watch* w = acquire(st->fd, st->write, st->ec);
  if (!w) {
    st->fired = true;
    st->waiters.notify_all();
    return;
  }
  st->armed = true;
  w->set.async_wait(asio::posix::descriptor_base::wait_read, [st](const boost::system::error_code& ec) {
    st->armed = false;
    if (!st->released) release(st->fd, st->write);
    if (st->dropped) return;
    if (ec == asio::error::operation_aborted) return arm(st);
    st->fired = true;
    st->ec = ec;
    st->waiters.notify_all();
  });
}

}  // namespace
}  // namespace detail

FdWatch FdWatch::readable(int fd) { return FdWatch(std::make_shared<detail::FdWatchState>(fd, false)); }
FdWatch FdWatch::writable(int fd) { return FdWatch(std::make_shared<detail::FdWatchState>(fd, true)); }

FdWatch& FdWatch::operator=(FdWatch&& other) noexcept {
  if (this != &other) {
    FdWatch gone(std::move(*this));
    st_ = std::move(other.st_);
  }
  return *this;
}

FdWatch::~FdWatch() {
  if (!st_) return;
  st_->dropped = true;
  if (st_->armed && detail::tls_scheduler == st_->owner) {
    // Cancel the descriptor's waits (other waiters on the fd retry) and
    // give the table's use back now, not when the aborted handler runs: the
    // owner may close the fd at once, and a new descriptor with the same
    // number must not find this registration of the old open file.
    auto it = table.watches.find(key(st_->fd, st_->write));
    if (it != table.watches.end()) {
      boost::system::error_code ignored;
      it->second->set.cancel(ignored);
    }
    st_->released = true;
    release(st_->fd, st_->write);
  }
}

int FdWatch::fd() const noexcept { return st_ ? st_->fd : -1; }
bool FdWatch::ready() const noexcept { return st_ && st_->fired; }
boost::system::error_code FdWatch::error() const noexcept { return st_ ? st_->ec : boost::system::error_code{}; }

detail::WaitQueue& FdWatch::waitable_queue() noexcept { return st_->waiters; }

std::uint64_t FdWatch::waitable_begin(const char* call) {
  if (!st_)
    throw UsageError(std::string("grove::") + call + ": this FdWatch was moved from; wait on the one it moved to");
  if (detail::tls_scheduler != st_->owner)
    throw UsageError(std::string("grove::") + call + ": an FdWatch can only be waited on from its hub's thread");
  if (st_->fd < 0 && !st_->fired) {
    st_->fired = true;
    st_->ec = asio::error::bad_descriptor;
  }
  detail::arm(st_);
  return 0;
}

}  // namespace grove
