#pragma once
// hook.hpp — grove::hook, gevent's monkey.patch_all() for C++: with
// libgrove_hook.so loaded (LD_PRELOAD=libgrove_hook.so, or linked first:
// target grove::hook), ordinary blocking libc calls made in a fiber —
// sockets, poll/select/epoll_wait, sleep, getaddrinfo — park that fiber
// instead of the hub, so unmodified blocking libraries (libpq, hiredis,
// libcurl) run concurrently:
//
//   grove::spawn([] { int s = socket(AF_INET, SOCK_STREAM, 0);
//                     connect(s, ...); recv(s, buf, n, 0); });   // green
//
// Outside a fiber, and on threads without a hub, every call is the plain
// libc call. The coverage table, the contract of each call (Timeout inside
// a hooked call, calls from the hub's own context) and the limits are in
// docs/hook.md.

#include <grove/errors.hpp>
#include <grove/hub.hpp>

#include <cstddef>
#include <string>

extern "C" int grove_hook_set_resolver_threads(unsigned long n);

namespace grove::hook {

// enabled() is true when libgrove_hook is loaded into a program that has
// grove and the environment variable GROVE_HOOK is not "0" (read once, at
// start-up): the hooked calls are then green in fibers.
bool enabled() noexcept;

// set_resolver_threads(n) sizes the ThreadPool on which getaddrinfo,
// getnameinfo and gethostbyname(_r) run for fibers (default 10, or the
// environment variable GROVE_HOOK_RESOLVER_THREADS). 0 is a UsageError.
inline void set_resolver_threads(std::size_t n) {
  if (n == 0 || n > 1024)
    throw UsageError("grove::hook::set_resolver_threads: give between 1 and 1024 threads, not " + std::to_string(n));
  if (grove_hook_set_resolver_threads(n) != 0)
    throw UsageError("grove::hook::set_resolver_threads: libgrove_hook finds no grove in this program");
}

// checkpoint() raises the running fiber's pending interrupt, if any. A
// grove::Timeout (or kill) that comes while a hooked call is parked ends
// that call with -1 and errno ETIMEDOUT (ECANCELED for other interrupts)
// and stays pending — C libraries cannot unwind an exception — so call
// checkpoint() (or any grove call that may suspend) right after the
// library call to receive it inside the Timeout's scope.
inline void checkpoint() {
  if (::grove::detail::tls_scheduler) ::grove::detail::tls_scheduler->raise_pending();
}

}  // namespace grove::hook
