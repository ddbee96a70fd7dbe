// hook_wait.cpp — the interposed waits: poll, select, epoll_wait (on a
// fiber's own epoll descriptor; the hub's reactor calls it from the hub's
// context, where it stays the real call) and sleep, usleep, nanosleep,
// clock_nanosleep (this_fiber::sleep).

#include "src/hook_core.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace grove::hook::detail {
namespace {

constexpr long long ns_per_s = 1000000000LL;

long long to_ns(const timespec& ts) noexcept { return static_cast<long long>(ts.tv_sec) * ns_per_s + ts.tv_nsec; }

timespec from_ns(long long ns) noexcept {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / ns_per_s);
  ts.tv_nsec = static_cast<long>(ns % ns_per_s);
  return ts;
}

bool valid(const timespec* ts) noexcept { return ts && ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < ns_per_s; }

// sleep_in_fiber(ns): 0, or the errno of the interrupt (or EDEADLK from
// the hub's own context, where nothing may sleep).
int sleep_in_fiber(int ctx, long long ns, const char* call) noexcept {
  if (ctx == GROVE_HOOK_HUB) {
    refuse(call);
    return EDEADLK;
  }
  return bridge->sleep(ns) == 0 ? 0 : errno;
}

int select_fds(int nfds, fd_set* rd, fd_set* wr, fd_set* ex, const Expiry& expiry) noexcept {
  constexpr int on_stack = 64;
  pollfd local[on_stack];
  int count = 0;
  for (int fd = 0; fd < nfds; ++fd)
    if ((rd && FD_ISSET(fd, rd)) || (wr && FD_ISSET(fd, wr)) || (ex && FD_ISSET(fd, ex))) ++count;
  pollfd* fds = count <= on_stack ? local : static_cast<pollfd*>(std::malloc(sizeof(pollfd) * count));
  if (!fds) {
    errno = ENOMEM;
    return -1;
  }
  int k = 0;
  for (int fd = 0; fd < nfds; ++fd) {
    short ev = 0;
    if (rd && FD_ISSET(fd, rd)) ev = static_cast<short>(ev | POLLIN);
    if (wr && FD_ISSET(fd, wr)) ev = static_cast<short>(ev | POLLOUT);
    if (ex && FD_ISSET(fd, ex)) ev = static_cast<short>(ev | POLLPRI);
    if (ev) fds[k++] = pollfd{fd, ev, 0};
  }
  int r = poll_fds(fds, static_cast<nfds_t>(count), expiry);
  if (r > 0) {
    if (rd) FD_ZERO(rd);
    if (wr) FD_ZERO(wr);
    if (ex) FD_ZERO(ex);
    r = 0;
    for (int i = 0; i < count; ++i) {
      const short got = fds[i].revents;
      if (got & POLLNVAL) {
        r = -1;
        errno = EBADF;
        break;
      }
      if (rd && (fds[i].events & POLLIN) && (got & (POLLIN | POLLHUP | POLLERR))) FD_SET(fds[i].fd, rd), ++r;
      if (wr && (fds[i].events & POLLOUT) && (got & (POLLOUT | POLLERR))) FD_SET(fds[i].fd, wr), ++r;
      if (ex && (fds[i].events & POLLPRI) && (got & POLLPRI)) FD_SET(fds[i].fd, ex), ++r;
    }
  } else if (r == 0) {
    if (rd) FD_ZERO(rd);
    if (wr) FD_ZERO(wr);
    if (ex) FD_ZERO(ex);
  }
  if (fds != local) std::free(fds);
  return r;
}

}  // namespace
}  // namespace grove::hook::detail

using namespace grove::hook::detail;  // NOLINT(google-build-using-namespace): the C entry points below

namespace {
[[gnu::noinline]] int hooked_poll(pollfd* fds, nfds_t n, int timeout_ms) {
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE || timeout_ms == 0) return real.poll(fds, n, timeout_ms);
  if (ctx == GROVE_HOOK_HUB) {
    const int r = real.poll(fds, n, 0);
    return r != 0 ? r : refuse("poll");
  }
  return poll_fds(fds, n, Expiry::after_ns(timeout_ms < 0 ? -1 : timeout_ms * 1000000LL));
}
}  // namespace

GROVE_HOOK_PUBLIC int poll(pollfd* fds, nfds_t n, int timeout_ms) {
  if (!maybe_grove()) [[likely]]
    return real.poll(fds, n, timeout_ms);
  return hooked_poll(fds, n, timeout_ms);
}

namespace {
[[gnu::noinline]] int hooked_select(int nfds, fd_set* rd, fd_set* wr, fd_set* ex, timeval* tv) {
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE || (tv && tv->tv_sec == 0 && tv->tv_usec == 0) || nfds < 0 || nfds > FD_SETSIZE)
    return real.select(nfds, rd, wr, ex, tv);
  if (ctx == GROVE_HOOK_HUB) {
    // Ready now: the real answer; otherwise it would block the hub.
    fd_set r = rd ? *rd : fd_set{}, w = wr ? *wr : fd_set{}, x = ex ? *ex : fd_set{};
    timeval zero{0, 0};
    const int n = real.select(nfds, rd ? &r : nullptr, wr ? &w : nullptr, ex ? &x : nullptr, &zero);
    if (n == 0) return refuse("select");
    if (rd) *rd = r;
    if (wr) *wr = w;
    if (ex) *ex = x;
    return n;
  }
  const Expiry expiry =
      Expiry::after_ns(tv ? static_cast<long long>(tv->tv_sec) * 1000000000LL + tv->tv_usec * 1000LL : -1);
  const int r = select_fds(nfds, rd, wr, ex, expiry);
  if (tv) {  // Linux leaves the time not slept in *tv
    const long long left = expiry.remaining_ns();
    tv->tv_sec = static_cast<time_t>(left / 1000000000LL);
    tv->tv_usec = static_cast<suseconds_t>((left % 1000000000LL) / 1000);
  }
  return r;
}
}  // namespace

