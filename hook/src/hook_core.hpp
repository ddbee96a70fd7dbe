#pragma once
// hook_core.hpp — what every interposed function of libgrove_hook.so shares:
// the real libc functions (dlsym(RTLD_NEXT)), the fast path that decides in
// one thread-local load whether grove may be involved, and the helpers of
// the slow path. docs/hook.md describes the contract of each call.
//
// The fast path reads the program's grove::detail::tls_scheduler through
// its offset from the thread pointer (the bridge reports it once). Before
// the first call has set things up the offset is 0, which reads the
// thread control block's self-pointer (never null): the call takes the
// slow path, which sets up and asks again. When grove is absent or
// GROVE_HOOK=0, the offset is that of a thread-local of the hook's own that
// stays null, so every call is the plain one.

#include <grove/detail/hook_bridge.hpp>

#include <netdb.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include <atomic>

namespace grove::hook::detail {

// The real libc functions, resolved on first use (setup()).
struct Real {
  int (*close)(int);
  int (*dup2)(int, int);
  int (*dup3)(int, int, int);
  int (*fcntl)(int, int, ...);
  int (*connect)(int, const sockaddr*, socklen_t);
  int (*accept)(int, sockaddr*, socklen_t*);
  int (*accept4)(int, sockaddr*, socklen_t*, int);
  ssize_t (*read)(int, void*, size_t);
  ssize_t (*write)(int, const void*, size_t);
  ssize_t (*readv)(int, const iovec*, int);
  ssize_t (*writev)(int, const iovec*, int);
  ssize_t (*recv)(int, void*, size_t, int);
  ssize_t (*recvfrom)(int, void*, size_t, int, sockaddr*, socklen_t*);
  ssize_t (*recvmsg)(int, msghdr*, int);
  ssize_t (*send)(int, const void*, size_t, int);
  ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
  ssize_t (*sendmsg)(int, const msghdr*, int);
  int (*poll)(pollfd*, nfds_t, int);
  int (*select)(int, fd_set*, fd_set*, fd_set*, timeval*);
  int (*epoll_wait)(int, epoll_event*, int, int);
  unsigned (*sleep)(unsigned);
  int (*usleep)(useconds_t);
  int (*nanosleep)(const timespec*, timespec*);
  int (*clock_nanosleep)(clockid_t, int, const timespec*, timespec*);
  int (*getaddrinfo)(const char*, const char*, const addrinfo*, addrinfo**);
  int (*getnameinfo)(const sockaddr*, socklen_t, char*, socklen_t, char*, socklen_t, int);
  hostent* (*gethostbyname)(const char*);
  int (*gethostbyname_r)(const char*, hostent*, char*, size_t, hostent**, int*);
};

// real is filled by setup() before any fast path can use it.
extern Real real;
extern std::atomic<long> tls_offset;
extern const grove_hook_bridge* bridge;

// maybe_grove() is the fast path: false when this thread has no hub (or
// the hook is off), in one thread-local load.
inline bool maybe_grove() noexcept {
  const char* tp = static_cast<const char*>(__builtin_thread_pointer());
  return *reinterpret_cast<void* const*>(tp + tls_offset.load(std::memory_order_relaxed)) != nullptr;
}

// where() is the slow path's question: GROVE_HOOK_NONE, _FIBER or _HUB.
// It sets the hook up on first use.
int where() noexcept;

// refuse(call) is a call from the hub's own context that would block: it
// is logged, and fails with EDEADLK (returns -1).
int refuse(const char* call) noexcept;

// user_nonblocking(fd) tells whether the descriptor is in non-blocking
// mode as its owner set it (the hook never leaves its flags changed). A
// descriptor whose flags cannot be read counts as non-blocking: the real
// call then reports the error. errno is preserved.
bool user_nonblocking(int fd) noexcept;

inline bool would_block(int e) noexcept { return e == EAGAIN || e == EWOULDBLOCK; }

// Expiry is an optional deadline on CLOCK_MONOTONIC (SO_RCVTIMEO/SO_SNDTIMEO
// or a poll timeout).
struct Expiry {
  long long at_ns = -1;  // -1: none
  static Expiry after_ns(long long ns) noexcept;
  static Expiry socket_option(int fd, int optname) noexcept;  // SO_RCVTIMEO / SO_SNDTIMEO
  // remaining_ns() is -1 for none, else >= 0.
  long long remaining_ns() const noexcept;
};

// park(fd, events, expiry, timeout_errno) parks the fiber until fd is
// ready for events. It returns false with errno set when it is not:
// timeout_errno on expiry, EBADF when fd was closed meanwhile, or the
// interrupt's errno (ETIMEDOUT, ECANCELED).
bool park(int fd, short events, const Expiry& expiry, int timeout_errno) noexcept;

// poll_fds(fds, n, expiry) is poll(2) for a fiber: a real poll that does
// not block, then parks until something is ready.
int poll_fds(pollfd* fds, nfds_t n, const Expiry& expiry) noexcept;

}  // namespace grove::hook::detail

// GROVE_HOOK_PUBLIC marks the interposed functions (the library is built
// with hidden visibility).
#define GROVE_HOOK_PUBLIC extern "C" __attribute__((visibility("default")))
