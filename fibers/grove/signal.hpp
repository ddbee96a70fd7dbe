#pragma once
// signal.hpp — POSIX signals delivered as fibers (gevent.signal_handler),
// and GracefulShutdown, the usual way a server reacts to SIGTERM/SIGINT.
//
//   auto reload = grove::signal(SIGHUP, [&] { config.reload(); });  // each delivery: a new fiber
//
//   grove::GracefulShutdown gs({SIGTERM, SIGINT},
//                              {.grace = 5s, .stop_accepting = [&] { server.close(); }},
//                              workers);
//   gs.wait();   // main blocks here until a signal came and the workers are done
//
// Both are built on boost::asio::signal_set on the calling thread's hub and
// must be created and used on that thread.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/group.hpp>

#include <chrono>
#include <concepts>
#include <functional>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace grove {

// SignalHandler is the handle grove::signal() returns: while it lives and
// until cancel(), every delivery of its signal runs the handler in a new
// fiber (named "signal <n>"). Move-only; destroying it cancels.
class SignalHandler {
 public:
  SignalHandler() noexcept = default;
  SignalHandler(SignalHandler&&) noexcept = default;
  SignalHandler& operator=(SignalHandler&& other) noexcept {
    if (this != &other) {
      cancel();
      st_ = std::move(other.st_);
    }
    return *this;
  }
  ~SignalHandler() { cancel(); }

  // cancel() stops listening (the signal's previous disposition returns
  // once no handler listens); fibers already started keep running.
  void cancel() noexcept;
  // active() is true until cancel() or the hub's end.
  bool active() const noexcept;
  // signal_number() is the signal listened for (0 for an empty handle).
  int signal_number() const noexcept;

  struct State;

 private:
  friend SignalHandler signal(int signo, std::function<void(int)> handler);
  explicit SignalHandler(std::shared_ptr<State> st) noexcept : st_(std::move(st)) {}
  std::shared_ptr<State> st_;
};

// signal(signo, handler) runs handler(signo) in a new fiber on each
// delivery of signo, until the returned handle is cancelled or destroyed.
// It throws UsageError for an empty handler or a signal Asio cannot catch.
SignalHandler signal(int signo, std::function<void(int)> handler);
// signal(signo, handler) with a handler that takes no argument.
template <class F>
requires(std::invocable<F&> && !std::invocable<F&, int>) SignalHandler signal(int signo, F handler) {
  return signal(signo, std::function<void(int)>([h = std::move(handler)](int) mutable { h(); }));
}

// ShutdownOptions configures a GracefulShutdown.
struct ShutdownOptions {
  // grace is how long the group's fibers may take to finish before the
  // rest are killed.
  Duration grace = std::chrono::seconds(5);
  // stop_accepting is called first, in the shutdown fiber (close listening
  // sockets, stop feeding the group); it may block.
  std::function<void()> stop_accepting = nullptr;
};

// GracefulShutdown waits for the first of its signals (or trigger()), then
// in a fiber of its own: calls stop_accepting, waits up to grace for the
// group to empty, kills whatever is left, and marks itself done(). A second
// signal during the grace period kills the group at once. The group must
// outlive it; destroying it stops listening and abandons a shutdown in
// progress.
class GracefulShutdown {
 public:
  GracefulShutdown(std::vector<int> signals, ShutdownOptions options, Group& group);
  GracefulShutdown(std::initializer_list<int> signals, ShutdownOptions options, Group& group)
      : GracefulShutdown(std::vector<int>(signals), std::move(options), group) {}
  ~GracefulShutdown();
  GracefulShutdown(const GracefulShutdown&) = delete;
  GracefulShutdown& operator=(const GracefulShutdown&) = delete;

  // trigger() starts the shutdown as a signal would; it does not block.
  void trigger() { start(0); }
  // triggered() is true once it has started; done() once it has finished.
  bool triggered() const noexcept { return triggered_; }
  bool done() const noexcept { return done_.is_set(); }
  // signal_number() is the signal that started it (0: trigger(), or not yet).
  int signal_number() const noexcept { return signo_; }

  // wait() blocks until done(); wait(timeout) returns done() at the deadline.
  void wait() { done_.wait(); }
  // A negative or NaN duration is a UsageError naming GracefulShutdown::wait.
  [[nodiscard]] bool wait(Deadline timeout) { return done_.wait(timeout.time_point("GracefulShutdown::wait")); }

 private:
  void start(int signo);
  void run();

  ShutdownOptions options_;
  Group& group_;
  Event done_;
  Fiber<> runner_;
  std::vector<SignalHandler> handlers_;
  int signo_ = 0;
  bool triggered_ = false;
};

}  // namespace grove