GROVE_HOOK_PUBLIC int select(int nfds, fd_set* rd, fd_set* wr, fd_set* ex, timeval* tv) {
  if (!maybe_grove()) [[likely]]
    return real.select(nfds, rd, wr, ex, tv);
  return hooked_select(nfds, rd, wr, ex, tv);
}

namespace {
[[gnu::noinline]] int hooked_epoll_wait(int epfd, epoll_event* events, int max, int timeout_ms) {
  // The hub's own reactor waits from the hub's context: the real call.
  const int ctx = where();
  if (ctx != GROVE_HOOK_FIBER || timeout_ms == 0) return real.epoll_wait(epfd, events, max, timeout_ms);
  const Expiry expiry = Expiry::after_ns(timeout_ms < 0 ? -1 : timeout_ms * 1000000LL);
  for (;;) {
    const int r = real.epoll_wait(epfd, events, max, 0);
    if (r != 0) return r;
    const long long left = expiry.remaining_ns();
    if (left == 0) return 0;
    pollfd p{epfd, POLLIN, 0};
    const int w = bridge->wait(&p, 1, left);
    if (w < 0) return -1;
    if (w == 0) return 0;
    if (p.revents & POLLNVAL) {
      errno = EBADF;
      return -1;
    }
  }
}
}  // namespace

GROVE_HOOK_PUBLIC int epoll_wait(int epfd, epoll_event* events, int max, int timeout_ms) {
  if (!maybe_grove()) [[likely]]
    return real.epoll_wait(epfd, events, max, timeout_ms);
  return hooked_epoll_wait(epfd, events, max, timeout_ms);
}

namespace {
[[gnu::noinline]] unsigned hooked_sleep(unsigned seconds) {
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE || seconds == 0) return real.sleep(seconds);
  // An interrupted sleep reports the whole time as slept (0), so that a
  // retry loop ends; errno tells why.
  if (const int e = sleep_in_fiber(ctx, seconds * ns_per_s, "sleep")) {
    errno = e;
    return e == EDEADLK ? seconds : 0;
  }
  return 0;
}
}  // namespace

GROVE_HOOK_PUBLIC unsigned sleep(unsigned seconds) {
  if (!maybe_grove()) [[likely]]
    return real.sleep(seconds);
  return hooked_sleep(seconds);
}

namespace {
[[gnu::noinline]] int hooked_usleep(useconds_t us) {
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE || us == 0) return real.usleep(us);
  if (const int e = sleep_in_fiber(ctx, static_cast<long long>(us) * 1000LL, "usleep")) {
    errno = e;
    return -1;
  }
  return 0;
}
}  // namespace

GROVE_HOOK_PUBLIC int usleep(useconds_t us) {
  if (!maybe_grove()) [[likely]]
    return real.usleep(us);
  return hooked_usleep(us);
}

namespace {
[[gnu::noinline]] int hooked_nanosleep(const timespec* req, timespec* rem) {
  const int ctx = where();
  if (ctx == GROVE_HOOK_NONE || !valid(req) || (req->tv_sec == 0 && req->tv_nsec == 0)) return real.nanosleep(req, rem);
  const Expiry until = Expiry::after_ns(to_ns(*req));
  if (const int e = sleep_in_fiber(ctx, to_ns(*req), "nanosleep")) {
    if (rem) *rem = from_ns(until.remaining_ns());
    errno = e;
    return -1;
  }
  return 0;
}
}  // namespace

GROVE_HOOK_PUBLIC int nanosleep(const timespec* req, timespec* rem) {
  if (!maybe_grove()) [[likely]]
    return real.nanosleep(req, rem);
  return hooked_nanosleep(req, rem);
}

namespace {
[[gnu::noinline]] int hooked_clock_nanosleep(clockid_t clock, int flags, const timespec* req, timespec* rem) {
  const int ctx = where();
  // CPU-time clocks cannot be waited for on the hub: the real call.
  const bool wall = clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME ||
                    clock == CLOCK_TAI || clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM;
  if (ctx == GROVE_HOOK_NONE || !wall || !valid(req)) return real.clock_nanosleep(clock, flags, req, rem);
  long long ns = to_ns(*req);
  if (flags & TIMER_ABSTIME) {
    timespec now{};
    ::clock_gettime(clock, &now);
    ns -= to_ns(now);
    if (ns <= 0) return 0;
  }
  if (ns == 0) return 0;
  const Expiry until = Expiry::after_ns(ns);
  if (const int e = sleep_in_fiber(ctx, ns, "clock_nanosleep")) {
    if (rem && !(flags & TIMER_ABSTIME)) *rem = from_ns(until.remaining_ns());
    return e;  // clock_nanosleep returns the error number
  }
  return 0;
}
}  // namespace

GROVE_HOOK_PUBLIC int clock_nanosleep(clockid_t clock, int flags, const timespec* req, timespec* rem) {
  if (!maybe_grove()) [[likely]]
    return real.clock_nanosleep(clock, flags, req, rem);
  return hooked_clock_nanosleep(clock, flags, req, rem);
}
