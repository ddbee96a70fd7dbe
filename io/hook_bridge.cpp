// hook_bridge.cpp — grove's side of libgrove_hook.so (detail/hook_bridge.hpp):
// the waits, the sleep and the resolver pool that the interposed libc
// calls park on, exported as the one C symbol grove_hook_bridge_v1.
//
// wait() puts the caller's descriptors into a private epoll set and has the
// hub's reactor watch that set: the descriptors themselves are never
// registered with the reactor, whose async_wait would make them
// non-blocking (O_NONBLOCK belongs to the open file, shared with the
// owner), and which may have them registered already (a grove socket).

#include <grove/hub.hpp>
#include <grove/log.hpp>
#include <grove/this_fiber.hpp>
#include <grove/thread_pool.hpp>
#include <grove/timeout.hpp>
#include <grove/detail/hook_bridge.hpp>
#include <grove/detail/interrupt_queue.hpp>
#include <grove/detail/op_waiter.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace grove::detail {
namespace {

namespace asio = boost::asio;

// interrupt_errno(e) is what a hooked call reports for the interrupt e.
int interrupt_errno(const std::exception_ptr& e) noexcept {
  try {
    std::rethrow_exception(e);
  } catch (const Timeout&) {
    return ETIMEDOUT;
  } catch (const LoopExit&) {
    return EDEADLK;
  } catch (...) {
    return ECANCELED;
  }
}

// pending_errno(s) is the errno of the running fiber's next interrupt (0:
// none). The interrupt stays pending.
int pending_errno(Scheduler& s) noexcept {
  InterruptQueue q(*s.current());
  return q.empty() ? 0 : interrupt_errno(q.front());
}

// fail(e) sets errno and returns -1.
int fail(int e) noexcept {
  errno = e;
  return -1;
}

// ------------------------------------------------------------------ wait

struct WaitState {
  OpWaiter* waiter = nullptr;  // null once the fiber has left
  std::vector<short> revents;  // POLLNVAL from closing(); the rest from the epoll set
  std::vector<int> fds;        // the caller's descriptors (for closing())
  void fire() noexcept {
    if (waiter && !waiter->done()) waiter->complete();
  }
};

// The fibers of this thread's hub waiting in wait(), by descriptor.
thread_local std::unordered_multimap<int, WaitState*> waiting;

std::uint32_t epoll_events(short events) noexcept {
  std::uint32_t e = 0;
  if (events & POLLIN) e |= EPOLLIN;
  if (events & POLLPRI) e |= EPOLLPRI;
  if (events & POLLOUT) e |= EPOLLOUT;
  if (events & POLLRDHUP) e |= EPOLLRDHUP;
  return e;
}

short poll_events(std::uint32_t e) noexcept {
  short r = 0;
  if (e & EPOLLIN) r |= POLLIN;
  if (e & EPOLLPRI) r |= POLLPRI;
  if (e & EPOLLOUT) r |= POLLOUT;
  if (e & EPOLLRDHUP) r |= POLLRDHUP;
  if (e & EPOLLERR) r |= POLLERR;
  if (e & EPOLLHUP) r |= POLLHUP;
  return r;
}

// An EpollSet is a private epoll instance holding the caller's descriptors
// (level-triggered, as poll(2)); the hub's reactor watches the set itself,
// which is readable while any of them is ready. The caller's descriptors
// are never registered with the reactor: Asio would make them non-blocking.
struct EpollSet {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  EpollSet() = default;
  EpollSet(const EpollSet&) = delete;
  EpollSet& operator=(const EpollSet&) = delete;
  ~EpollSet() {
    if (fd >= 0) ::close(fd);
  }
};

int wait_fds(pollfd* fds, unsigned long n, long long timeout_ns) noexcept {
  Scheduler& s = *tls_scheduler;
  if (int e = pending_errno(s)) return fail(e);
  EpollSet set;
  if (set.fd < 0) return -1;
  auto st = std::make_shared<WaitState>();
  bool ready = false;
  try {
    st->revents.assign(n, 0);
    st->fds.assign(n, -1);
    for (unsigned long i = 0; i < n; ++i) {
      fds[i].revents = 0;
      if (fds[i].fd < 0) continue;
      epoll_event ev{};
      ev.events = epoll_events(fds[i].events);
      ev.data.u64 = i;
      if (::epoll_ctl(set.fd, EPOLL_CTL_ADD, fds[i].fd, &ev) == 0) {
        st->fds[i] = fds[i].fd;
      } else if (errno == EPERM) {
        // A regular file: poll(2) calls it ready.
        st->revents[i] = static_cast<short>(fds[i].events & (POLLIN | POLLOUT));
        ready = true;
      } else if (errno == EBADF) {
        st->revents[i] = POLLNVAL;
        ready = true;
      }  // EEXIST: the same descriptor twice; the first entry watches it
    }
  } catch (...) {
    return fail(ENOMEM);
  }
  asio::posix::stream_descriptor watch(s.io());
  if (!ready) {
    boost::system::error_code ec;
    watch.assign(set.fd, ec);
    if (ec) return fail(ec.value());
    for (unsigned long i = 0; i < n; ++i)
      if (st->fds[i] >= 0) waiting.emplace(st->fds[i], st.get());
    OpWaiter w(s);
    st->waiter = &w;
    watch.async_wait(asio::posix::descriptor_base::wait_read, [st](const boost::system::error_code&) { st->fire(); });
    const TimePoint deadline = timeout_ns < 0 ? TimePoint::max() : s.now() + std::chrono::nanoseconds(timeout_ns);
    OpWaiter::Outcome outcome = OpWaiter::Outcome::completed;
    try {
      outcome = w.wait(deadline, "a hooked libc call", [&watch] { watch.cancel(); });
    } catch (...) {
      outcome = OpWaiter::Outcome::interrupted;  // LoopExit: nothing can wake it
      s.requeue_interrupt(std::current_exception());
    }
    st->waiter = nullptr;
    for (unsigned long i = 0; i < n; ++i) {
      if (st->fds[i] < 0) continue;
      auto [b, e] = waiting.equal_range(st->fds[i]);
      for (auto it = b; it != e; ++it)
        if (it->second == st.get()) {
          waiting.erase(it);
          break;
        }
    }
    (void)watch.release();  // out of the reactor; ~EpollSet closes it
    if (outcome == OpWaiter::Outcome::interrupted) return fail(pending_errno(s));
  }
  int result = 0;
  std::vector<epoll_event> events;
  try {
    events.resize(n > 0 ? n : 1);
  } catch (...) {
    return fail(ENOMEM);
  }
  const int got = ::epoll_wait(set.fd, events.data(), static_cast<int>(events.size()), 0);
  for (int k = 0; k < got; ++k) {
    const auto i = static_cast<std::size_t>(events[k].data.u64);
    if (i < n) st->revents[i] = static_cast<short>(st->revents[i] | poll_events(events[k].events));
  }
  for (unsigned long i = 0; i < n; ++i) {
    fds[i].revents = st->revents[i];
    if (st->revents[i]) ++result;
  }
  return result;
}

void closing(int fd) noexcept {
  if (waiting.empty()) return;
  auto [b, e] = waiting.equal_range(fd);
  std::vector<WaitState*> hit;
  for (auto it = b; it != e; ++it) hit.push_back(it->second);
  waiting.erase(fd);
  for (WaitState* st : hit)
    for (std::size_t i = 0; i < st->fds.size(); ++i)
      if (st->fds[i] == fd) {
        st->revents[i] = POLLNVAL;
        st->fds[i] = -2;  // closed: not in the epoll set any more
        st->fire();
      }
}

// ----------------------------------------------------------------- sleep

int sleep_ns(long long ns) noexcept {
  Scheduler& s = *tls_scheduler;
  if (int e = pending_errno(s)) return fail(e);
  std::exception_ptr interrupt;
  try {
    this_fiber::sleep_until(s.now() + std::chrono::nanoseconds(ns));
    return 0;
  } catch (...) {
    interrupt = std::current_exception();
  }
  s.requeue_interrupt(interrupt);
  return fail(interrupt_errno(interrupt));
}

// ---------------------------------------------------------------- offload

// The pool is made on first use and made again in a forked child, whose
// copy of it has no worker threads. It is never destroyed: a worker may be
// inside getaddrinfo when the process exits.
std::mutex pool_mutex;
ThreadPool* pool = nullptr;
std::size_t pool_size = 0;

void forget_pool_in_child() noexcept { pool = nullptr; }

ThreadPool& offload_pool() {
  std::lock_guard<std::mutex> lock(pool_mutex);
  if (!pool) {
    static const bool registered = [] { return ::pthread_atfork(nullptr, nullptr, forget_pool_in_child) == 0; }();
    (void)registered;
    if (pool_size == 0) {
      pool_size = 10;
      if (const char* env = std::getenv("GROVE_HOOK_RESOLVER_THREADS")) {
        const long v = std::strtol(env, nullptr, 10);
        if (v > 0 && v <= 1024) pool_size = static_cast<std::size_t>(v);
      }
    }
    pool = new ThreadPool(pool_size);  // NOLINT(cppcoreguidelines-owning-memory): never destroyed, see above
  }
  return *pool;
}

struct OffloadJob {
  void (*fn)(void*);
  void* arg;
  void (*abandon)(void*);
  std::atomic<int> state{0};  // 0 running, 1 done, 2 abandoned
};

int offload(void (*fn)(void*), void* arg, void (*abandon)(void*)) noexcept {
  Scheduler& s = *tls_scheduler;
  if (int e = pending_errno(s)) return fail(e);
  std::shared_ptr<OffloadJob> job;
  std::optional<AsyncResult<void>> done;
  try {
    job = std::make_shared<OffloadJob>();
    job->fn = fn;
    job->arg = arg;
    job->abandon = abandon;
    done = offload_pool().spawn([job] {
      job->fn(job->arg);
      if (job->state.exchange(1) == 2) job->abandon(job->arg);
    });
  } catch (...) {
    return fail(ENOMEM);
  }
  std::exception_ptr interrupt;
  try {
    done->get();
    return 0;
  } catch (...) {
    interrupt = std::current_exception();
  }
  s.requeue_interrupt(interrupt);
  // What has run is never lost: a job that finished meanwhile counts.
  if (job->state.exchange(2) == 1) return 0;
  return fail(interrupt_errno(interrupt));
}

int set_resolver_threads(unsigned long n) noexcept {
  if (n == 0 || n > 1024) return fail(EINVAL);
  try {
    std::lock_guard<std::mutex> lock(pool_mutex);
    pool_size = n;
    if (pool) pool->set_maxsize(n);
    return 0;
  } catch (...) {
    return fail(ENOMEM);
  }
}

// ------------------------------------------------------------------- misc

long tls_offset() noexcept {
  return reinterpret_cast<char*>(&tls_scheduler) - static_cast<char*>(__builtin_thread_pointer());
}

int context() noexcept {
  Scheduler* s = tls_scheduler;
  if (!s) return GROVE_HOOK_NONE;
  return s->in_hub_context() ? GROVE_HOOK_HUB : GROVE_HOOK_FIBER;
}

void misuse(const char* call) noexcept {
  thread_local int reported = 0;
  if (reported >= 10) return;
  ++reported;
  try {
    grove::logger()->error(
        "grove::hook: {} would block the hub's own context (an Asio handler, not a fiber); it failed with "
        "EDEADLK. Make the call from a fiber (grove::spawn) or on a non-blocking descriptor (docs/hook.md)",
        call);
  } catch (...) {
  }
}

}  // namespace
}  // namespace grove::detail

// The one exported symbol (io/CMakeLists.txt exports it from every program
// that links grove::io).
extern "C" {
extern __attribute__((visibility("default"))) const grove_hook_bridge grove_hook_bridge_v1;
const grove_hook_bridge grove_hook_bridge_v1 = {
    GROVE_HOOK_BRIDGE_VERSION, &grove::detail::tls_offset, &grove::detail::context,
    &grove::detail::wait_fds,  &grove::detail::sleep_ns,   &grove::detail::closing,
    &grove::detail::offload,   &grove::detail::misuse,     &grove::detail::set_resolver_threads,
};
}
