// hook_sockets.cpp — the interposed socket calls: connect, accept(4),
// recv*, send*, and close/dup2/dup3 (which wake the fibers waiting on the
// descriptor they close). Each tries the call without blocking
// (MSG_DONTWAIT; connect/accept flip O_NONBLOCK for the one syscall and put
// the owner's flags back) and, when it would block on a descriptor its
// owner left blocking, parks the fiber until the descriptor is ready.

#include "src/hook_core.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace grove::hook::detail {
namespace {

// recv_loop(fd, flags, call, attempt) runs attempt(flags | MSG_DONTWAIT)
// until it does not report EAGAIN on a descriptor its owner left blocking.
template <class Attempt>
ssize_t recv_loop(int fd, int flags, const char* call, Attempt&& attempt) noexcept {
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE) return attempt(flags);
  Expiry expiry;
  bool expiry_known = false;
  for (;;) {
    const ssize_t r = attempt(flags | MSG_DONTWAIT);
    if (r >= 0 || !would_block(errno) || (flags & MSG_DONTWAIT) || user_nonblocking(fd)) return r;
    if (ctx == GROVE_HOOK_HUB) return refuse(call);
    if (!expiry_known) {
      expiry = Expiry::socket_option(fd, SO_RCVTIMEO);
      expiry_known = true;
    }
    if (!park(fd, POLLIN, expiry, EAGAIN)) return -1;
  }
}

// advance(m, iov, n) drops the first n bytes of m's iovec array (copied to
// iov once, so the caller's stays as given).
void advance(msghdr& m, iovec* iov, size_t n) noexcept {
  size_t i = 0;
  while (i < m.msg_iovlen && n >= m.msg_iov[i].iov_len) n -= m.msg_iov[i++].iov_len;
  size_t k = 0;
  for (; i < m.msg_iovlen; ++i, ++k) iov[k] = m.msg_iov[i];
  if (k > 0) {
    iov[0].iov_base = static_cast<char*>(iov[0].iov_base) + n;
    iov[0].iov_len -= n;
  }
  m.msg_iov = iov;
  m.msg_iovlen = k;
}

size_t total(const msghdr& m) noexcept {
  size_t t = 0;
  for (size_t i = 0; i < m.msg_iovlen; ++i) t += m.msg_iov[i].iov_len;
  return t;
}

}  // namespace

// send_all(fd, m, flags, call) is a blocking sendmsg for a fiber: a stream
// socket's bytes all go (parking while the socket is full), as a blocking
// send does; a partial result is returned when an error or interrupt
// comes after some were sent. ENOTSOCK is returned as is (the caller's
// fallback for non-sockets).
ssize_t send_all(int fd, const msghdr& given, int flags, const char* call) noexcept {
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE) return real.sendmsg(fd, &given, flags);
  msghdr m = given;
  const size_t want = total(m);
  iovec local[64];
  iovec* iov = m.msg_iovlen <= 64 ? local : nullptr;
  size_t sent = 0;
  Expiry expiry;
  bool expiry_known = false;
  for (;;) {
    const ssize_t r = real.sendmsg(fd, &m, flags | MSG_DONTWAIT);
    if (r >= 0) {
      sent += static_cast<size_t>(r);
      if (sent >= want || (flags & MSG_DONTWAIT) || user_nonblocking(fd) || !iov) return static_cast<ssize_t>(sent);
      advance(m, iov, static_cast<size_t>(r));
      // A datagram or the destination goes once: only the first send names it.
      continue;
    }
    if (!would_block(errno) || (flags & MSG_DONTWAIT) || user_nonblocking(fd))
      return sent > 0 ? static_cast<ssize_t>(sent) : -1;
    if (ctx == GROVE_HOOK_HUB) return sent > 0 ? static_cast<ssize_t>(sent) : refuse(call);
    if (!expiry_known) {
      expiry = Expiry::socket_option(fd, SO_SNDTIMEO);
      expiry_known = true;
    }
    if (!park(fd, POLLOUT, expiry, EAGAIN)) return sent > 0 ? static_cast<ssize_t>(sent) : -1;
  }
}

