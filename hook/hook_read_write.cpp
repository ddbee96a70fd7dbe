// hook_read_write.cpp — the interposed read, write, readv and writev. On a
// socket they are the socket calls (recv/send with MSG_DONTWAIT, see
// hook_sockets.cpp). On anything else (a pipe, a terminal, inherited
// stdio) the descriptor's flags are never touched: the fiber parks until
// poll(2) reports it ready, then makes the real call; a write to a pipe
// goes in PIPE_BUF pieces, each of which fits once the pipe is writable.

#include "src/hook_core.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <climits>

#include <algorithm>
#include <cerrno>

namespace grove::hook::detail {
ssize_t send_all(int fd, const msghdr& m, int flags, const char* call) noexcept;
ssize_t recv_msg(int fd, msghdr* m, int flags, const char* call) noexcept;

namespace {

// ready_or_park(fd, events, ctx, call): 1 when the real call may go (the
// descriptor is ready, or poll reports an error the real call will
// report), 0 after a refusal or a failed park (errno set).
int ready_or_park(int fd, short events, int ctx, const char* call) noexcept {
  for (;;) {
    pollfd p{fd, events, 0};
    if (real.poll(&p, 1, 0) != 0) return 1;
    if (ctx == GROVE_HOOK_HUB) return refuse(call) + 1;
    if (!park(fd, events, Expiry{}, EAGAIN)) return 0;
  }
}

ssize_t read_other(int fd, int ctx, void* buf, size_t n) noexcept {
  if (user_nonblocking(fd)) return real.read(fd, buf, n);
  if (!ready_or_park(fd, POLLIN, ctx, "read")) return -1;
  return real.read(fd, buf, n);
}

ssize_t readv_other(int fd, int ctx, const iovec* iov, int n) noexcept {
  if (user_nonblocking(fd)) return real.readv(fd, iov, n);
  if (!ready_or_park(fd, POLLIN, ctx, "readv")) return -1;
  return real.readv(fd, iov, n);
}

// pieces(fd, n): does a write of n bytes need to go in PIPE_BUF pieces?
// Not to a regular file or a block device, which never make a writer wait
// for a reader.
bool pieces(int fd, size_t n) noexcept {
  if (n <= PIPE_BUF) return false;
  struct stat st {};
  const int saved = errno;
  const bool regular = ::fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
  errno = saved;
  return !regular;
}

ssize_t write_other(int fd, int ctx, const void* buf, size_t n) noexcept {
  if (user_nonblocking(fd)) return real.write(fd, buf, n);
  const bool split = pieces(fd, n);
  const char* p = static_cast<const char*>(buf);
  size_t done = 0;
  do {
    if (!ready_or_park(fd, POLLOUT, ctx, "write")) return done > 0 ? static_cast<ssize_t>(done) : -1;
    const size_t chunk = split ? std::min<size_t>(n - done, PIPE_BUF) : n - done;
    const ssize_t r = real.write(fd, p + done, chunk);
    if (r < 0) return done > 0 ? static_cast<ssize_t>(done) : -1;
    done += static_cast<size_t>(r);
  } while (done < n);
  return static_cast<ssize_t>(done);
}

ssize_t writev_other(int fd, int ctx, const iovec* iov, int n) noexcept {
  if (user_nonblocking(fd)) return real.writev(fd, iov, n);
  size_t sum = 0;
  for (int i = 0; i < n; ++i) sum += iov[i].iov_len;
  if (!pieces(fd, sum)) {
    if (!ready_or_park(fd, POLLOUT, ctx, "writev")) return -1;
    return real.writev(fd, iov, n);
  }
  // Too big for one piece: the buffers go one after the other.
  size_t done = 0;
  for (int i = 0; i < n; ++i) {
    const ssize_t r = write_other(fd, ctx, iov[i].iov_base, iov[i].iov_len);
    if (r < 0) return done > 0 ? static_cast<ssize_t>(done) : -1;
    done += static_cast<size_t>(r);
    if (static_cast<size_t>(r) < iov[i].iov_len) break;
  }
  return static_cast<ssize_t>(done);
}

}  // namespace
}  // namespace grove::hook::detail

using namespace grove::hook::detail;  // NOLINT(google-build-using-namespace): the C entry points below

namespace {
[[gnu::noinline]] ssize_t hooked_read(int fd, void* buf, size_t n) {
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE) return real.read(fd, buf, n);
  iovec iov{buf, n};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  const ssize_t r = recv_msg(fd, &m, 0, "read");
  if (r < 0 && errno == ENOTSOCK) return read_other(fd, ctx, buf, n);
  return r;
}
}  // namespace

GROVE_HOOK_PUBLIC ssize_t read(int fd, void* buf, size_t n) {
  if (!maybe_grove()) [[likely]]
    return real.read(fd, buf, n);
  return hooked_read(fd, buf, n);
}

namespace {
[[gnu::noinline]] ssize_t hooked_readv(int fd, const iovec* iov, int n) {
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE) return real.readv(fd, iov, n);
  msghdr m{};
  m.msg_iov = const_cast<iovec*>(iov);
  m.msg_iovlen = static_cast<size_t>(n < 0 ? 0 : n);
  const ssize_t r = recv_msg(fd, &m, 0, "readv");
  if (r < 0 && errno == ENOTSOCK) return readv_other(fd, ctx, iov, n);
  return r;
}
}  // namespace

GROVE_HOOK_PUBLIC ssize_t readv(int fd, const iovec* iov, int n) {
  if (!maybe_grove()) [[likely]]
    return real.readv(fd, iov, n);
  return hooked_readv(fd, iov, n);
}

namespace {
[[gnu::noinline]] ssize_t hooked_write(int fd, const void* buf, size_t n) {
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE) return real.write(fd, buf, n);
  iovec iov{const_cast<void*>(buf), n};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  const ssize_t r = send_all(fd, m, 0, "write");
  if (r < 0 && errno == ENOTSOCK) return write_other(fd, ctx, buf, n);
  return r;
}
}  // namespace

GROVE_HOOK_PUBLIC ssize_t write(int fd, const void* buf, size_t n) {
  if (!maybe_grove()) [[likely]]
    return real.write(fd, buf, n);
  return hooked_write(fd, buf, n);
}

namespace {
[[gnu::noinline]] ssize_t hooked_writev(int fd, const iovec* iov, int n) {
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE) return real.writev(fd, iov, n);
  msghdr m{};
  m.msg_iov = const_cast<iovec*>(iov);
  m.msg_iovlen = static_cast<size_t>(n < 0 ? 0 : n);
  const ssize_t r = send_all(fd, m, 0, "writev");
  if (r < 0 && errno == ENOTSOCK) return writev_other(fd, ctx, iov, n);
  return r;
}
}  // namespace

GROVE_HOOK_PUBLIC ssize_t writev(int fd, const iovec* iov, int n) {
  if (!maybe_grove()) [[likely]]
    return real.writev(fd, iov, n);
  return hooked_writev(fd, iov, n);
}
