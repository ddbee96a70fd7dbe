// hook_bridge.cpp — grove's side of libgrove_hook.so (detail/hook_bridge.hpp):
// the waits, the sleep and the resolver pool that the interposed libc
// calls park on, exported as the one C symbol grove_hook_bridge_v1.
//
// wait() watches duplicates of the caller's descriptors (F_DUPFD_CLOEXEC),
// each through a posix::stream_descriptor of its own that is closed when
// the wait ends: a duplicate can always be registered with the reactor (a
// grove socket or another waiter may have the original registered), and
// closing the original meanwhile (closing()) cannot disturb the reactor.

#include <grove/hub.hpp>
#include <grove/thread_pool.hpp>
#include <grove/timeout.hpp>
#include <grove/detail/hook_bridge.hpp>
#include <grove/detail/interrupt_queue.hpp>
#include <grove/detail/op_waiter.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <chrono>
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
  std::vector<short> revents;
  std::vector<int> fds;  // the caller's descriptors (for closing())
  std::vector<std::unique_ptr<asio::posix::stream_descriptor>> watches;
  void fire(std::size_t i, short bits) noexcept {
    if (!waiter) return;
    revents[i] = static_cast<short>(revents[i] | bits);
    if (!waiter->done()) waiter->complete();
  }
};

// The fibers of this thread's hub waiting in wait(), by descriptor.
thread_local std::unordered_multimap<int, WaitState*> waiting;

void watch(const std::shared_ptr<WaitState>& st, std::size_t i, asio::posix::stream_descriptor& d, bool write) {
  d.async_wait(write ? asio::posix::descriptor_base::wait_write : asio::posix::descriptor_base::wait_read,
               [st, i, write](const boost::system::error_code& ec) {
                 if (ec == asio::error::operation_aborted) return st->fire(i, 0);
                 st->fire(i, ec ? POLLERR : write ? POLLOUT : POLLIN);
               });
}

int wait_fds(pollfd* fds, unsigned long n, long long timeout_ns) noexcept {
  Scheduler& s = *tls_scheduler;
  if (int e = pending_errno(s)) return fail(e);
  auto st = std::make_shared<WaitState>();
  bool ready = false;
  try {
    st->revents.assign(n, 0);
    st->fds.resize(n, -1);
    st->watches.resize(n);
    for (unsigned long i = 0; i < n; ++i) {
      fds[i].revents = 0;
      if (fds[i].fd < 0) continue;
      const int dup = ::fcntl(fds[i].fd, F_DUPFD_CLOEXEC, 0);
      if (dup < 0) {
        st->revents[i] = POLLNVAL;
        ready = true;
        continue;
      }
      auto d = std::make_unique<asio::posix::stream_descriptor>(s.io());
      boost::system::error_code ec;
      d->assign(dup, ec);
      if (ec) {
        // The reactor cannot watch it (a regular file): poll(2) calls
        // such a descriptor ready.
        ::close(dup);
        st->revents[i] = static_cast<short>(fds[i].events & (POLLIN | POLLOUT));
        ready = true;
        continue;
      }
      st->fds[i] = fds[i].fd;
      if (fds[i].events & (POLLIN | POLLPRI | POLLRDHUP)) watch(st, i, *d, false);
      if (fds[i].events & POLLOUT) watch(st, i, *d, true);
      if (!(fds[i].events & (POLLIN | POLLPRI | POLLRDHUP | POLLOUT))) {
        d->async_wait(asio::posix::descriptor_base::wait_error, [st, i](const boost::system::error_code& ec) {
          st->fire(i, ec == asio::error::operation_aborted ? 0 : POLLERR);
        });
      }
      st->watches[i] = std::move(d);
    }
  } catch (...) {
    return fail(ENOMEM);
  }
  int result = 0;
  if (!ready) {
    for (unsigned long i = 0; i < n; ++i)
      if (st->fds[i] >= 0) waiting.emplace(st->fds[i], st.get());
    OpWaiter w(s);
    st->waiter = &w;
    const TimePoint deadline = timeout_ns < 0 ? TimePoint::max() : s.now() + std::chrono::nanoseconds(timeout_ns);
    OpWaiter::Outcome outcome = OpWaiter::Outcome::completed;
    try {
      outcome = w.wait(deadline, "a hooked libc call", [&st] {
        for (auto& d : st->watches)
          if (d) d->cancel();
      });
    } catch (...) {
      outcome = OpWaiter::Outcome::interrupted;  // LoopExit: nothing can wake it
      s.requeue_interrupt(std::current_exception());
    }
    st->waiter = nullptr;
    for (unsigned long i = 0; i < n; ++i) {
      auto [b, e] = waiting.equal_range(st->fds[i]);
      for (auto it = b; it != e; ++it)
        if (it->second == st.get()) {
          waiting.erase(it);
          break;
        }
    }
    if (outcome == OpWaiter::Outcome::interrupted) {
      bool any = false;
      for (short r : st->revents) any = any || r != 0;
      if (!any) result = fail(pending_errno(s));
    }
  }
  // Closing the duplicates aborts the other watches; their handlers find
  // no waiter and only drop their share of st.
  for (auto& d : st->watches)
    if (d) {
      boost::system::error_code ignored;
      d->close(ignored);
    }
  if (result < 0) return result;
  for (unsigned long i = 0; i < n; ++i) {
    fds[i].revents = st->revents[i];
    if (st->revents[i]) ++result;
  }
  return result;
}

void closing(int fd) noexcept {
  auto [b, e] = waiting.equal_range(fd);
  std::vector<WaitState*> hit;
  for (auto it = b; it != e; ++it) hit.push_back(it->second);
  for (WaitState* st : hit)
    for (std::size_t i = 0; i < st->fds.size(); ++i)
      if (st->fds[i] == fd) st->fire(i, POLLNVAL);
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
    spdlog::error(
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
extern const grove_hook_bridge grove_hook_bridge_v1;
__attribute__((visibility("default"))) const grove_hook_bridge grove_hook_bridge_v1 = {
    GROVE_HOOK_BRIDGE_VERSION, &grove::detail::tls_offset, &grove::detail::context,
    &grove::detail::wait_fds,  &grove::detail::sleep_ns,   &grove::detail::closing,
    &grove::detail::offload,   &grove::detail::misuse,     &grove::detail::set_resolver_threads,
};
}