ssize_t recv_msg(int fd, msghdr* m, int flags, const char* call) noexcept {
  return recv_loop(fd, flags, call, [&](int f) { return real.recvmsg(fd, m, f); });
}

}  // namespace grove::hook::detail

using namespace grove::hook::detail;  // NOLINT(google-build-using-namespace): the C entry points below

namespace {
[[gnu::noinline]] ssize_t hooked_recv(int fd, void* buf, size_t n, int flags) {
  return recv_loop(fd, flags, "recv", [&](int f) { return real.recv(fd, buf, n, f); });
}
}  // namespace

GROVE_HOOK_PUBLIC ssize_t recv(int fd, void* buf, size_t n, int flags) {
  if (!maybe_grove()) [[likely]]
    return real.recv(fd, buf, n, flags);
  return hooked_recv(fd, buf, n, flags);
}

namespace {
[[gnu::noinline]] ssize_t hooked_recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* from, socklen_t* len) {
  return recv_loop(fd, flags, "recvfrom", [&](int f) { return real.recvfrom(fd, buf, n, f, from, len); });
}
}  // namespace

GROVE_HOOK_PUBLIC ssize_t recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* from, socklen_t* len) {
  if (!maybe_grove()) [[likely]]
    return real.recvfrom(fd, buf, n, flags, from, len);
  return hooked_recvfrom(fd, buf, n, flags, from, len);
}

namespace {
[[gnu::noinline]] ssize_t hooked_recvmsg(int fd, msghdr* m, int flags) { return recv_msg(fd, m, flags, "recvmsg"); }
}  // namespace

GROVE_HOOK_PUBLIC ssize_t recvmsg(int fd, msghdr* m, int flags) {
  if (!maybe_grove()) [[likely]]
    return real.recvmsg(fd, m, flags);
  return hooked_recvmsg(fd, m, flags);
}

namespace {
[[gnu::noinline]] ssize_t hooked_send(int fd, const void* buf, size_t n, int flags) {
  iovec iov{const_cast<void*>(buf), n};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  return send_all(fd, m, flags, "send");
}
}  // namespace

GROVE_HOOK_PUBLIC ssize_t send(int fd, const void* buf, size_t n, int flags) {
  if (!maybe_grove()) [[likely]]
    return real.send(fd, buf, n, flags);
  return hooked_send(fd, buf, n, flags);
}

namespace {
[[gnu::noinline]] ssize_t hooked_sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* to,
                                        socklen_t len) {
  iovec iov{const_cast<void*>(buf), n};
  msghdr m{};
  m.msg_name = const_cast<sockaddr*>(to);
  m.msg_namelen = to ? len : 0;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  return send_all(fd, m, flags, "sendto");
}
}  // namespace

GROVE_HOOK_PUBLIC ssize_t sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* to, socklen_t len) {
  if (!maybe_grove()) [[likely]]
    return real.sendto(fd, buf, n, flags, to, len);
  return hooked_sendto(fd, buf, n, flags, to, len);
}

namespace {
[[gnu::noinline]] ssize_t hooked_sendmsg(int fd, const msghdr* m, int flags) {
  return send_all(fd, *m, flags, "sendmsg");
}
}  // namespace

GROVE_HOOK_PUBLIC ssize_t sendmsg(int fd, const msghdr* m, int flags) {
  if (!maybe_grove()) [[likely]]
    return real.sendmsg(fd, m, flags);
  return hooked_sendmsg(fd, m, flags);
}

