// watchdog.cpp — the monitor thread and its capture signal (debug/watchdog.hpp).

#include <grove/debug/watchdog.hpp>

#include <grove/errors.hpp>
#include <grove/log.hpp>
#include <grove/detail/hub_registry.hpp>
#include <grove/detail/scheduler.hpp>

#include <execinfo.h>
#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace grove::debug {

namespace {

// Capture is filled by the signal handler on the blocked hub's thread: only
// plain copies, backtrace() (primed before the first signal, so it does not
// load libgcc in the handler) and one atomic store.
struct Capture {
  std::atomic<int> state{0};  // 0 idle, 1 asked, 2 answered
  bool has_hub = false;
  bool in_fiber = false;
  std::uint64_t fiber_id = 0;
  char name[96] = {};
  const char* file = "";
  std::uint32_t line = 0;
  const char* function = "";
  void* frames[64] = {};
  int depth = 0;
};
Capture capture;
std::atomic<bool> watchdog_exists{false};

void on_capture_signal(int) {
  const int saved_errno = errno;
  if (capture.state.load(std::memory_order_acquire) == 1) {
    if (const detail::Scheduler* s = detail::tls_scheduler) {
      const detail::FiberBase* f = s->current();
      capture.has_hub = true;
      capture.in_fiber = !s->in_hub_context();
      capture.fiber_id = f->id;
      capture.name[0] = '\0';
      if (f->extras) {
        const std::string& n = f->extras->name;
        const std::size_t len = std::min(n.size(), sizeof capture.name - 1);
        std::memcpy(capture.name, n.data(), len);
        capture.name[len] = '\0';
      }
      capture.file = f->stats.spawn_site.file_name();
      capture.line = f->stats.spawn_site.line();
      capture.function = f->stats.spawn_site.function_name();
    }
    capture.depth = ::backtrace(capture.frames, 64);
    capture.state.store(2, std::memory_order_release);
  }
  errno = saved_errno;
}

struct Watched {
  std::uint64_t turns = 0;
  std::chrono::steady_clock::time_point since{};  // when turns last moved (or the hub slept)
  std::chrono::steady_clock::time_point last_report{};
  bool reported = false;  // this stall was reported
  bool counted = false;   // this stall was counted (blocked_events)
  bool seen = false;
};

// Stalls seen so far, by hub number, whether reported or rate-limited.
std::mutex blocked_mutex;
std::map<std::uint64_t, std::uint64_t>& blocked_counts() {
  static std::map<std::uint64_t, std::uint64_t> counts;
  return counts;
}

}  // namespace

std::string BlockedReport::to_string() const {
  std::ostringstream out;
  out << "grove: hub " << hub << " (thread " << thread << ") has not turned its loop for "
      << std::chrono::duration_cast<std::chrono::milliseconds>(blocked_for).count() << " ms";
  if (!captured) {
    out << "; its thread did not answer the capture signal (no fiber or stack known)";
    return out.str();
  }
  if (in_fiber) {
    out << ": fiber " << fiber_id << " '" << fiber_name << "' is running";
    if (spawn_line != 0) out << " (spawned at " << spawn_file << ':' << spawn_line << " in " << spawn_function << ')';
  } else {
    out << ": the hub's own context is running (an Asio handler or timer callback)";
  }
  if (!stack.empty()) {
    out << "\n  hub thread stack:";
    for (const std::string& frame : stack) out << "\n    " << frame;
  }
  return out.str();
}

struct Watchdog::State {
  WatchdogConfig config;
  int signo = 0;
  struct sigaction previous {};
  std::mutex mutex;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::atomic<std::uint64_t> reports{0};
  std::map<std::uint64_t, Watched> hubs;  // by hub number
  std::thread thread;

  void run() {
    const auto period = std::max<Duration>(config.threshold / 5, std::chrono::milliseconds(1));
    std::unique_lock lock(mutex);
    while (!stop_cv.wait_for(lock, period, [&] { return stopping; })) {
      lock.unlock();
      check();
      lock.lock();
    }
  }

