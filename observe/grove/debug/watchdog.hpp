#pragma once
// debug/watchdog.hpp — the watchdog: a monitor thread that notices a hub
// whose loop has not turned for longer than a threshold (a fiber computing
// without yielding, a blocking system call), as gevent's max_blocking_time
// monitor does. docs/observability.md, "The watchdog".
//
//   grove::debug::Watchdog dog({.threshold = std::chrono::milliseconds(100)});
//
// Off unless a Watchdog exists. It watches every hub of the process (the
// hub registry, detail/hub_registry.hpp): every threshold/5 it reads each
// hub's loop-turn counter; a hub that is not waiting for events and whose
// counter has not moved for longer than the threshold is blocked. It then
// asks the hub's thread, by a signal (stack_signal), for the running
// fiber's id, name and spawn site and the thread's stack (backtrace(3),
// taken in the handler on the hub thread itself), and reports through
// on_loop_blocked on the monitor thread: once per stall, and at most once
// per min_interval per hub. The hub's own work pays nothing but the loop
// counter it always keeps.

#include <grove/duration.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace grove::debug {

// BlockedReport is what the watchdog tells of one stall.
struct BlockedReport {
  std::uint64_t hub = 0;  // Scheduler::number (the dump's "hub")
  std::string thread;     // the hub's OS thread id
  Duration blocked_for{};
  // captured: the hub thread answered the signal. When false (it did not
  // within 50 ms, e.g. under a sanitizer that defers signals) the fields
  // below are empty.
  bool captured = false;
  bool in_fiber = false;  // false: the hub's own context (an Asio handler, a timer callback)
  std::uint64_t fiber_id = 0;
  std::string fiber_name;
  std::string spawn_file;
  std::uint32_t spawn_line = 0;
  std::string spawn_function;
  std::vector<std::string> stack;  // backtrace_symbols(3) lines, innermost first
  // to_string() is the multi-line text the default handler logs.
  [[nodiscard]] std::string to_string() const;
};

struct WatchdogConfig {
  Duration threshold = std::chrono::milliseconds(100);
  Duration min_interval = std::chrono::seconds(10);  // per hub, between reports
  // on_loop_blocked runs on the monitor thread; empty: a warning on the
  // "grove" logger (grove/log.hpp). It must not block for long: the
  // monitor checks nothing else meanwhile.
  std::function<void(const BlockedReport&)> on_loop_blocked{};
  bool capture_stack = true;  // false: no signal; the report names no fiber
  // stack_signal is the signal sent to a blocked hub's thread; 0: SIGRTMIN + 2.
  int stack_signal = 0;
};

// blocked_events() counts, per hub number, the stalls any Watchdog of the
// process has seen (each stall once, whether reported or rate-limited);
// hubs never seen blocked are absent. Any thread (grove_hub_blocked_total,
// debug/metrics.hpp).
std::map<std::uint64_t, std::uint64_t> blocked_events();

// Watchdog runs the monitor thread from construction to destruction. One at
// a time per process (a second one is a UsageError).
class Watchdog {
 public:
  explicit Watchdog(WatchdogConfig config = {});
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // reports() counts the reports made so far.
  [[nodiscard]] std::uint64_t reports() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace grove::debug
