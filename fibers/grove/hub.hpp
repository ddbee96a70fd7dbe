#pragma once
// hub.hpp — the hub: one per OS thread, the scheduler that runs that
// thread's fibers on a Boost.Asio io_context. The thread's own stack is the
// main fiber: a blocking call made from main() runs the hub until it can
// return, and throws LoopExit when it never could.
// It names boost::asio::io_context without including Asio: code that uses
// io_context() includes <boost/asio/io_context.hpp> itself.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/hub_config.hpp>
#include <grove/scheduling_policy.hpp>
#include <grove/detail/scheduler.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace grove {

class Hub {
 public:
  // create() installs a hub on this thread, owning its io_context, or
  // adopting `io` (which must outlive the hub). It throws UsageError when
  // the thread already has one: configure before the first grove call.
  static Hub& create(HubConfig config = {});
  static Hub& create(boost::asio::io_context& io, HubConfig config = {});
  // destroy_current() kills this thread's fibers, lets them unwind and
  // destroys the hub; the next grove call creates a fresh one. It must be
  // called from the main fiber.
  static void destroy_current();
  // exists() tells whether this thread has a hub yet.
  [[nodiscard]] static bool exists() noexcept { return detail::tls_scheduler != nullptr; }

  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  boost::asio::io_context& io_context() noexcept { return engine_->io(); }
  [[nodiscard]] const HubConfig& config() const noexcept { return engine_->config(); }

  // run() blocks the calling fiber until nothing is left to do: no ready
  // fiber, no timer and no pending I/O (gevent's wait()). Fibers still
  // blocked on each other stay blocked.
  void run();
  // run(timeout) is run() for at most timeout (gevent.wait(timeout=t) /
  // hub.join(timeout)): it returns true when the hub became idle, false
  // when the time ran out first. Its own deadline does not keep the hub
  // busy (a weak timer).
  // A negative or NaN duration is a UsageError naming Hub::run.
  bool run(Deadline timeout) { return engine_->run_until_idle(timeout.resolve(now(), "Hub::run")); }
  // shutdown(grace) raises FiberExit in every fiber of this hub, waits up
  // to `grace` for them to unwind, and makes later spawns throw UsageError.
  // Fibers that swallow FiberExit outlive it (fiber_count() tells); the
  // hub's destruction unwinds them by force. Call it from a fiber, not from
  // an Asio handler.
  // grace is a Deadline; a negative or NaN duration is a UsageError naming
  // Hub::shutdown (and shuts nothing down).
  void shutdown(Deadline grace = std::chrono::seconds(1));
  [[nodiscard]] bool is_shut_down() const noexcept { return engine_->stopped(); }

  // fiber_count() is the number of fibers spawned and not yet dead.
  [[nodiscard]] std::size_t fiber_count() const noexcept { return engine_->live_fibers(); }
  // timer_count() is the number of armed timers (sleeps, Timeouts, ask
  // timeouts, spawn_later starts).
  [[nodiscard]] std::size_t timer_count() const noexcept { return engine_->timer_count(); }
  // sleeps() is how many times the loop has blocked in its io_context
  // (each one a kernel wake-up later); HubConfig::spin trades some of them
  // for polling.
  [[nodiscard]] std::uint64_t sleeps() const noexcept { return engine_->sleeps(); }
  // describe_fibers() lists every live fiber and what it waits on, one
  // "\n  <name> waits on <what>" line each (the first 50).
  [[nodiscard]] std::string describe_fibers() const { return engine_->list_fibers(true); }
  // now() is the hub's clock; every deadline in grove is measured on it.
  [[nodiscard]] TimePoint now() const { return engine_->now(); }

  // set_policy(p) replaces the clock and the choice of the next fiber
  // (scheduling_policy.hpp); null restores the defaults. Call it from the
  // main fiber while no fiber lives and no timer is armed, else UsageError.
  void set_policy(std::shared_ptr<SchedulingPolicy> p) { engine_->set_policy(std::move(p)); }
  [[nodiscard]] SchedulingPolicy* policy() const noexcept { return engine_->policy(); }

  void set_unhandled_policy(UnhandledPolicy p) noexcept { engine_->unhandled_policy = p; }
  [[nodiscard]] UnhandledPolicy unhandled_policy() const noexcept { return engine_->unhandled_policy; }
  // set_unhandled_handler(h) is told of every unhandled fiber exception
  // before the UnhandledPolicy applies (hub_config.hpp); null removes it.
  void set_unhandled_handler(UnhandledHandler h) { engine_->unhandled_handler = std::move(h); }

  // Stack pool statistics.
  [[nodiscard]] std::size_t stacks_allocated() const noexcept { return engine_->stacks().allocated(); }
  [[nodiscard]] std::size_t stacks_idle() const noexcept { return engine_->stacks().idle(); }
  // stack_size() is the usable size of each fiber stack (the configured
  // size rounded up to whole pages); stacks_guarded() counts the stacks
  // that have a guard page.
  [[nodiscard]] std::size_t stack_size() const noexcept { return engine_->stacks().stack_size(); }
  [[nodiscard]] std::size_t stacks_guarded() const noexcept { return engine_->stacks().guarded(); }

  // next_name_number() numbers default names (actors, supervisors) per hub:
  // a fresh hub repeats the same numbers, so seeded runs name alike.
  std::uint64_t next_name_number() noexcept { return engine_->next_name_number(); }

 private:
  friend detail::Scheduler& detail::engine_of(Hub& h) noexcept;
  Hub(boost::asio::io_context* adopted, HubConfig config);

  std::unique_ptr<boost::asio::io_context> owned_io_;
  std::unique_ptr<detail::Scheduler> engine_;
};

inline detail::Scheduler& detail::engine_of(Hub& h) noexcept { return *h.engine_; }

// hub() is this thread's hub, created with HubConfig{} on first use.
inline Hub& hub() { return detail::scheduler().facade(); }

}  // namespace grove
