#pragma once
// supervision/src/supervisor_core.hpp — SupervisorCore, the state and the
// fiber behind one grove::Supervisor. Private to the supervision module
// (not under grove/, so never installed). Its jobs live in one file each:
//
//   supervisor_core.cpp      the children's registry: validate the config,
//                            add, find, schedule, remove and retire children
//   supervisor_run.cpp       the supervisor's fiber: start the children in
//                            order, serve events, stop in reverse at the end
//   supervisor_children.cpp  start one child; stop one child by its Shutdown
//   supervisor_restarts.cpp  a child's exit: restart by strategy, intensity
//                            and backoff, or give up
//   ../supervisor.cpp        the public Supervisor facade; its commands run
//                            on the supervisor's fiber through call()
//
// Contract. Every member runs on the supervisor's hub; all but the facade's
// queries (running, children, restart_total) run on the supervisor's own
// fiber, reached through events: a linked child's exit or a command that
// call() queued (docs/design/supervision.md).

#include <grove/async_result.hpp>
#include <grove/fiber.hpp>
#include <grove/links.hpp>
#include <grove/queue.hpp>
#include <grove/supervisor.hpp>
#include <grove/this_fiber.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace grove::detail {

// A SupervisorEvent is either a linked child's exit or a command from the API.
struct SupervisorEvent {
  Fiber<> from;
  ExitReason reason;
  std::function<void(bool run)> command;  // run == false: the supervisor ended first
};

struct SupervisedChild {
  ChildSpec spec;
  Fiber<> fiber;                            // current incarnation, empty when not running
  TimePoint restart_at = TimePoint::max();  // a restart is due then (backoff)
  TimePoint started_at{};
  unsigned failures = 0;  // consecutive restarts, for backoff
  bool dynamic = false;   // made from the template
  MonitorId monitor = 0;  // on the current incarnation
};

using SupervisedChildren = std::list<SupervisedChild>;

// start_child_fiber(spec) starts one incarnation: spec.start() here, or a
// proxy fiber for a child placed on another hub (remote_child.cpp);
// retire_child(spec) runs spec.retire on the child's hub.
Fiber<> start_child_fiber(const ChildSpec& spec);
void retire_child(ChildSpec& spec);

class SupervisorCore {
 public:
  // Throws UsageError for an invalid config or spec (supervisor_core.cpp).
  SupervisorCore(SupervisorConfig cfg, std::vector<ChildSpec> specs, std::optional<ChildTemplate> t);
  ~SupervisorCore() { retire_all(); }

  // ---------------------------------------------------------------- state
  SupervisorConfig config;
  std::optional<ChildTemplate> tmpl;
  SupervisedChildren children;
  std::unordered_map<std::string, SupervisedChildren::iterator> by_id;
  std::unordered_map<FiberBase*, SupervisedChildren::iterator> by_fiber;
  std::unordered_map<FiberBase*, Fiber<>> stale;  // stopped by us; their exit is still queued
  std::deque<TimePoint> recent_restarts;
  std::size_t restart_total = 0;
  std::shared_ptr<Queue<SupervisorEvent>> events;
  Fiber<> self;
  bool running = false;
  bool stopping = false;
  std::uint64_t next_dynamic = 1;
  std::size_t pending_restarts = 0;  // children whose restart_at is set
  std::mt19937_64 rng;

  // ------------------------------------------- registry (supervisor_core.cpp)
  SupervisedChildren::iterator add(ChildSpec spec, bool dynamic);
  // find(id): SupervisorError when there is no such child.
  SupervisedChildren::iterator find(const std::string& id);
  // schedule() sets when a child restarts (TimePoint::max(): not pending).
  void schedule(SupervisedChild& c, TimePoint at) noexcept;
  // remove() forgets a child that is not running and retires it.
  void remove(SupervisedChildren::iterator it);
  void retire_all() noexcept;

  // ---------------------------------------------- the run (supervisor_run.cpp)
  // run() is the supervisor fiber's body: `started` is set once every child
  // started (or fails with the first start's error).
  void run(const std::shared_ptr<Queue<SupervisorEvent>>& queue, AsyncResult<void> started);
  void loop(Queue<SupervisorEvent>& queue);
  void handle(SupervisorEvent& ev);
  // end_run() kills what still runs, forgets dynamic children and answers
  // the commands still queued with "ended first".
  void end_run(Queue<SupervisorEvent>& queue) noexcept;

  // ---------------------------------------- children (supervisor_children.cpp)
  // start_one() starts a child; a start function that returns an empty
  // fiber ignores the start (OTP's `ignore`): the child is not running.
  void start_one(SupervisedChildren::iterator it);
  // start_or_forget() is start_one(), then an ignoring temporary or
  // dynamic child is removed (as OTP forgets it); false when it ignored.
  bool start_or_forget(SupervisedChildren::iterator it);
  // shutdown_child() stops a child by its Shutdown and waits for it.
  void shutdown_child(SupervisedChild& c);
  // terminate_range() stops children from first to last (reverse start
  // order); if the supervisor is itself interrupted meanwhile, the rest are
  // killed without waiting.
  void terminate_range(SupervisedChildren::reverse_iterator first, SupervisedChildren::reverse_iterator last);
  void terminate_all() { terminate_range(children.rbegin(), children.rend()); }

  // ---------------------------------------- restarts (supervisor_restarts.cpp)
  void child_exited(SupervisedChildren::iterator it, const ExitReason& reason);
  void restart_after_failure(SupervisedChildren::iterator it, const ExitReason& reason);
  // restart_due() restarts, in start order, the children whose time came.
  void restart_due();
  TimePoint next_restart() const;
  // count_restart() records a restart; false once intensity is exceeded.
  bool count_restart();
  Duration backoff_delay(SupervisedChild& c);
  [[noreturn]] void give_up(const std::string& id, const ExitReason& reason);

  // ------------------------------------------------------------ commands
  // call(what, fn) runs fn on the supervisor's fiber and returns its result
  // (its exception rethrown); SupervisorError when the supervisor is not
  // running or ends first, UsageError from the supervisor's own fiber.
  template <class R, class F>
  R call(const char* what, F fn) {
    if (!running)
      throw SupervisorError(std::string("grove::Supervisor::") + what + ": supervisor '" + config.name +
                            "' is not running");
    if (this_fiber::self() == self)
      throw UsageError(std::string("grove::Supervisor::") + what + ": called from the supervisor's own fiber");
    AsyncResult<R> result;
    std::string name = config.name;
    events->put(SupervisorEvent{{}, {}, [fn = std::move(fn), result, name, what](bool run) mutable {
                                  if (!run) {
                                    result.set_exception(SupervisorError(std::string("grove::Supervisor::") + what +
                                                                         ": supervisor '" + name + "' ended first"));
                                    return;
                                  }
                                  try {
                                    if constexpr (std::is_void_v<R>) {
                                      fn();
                                      result.set();
                                    } else {
                                      result.set(fn());
                                    }
                                  } catch (const FiberExit&) {
                                    result.set_exception(SupervisorError(std::string("grove::Supervisor::") + what +
                                                                         ": supervisor '" + name + "' was stopped"));
                                    throw;
                                  } catch (...) {
                                    result.set_exception(std::current_exception());
                                  }
                                }});
    return result.get();
  }
};

}  // namespace grove::detail
