// hook_core.cpp — libgrove_hook.so's set-up (the real functions, the
// bridge to the program's grove, GROVE_HOOK) and the waiting helpers every
// interposed call shares (src/hook_core.hpp).

#include "src/hook_core.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

// The program's grove, if any (io/hook_bridge.cpp); null without grove.
extern "C" __attribute__((weak)) const grove_hook_bridge grove_hook_bridge_v1;

namespace grove::hook::detail {

Real real{};
std::atomic<long> tls_offset{0};
const grove_hook_bridge* bridge = nullptr;

namespace {

// null_slot is read by the fast path when the hook is off: it stays null.
__attribute__((tls_model("initial-exec"))) thread_local void* null_slot = nullptr;
pthread_once_t once = PTHREAD_ONCE_INIT;
bool active = false;

template <class F>
void resolve(F& slot, const char* name) noexcept {
  slot = reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

void setup_once() noexcept {
  resolve(real.close, "close");
  resolve(real.dup2, "dup2");
  resolve(real.dup3, "dup3");
  resolve(real.fcntl, "fcntl");
  resolve(real.connect, "connect");
  resolve(real.accept, "accept");
  resolve(real.accept4, "accept4");
  resolve(real.read, "read");
  resolve(real.write, "write");
  resolve(real.readv, "readv");
  resolve(real.writev, "writev");
  resolve(real.recv, "recv");
  resolve(real.recvfrom, "recvfrom");
  resolve(real.recvmsg, "recvmsg");
  resolve(real.send, "send");
  resolve(real.sendto, "sendto");
  resolve(real.sendmsg, "sendmsg");
  resolve(real.poll, "poll");
  resolve(real.select, "select");
  resolve(real.epoll_wait, "epoll_wait");
  resolve(real.sleep, "sleep");
  resolve(real.usleep, "usleep");
  resolve(real.nanosleep, "nanosleep");
  resolve(real.clock_nanosleep, "clock_nanosleep");
  resolve(real.getaddrinfo, "getaddrinfo");
  resolve(real.getnameinfo, "getnameinfo");
  resolve(real.gethostbyname, "gethostbyname");
  resolve(real.gethostbyname_r, "gethostbyname_r");

  const char* env = std::getenv("GROVE_HOOK");
  const bool off = env && std::strcmp(env, "0") == 0;
  const grove_hook_bridge* b = &grove_hook_bridge_v1;
  if (!off && b && b->version == GROVE_HOOK_BRIDGE_VERSION) {
    bridge = b;
    active = true;
    tls_offset.store(b->scheduler_tls_offset(), std::memory_order_relaxed);
  } else {
    const char* tp = static_cast<const char*>(__builtin_thread_pointer());
    tls_offset.store(reinterpret_cast<const char*>(&null_slot) - tp, std::memory_order_relaxed);
  }
}

// Set up as the library loads (before main), so that the fast path is
// ready before the program's first call; where() covers calls made even
// earlier (another library's constructor).
__attribute__((constructor)) void setup_at_load() { ::pthread_once(&once, setup_once); }

}  // namespace

int where() noexcept {
  ::pthread_once(&once, setup_once);
  if (!active) return GROVE_HOOK_NONE;
  return bridge->context();
}

int refuse(const char* call) noexcept {
  bridge->misuse(call);
  errno = EDEADLK;
  return -1;
}

bool user_nonblocking(int fd) noexcept {
  const int saved = errno;
  const int flags = real.fcntl(fd, F_GETFL);
  errno = saved;
  return flags < 0 || (flags & O_NONBLOCK) != 0;
}

namespace {
long long now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}
}  // namespace

Expiry Expiry::after_ns(long long ns) noexcept {
  Expiry e;
  if (ns >= 0) e.at_ns = now_ns() + ns;
  return e;
}

Expiry Expiry::socket_option(int fd, int optname) noexcept {
  const int saved = errno;
  timeval tv{};
  socklen_t len = sizeof tv;
  Expiry e;
  if (::getsockopt(fd, SOL_SOCKET, optname, &tv, &len) == 0 && (tv.tv_sec > 0 || tv.tv_usec > 0))
    e = after_ns(static_cast<long long>(tv.tv_sec) * 1000000000LL + static_cast<long long>(tv.tv_usec) * 1000LL);
  errno = saved;
  return e;
}

long long Expiry::remaining_ns() const noexcept {
  if (at_ns < 0) return -1;
  const long long left = at_ns - now_ns();
  return left > 0 ? left : 0;
}

bool park(int fd, short events, const Expiry& expiry, int timeout_errno) noexcept {
  pollfd p{fd, events, 0};
  const int r = bridge->wait(&p, 1, expiry.remaining_ns());
  if (r < 0) return false;
  if (r == 0) {
    errno = timeout_errno;
    return false;
  }
  if (p.revents & POLLNVAL) {
    errno = EBADF;
    return false;
  }
  return true;
}

int poll_fds(pollfd* fds, nfds_t n, const Expiry& expiry) noexcept {
  for (;;) {
    const int r = real.poll(fds, n, 0);
    if (r != 0) return r;
    const long long left = expiry.remaining_ns();
    if (left == 0) return 0;
    const int w = bridge->wait(fds, n, left);
    if (w <= 0) return w;  // timed out (0) or interrupted (-1, errno)
    // Something woke: the real poll reports it (a closed descriptor is
    // POLLNVAL there too); readiness someone else consumed waits again.
  }
}

}  // namespace grove::hook::detail

namespace grove::hook {

// enabled() is declared in <grove/hook.hpp> (not included here: the
// library is built without grove's headers beyond the bridge's).
__attribute__((visibility("default"))) bool enabled() noexcept;
bool enabled() noexcept {
  (void)detail::where();
  return detail::active;
}

}  // namespace grove::hook

GROVE_HOOK_PUBLIC int grove_hook_set_resolver_threads(unsigned long n) {
  if (grove::hook::detail::where() == GROVE_HOOK_NONE && !grove::hook::detail::bridge) {
    errno = ENOSYS;
    return -1;
  }
  return grove::hook::detail::bridge->set_resolver_threads(n);
}