namespace {
[[gnu::noinline]] int hooked_connect(int fd, const sockaddr* addr, socklen_t len) {
  const int ctx = where();
  const int flags = real.fcntl(fd, F_GETFL);
  if (ctx == GROVE_HOOK_NONE || flags < 0 || (flags & O_NONBLOCK)) return real.connect(fd, addr, len);
  // A blocking connect cannot be asked not to block: make the socket
  // non-blocking for this one call, then give the owner its flags back.
  real.fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  const int r = real.connect(fd, addr, len);
  const int e = errno;
  real.fcntl(fd, F_SETFL, flags);
  if (r == 0) return 0;
  errno = e;
  if (e != EINPROGRESS) return -1;
  if (ctx == GROVE_HOOK_HUB) return refuse("connect");
  // Linux reports a blocking connect that SO_SNDTIMEO ended as EINPROGRESS.
  if (!park(fd, POLLOUT, Expiry::socket_option(fd, SO_SNDTIMEO), EINPROGRESS)) return -1;
  int err = 0;
  socklen_t elen = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0) return -1;
  if (err != 0) {
    errno = err;
    return -1;
  }
  return 0;
}
}  // namespace

GROVE_HOOK_PUBLIC int connect(int fd, const sockaddr* addr, socklen_t len) {
  if (!maybe_grove()) [[likely]]
    return real.connect(fd, addr, len);
  return hooked_connect(fd, addr, len);
}

namespace {
int accept_impl(int fd, sockaddr* addr, socklen_t* len, int flags, bool four) {
  auto attempt = [&] { return four ? real.accept4(fd, addr, len, flags) : real.accept(fd, addr, len); };
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE) return attempt();
  Expiry expiry;
  bool expiry_known = false;
  for (;;) {
    const int fl = real.fcntl(fd, F_GETFL);
    if (fl < 0 || (fl & O_NONBLOCK)) return attempt();
    // The listener is non-blocking for this one call only; the accepted
    // socket's flags come from `flags` (accept4), never from the listener.
    real.fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    const int r = attempt();
    const int e = errno;
    real.fcntl(fd, F_SETFL, fl);
    errno = e;
    if (r >= 0 || !would_block(e)) return r;
    if (ctx == GROVE_HOOK_HUB) return refuse(four ? "accept4" : "accept");
    if (!expiry_known) {
      expiry = Expiry::socket_option(fd, SO_RCVTIMEO);
      expiry_known = true;
    }
    if (!park(fd, POLLIN, expiry, EAGAIN)) return -1;
  }
}
}  // namespace

namespace {
[[gnu::noinline]] int hooked_accept(int fd, sockaddr* addr, socklen_t* len) {
  return accept_impl(fd, addr, len, 0, false);
}
}  // namespace

GROVE_HOOK_PUBLIC int accept(int fd, sockaddr* addr, socklen_t* len) {
  if (!maybe_grove()) [[likely]]
    return real.accept(fd, addr, len);
  return hooked_accept(fd, addr, len);
}

namespace {
[[gnu::noinline]] int hooked_accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  return accept_impl(fd, addr, len, flags, true);
}
}  // namespace

GROVE_HOOK_PUBLIC int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  if (!maybe_grove()) [[likely]]
    return real.accept4(fd, addr, len, flags);
  return hooked_accept4(fd, addr, len, flags);
}

// close, dup2 and dup3 wake this hub's fibers parked on the descriptor they
// are about to close (those calls then fail with EBADF).
GROVE_HOOK_PUBLIC int close(int fd) {
  if (maybe_grove() && where() != GROVE_HOOK_NONE) bridge->closing(fd);
  return real.close(fd);
}

GROVE_HOOK_PUBLIC int dup2(int oldfd, int newfd) {
  if (oldfd != newfd && maybe_grove() && where() != GROVE_HOOK_NONE) bridge->closing(newfd);
  return real.dup2(oldfd, newfd);
}

GROVE_HOOK_PUBLIC int dup3(int oldfd, int newfd, int flags) {
  if (oldfd != newfd && maybe_grove() && where() != GROVE_HOOK_NONE) bridge->closing(newfd);
  return real.dup3(oldfd, newfd, flags);
}