  void check() {
    const auto now = std::chrono::steady_clock::now();
    std::vector<BlockedReport> found;
    {
      detail::LockedHubs locked;
      std::map<std::uint64_t, Watched> alive;
      for (detail::Scheduler* s : locked.hubs()) {
        Watched w = hubs.count(s->number()) ? hubs[s->number()] : Watched{};
        const std::uint64_t turns = s->loop_turns();
        if (!w.seen || turns != w.turns || s->asleep()) {
          w.seen = true;
          w.turns = turns;
          w.since = now;
          w.reported = false;
          w.counted = false;
        } else if (now - w.since > config.threshold) {
          if (!w.counted) {
            w.counted = true;
            const std::lock_guard guard(blocked_mutex);
            ++blocked_counts()[s->number()];
          }
          if (!w.reported && (w.last_report == std::chrono::steady_clock::time_point{} ||
                              now - w.last_report >= config.min_interval)) {
            w.reported = true;
            w.last_report = now;
            found.push_back(capture_hub(*s, now - w.since));
          }
        }
        alive[s->number()] = w;
      }
      hubs = std::move(alive);
    }
    for (const BlockedReport& r : found) {
      reports.fetch_add(1, std::memory_order_relaxed);
      try {
        if (config.on_loop_blocked) config.on_loop_blocked(r);
        else grove::logger()->warn("{}", r.to_string());
      } catch (...) {
        // a report handler that throws loses that report, not the watchdog
      }
    }
  }

  // capture_hub(s, blocked) asks s's thread (the registry lock is held: s
  // and its thread live) for its running fiber and stack.
  BlockedReport capture_hub(const detail::Scheduler& s, Duration blocked) {
    BlockedReport r;
    r.hub = s.number();
    std::ostringstream thread;
    thread << s.thread();
    r.thread = thread.str();
    r.blocked_for = blocked;
    if (!config.capture_stack) return r;
    capture.has_hub = false;
    capture.depth = 0;
    capture.state.store(1, std::memory_order_release);
    if (::pthread_kill(static_cast<pthread_t>(s.native_thread()), signo) != 0) {
      capture.state.store(0);
      return r;
    }
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    while (capture.state.load(std::memory_order_acquire) != 2 && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    // A late answer after this store finds state 0 and writes nothing.
    if (capture.state.exchange(0, std::memory_order_acq_rel) != 2) return r;
    r.captured = capture.has_hub;
    r.in_fiber = capture.in_fiber;
    r.fiber_id = capture.fiber_id;
    r.fiber_name = capture.name[0] ? capture.name : "Fiber-" + std::to_string(capture.fiber_id);
    r.spawn_file = capture.file;
    r.spawn_line = capture.line;
    r.spawn_function = capture.function;
    if (capture.depth > 0) {
      char** symbols = ::backtrace_symbols(capture.frames, capture.depth);
      if (symbols) {
        // Frame 0 is the handler, frame 1 the kernel's signal trampoline.
        for (int i = 2; i < capture.depth; ++i) r.stack.emplace_back(symbols[i]);
        std::free(symbols);  // NOLINT(cppcoreguidelines-no-malloc): backtrace_symbols' contract
      }
    }
    return r;
  }
};

Watchdog::Watchdog(WatchdogConfig config) : state_(std::make_unique<State>()) {
  if (config.threshold <= Duration::zero())
    throw UsageError("grove::debug::Watchdog: the threshold must be positive (e.g. 100 ms)");
  if (watchdog_exists.exchange(true))
    throw UsageError("grove::debug::Watchdog: one already runs in this process; destroy it first");
  state_->config = std::move(config);
  state_->signo = state_->config.stack_signal ? state_->config.stack_signal : SIGRTMIN + 2;
  if (state_->config.capture_stack) {
    void* prime[1];
    (void)::backtrace(prime, 1);  // loads the unwinder now, not in the handler
    struct sigaction action {};
    action.sa_handler = &on_capture_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(state_->signo, &action, &state_->previous);
  }
  state_->thread = std::thread([s = state_.get()] { s->run(); });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->stop_cv.notify_all();
  state_->thread.join();
  if (state_->config.capture_stack) ::sigaction(state_->signo, &state_->previous, nullptr);
  watchdog_exists.store(false);
}

std::map<std::uint64_t, std::uint64_t> blocked_events() {
  const std::lock_guard guard(blocked_mutex);
  return blocked_counts();
}

std::uint64_t Watchdog::reports() const noexcept { return state_->reports.load(std::memory_order_relaxed); }

}  // namespace grove::debug
