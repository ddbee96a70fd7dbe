#pragma once
// detail/hook_bridge.hpp — the C interface between libgrove_hook.so (the
// libc interposer, hook/) and the grove linked into the program. The hook
// holds no copy of grove: a second copy would have its own hub pointer and
// its own Asio services. It finds the program's grove through the one
// exported symbol grove_hook_bridge_v1 (io/hook_bridge.cpp; grove::io links
// it into every program and exports it), and a program without grove (curl
// under LD_PRELOAD) has none: every hooked call is then the plain libc call.
// docs/hook.md explains the whole design.
//
// Every function is called on the hub's thread while tls_scheduler is set;
// none throws. The ones that may park return -1 with errno ETIMEDOUT (a
// grove::Timeout came), ECANCELED (another interrupt: kill, a link's exit)
// or EDEADLK (LoopExit) when an interrupt ends them; the interrupt itself
// stays pending on the fiber (docs/hook.md, "Timeouts and kills").

#include <poll.h>

extern "C" {

struct grove_hook_bridge {
  unsigned version;  // GROVE_HOOK_BRIDGE_VERSION
  // scheduler_tls_offset() is where detail::tls_scheduler lives, relative
  // to the thread pointer: the same for every thread while grove is linked
  // into the program or a library loaded at start-up (static TLS).
  long (*scheduler_tls_offset)();
  // context() is GROVE_HOOK_FIBER in a fiber, GROVE_HOOK_HUB in the hub's
  // own context (an Asio handler), GROVE_HOOK_NONE without a hub.
  int (*context)();
  // wait(fds, n, timeout_ns) parks the fiber until one of fds is ready as
  // poll(2) would report it (revents filled: POLLIN/POLLOUT, or POLLNVAL
  // for a descriptor closed meanwhile through the hook), the timeout
  // passes (-1: none; returns 0) or an interrupt comes (-1, errno). It
  // watches duplicates of the descriptors, never changes their flags.
  int (*wait)(pollfd* fds, unsigned long n, long long timeout_ns);
  // sleep(ns) is this_fiber::sleep: 0, or -1 with errno on an interrupt.
  int (*sleep)(long long ns);
  // closing(fd) wakes this hub's fibers waiting on fd with POLLNVAL; the
  // hook calls it before the descriptor is really closed.
  void (*closing)(int fd);
  // offload(fn, arg, abandon) runs fn(arg) on the hook's ThreadPool while
  // the fiber waits: 0 when fn has run; -1 with errno when an interrupt
  // came first, and then the worker calls abandon(arg) once fn is done.
  int (*offload)(void (*fn)(void*), void* arg, void (*abandon)(void*));
  // misuse(call) logs a blocking call made from the hub's own context.
  void (*misuse)(const char* call);
  // set_resolver_threads(n) sizes the offload pool (default 10, or the
  // GROVE_HOOK_RESOLVER_THREADS environment variable); 0 on success.
  int (*set_resolver_threads)(unsigned long n);
};

}  // extern "C"

#define GROVE_HOOK_BRIDGE_VERSION 1u
#define GROVE_HOOK_NONE 0
#define GROVE_HOOK_FIBER 1
#define GROVE_HOOK_HUB 2
