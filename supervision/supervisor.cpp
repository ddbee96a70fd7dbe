// supervisor.cpp — the supervisor's fiber: start children in order, turn
// their exits into restarts by strategy and intensity, serve the API's
// commands, stop children in reverse order.

#include <grove/supervisor.hpp>

#include <grove/async_result.hpp>
#include <grove/hub.hpp>
#include <grove/links.hpp>
#include <grove/queue.hpp>
#include <grove/queue_errors.hpp>
#include <grove/this_fiber.hpp>

#include <boost/core/demangle.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <list>
#include <optional>
#include <random>
#include <unordered_map>

namespace grove {

namespace detail {

void throw_template_mismatch(const std::string& id, const std::type_info& expected, const std::type_info& given) {
  throw UsageError("grove::Supervisor::start_child: template '" + id + "' takes " +
                   boost::core::demangle(expected.name()) + ", was given " + boost::core::demangle(given.name()));
}

// How long a child gets to die after each kill() past its shutdown timeout.
constexpr Duration kill_grace = std::chrono::seconds(1);
constexpr int kill_attempts = 3;

// An SupervisorEvent is either a linked child's exit or a command from the API.
struct SupervisorEvent {
  Fiber<> from;
  ExitReason reason;
  std::function<void(bool run)> command;  // run == false: the supervisor ended first
};

struct SupervisedChild {
  ChildSpec spec;
  Fiber<> fiber;                             // current incarnation, empty when not running
  TimePoint restart_at = TimePoint::max();   // a restart is due then (backoff)
  TimePoint started_at{};
  unsigned failures = 0;                     // consecutive restarts, for backoff
  bool dynamic = false;                      // made from the template
  MonitorId monitor = 0;                     // on the current incarnation
};

using SupervisedChildren = std::list<SupervisedChild>;

namespace {

bool restarts_after(Restart restart, const ExitReason& reason) {
  switch (restart) {
    case Restart::permanent:
      return true;
    case Restart::transient:
      return reason.kind() == ExitReason::Kind::exception || reason.kind() == ExitReason::Kind::killed;
    case Restart::temporary:
      return false;
  }
  return false;
}

ChildInfo info_of(const SupervisedChild& c) {
  return ChildInfo{c.spec.id, c.fiber, c.spec.restart, c.spec.type, c.spec.handle};
}

}  // namespace

class SupervisorCore {
 public:
  SupervisorCore(SupervisorConfig cfg, std::vector<ChildSpec> specs, std::optional<ChildTemplate> t)
      : config(std::move(cfg)), tmpl(std::move(t)) {
    if (config.intensity < 0) throw UsageError("grove::Supervisor: intensity must be >= 0");
    if (config.period <= Duration::zero()) throw UsageError("grove::Supervisor: period must be positive");
    if (config.backoff.multiplier < 1.0 || config.backoff.jitter < 0.0 || config.backoff.jitter >= 1.0)
      throw UsageError("grove::Supervisor: backoff needs multiplier >= 1 and 0 <= jitter < 1");
    for (auto& s : specs) add(std::move(s), false);
    // Under a scheduling policy (a deterministic test) the jitter must not
    // depend on the machine: the seed then comes from the hub's numbering.
    rng.seed(config.backoff.seed       ? config.backoff.seed
             : hub().policy() != nullptr ? static_cast<std::uint32_t>(hub().next_name_number())
                                         : std::random_device{}());
  }
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

  SupervisedChildren::iterator add(ChildSpec spec, bool dynamic) {
    if (!spec.start) throw UsageError("grove::Supervisor: child '" + spec.id + "' has no start function");
    if (by_id.contains(spec.id)) throw SupervisorError("grove::Supervisor: child id '" + spec.id + "' is already present");
    SupervisedChild child;
    child.spec = std::move(spec);
    child.dynamic = dynamic;
    children.push_back(std::move(child));
    auto it = std::prev(children.end());
    by_id.emplace(it->spec.id, it);
    return it;
  }

  SupervisedChildren::iterator find(const std::string& id) {
    auto f = by_id.find(id);
    if (f == by_id.end()) throw SupervisorError("grove::Supervisor '" + config.name + "': no child '" + id + "'");
    return f->second;
  }

  // schedule() sets when a child restarts (TimePoint::max(): not pending).
  void schedule(SupervisedChild& c, TimePoint at) noexcept {
    if ((c.restart_at != TimePoint::max()) != (at != TimePoint::max())) {
      if (at != TimePoint::max()) ++pending_restarts;
      else --pending_restarts;
    }
    c.restart_at = at;
  }

  // remove() forgets a child that is not running and retires it.
  void remove(SupervisedChildren::iterator it) {
    schedule(*it, TimePoint::max());
    auto retire = std::move(it->spec.retire);
    by_id.erase(it->spec.id);
    children.erase(it);
    if (retire) retire();
  }

  void retire_all() noexcept {
    for (auto& c : children) {
      if (!c.spec.retire) continue;
      try {
        c.spec.retire();
      } catch (...) {
      }
    }
  }

  // ------------------------------------------------------------- the run
  void run(const std::shared_ptr<Queue<SupervisorEvent>>& queue, AsyncResult<void> started) {
    self = this_fiber::self();
    bool told = false;
    struct EndOfRun {
      SupervisorCore& core;
      const std::shared_ptr<Queue<SupervisorEvent>>& queue;
      AsyncResult<void>& started;
      bool& told;
      ~EndOfRun() {
        core.end_run(*queue);
        if (!told) started.set_exception(SupervisorError("grove::Supervisor '" + core.config.name + "' ended while starting"));
      }
    } end{*this, queue, started, told};

    try {
      for (auto it = children.begin(); it != children.end(); ++it) start_one(it);
    } catch (const FiberExit&) {
      terminate_all();
      throw;
    } catch (...) {
      auto error = std::current_exception();
      terminate_all();
      told = true;
      started.set_exception(error);
      return;
    }
    told = true;
    started.set();

    try {
      loop(*queue);
    } catch (const FiberExit&) {
      terminate_all();
      throw;
    }
    terminate_all();  // stop()
  }

  void loop(Queue<SupervisorEvent>& queue) {
    while (!stopping) {
      restart_due();
      if (stopping) break;
      std::optional<SupervisorEvent> ev = queue.try_get();
      if (!ev) {
        const TimePoint next = next_restart();
        if (next == TimePoint::max()) {
          ev = queue.get();
        } else {
          const TimePoint now = hub().now();
          if (next <= now) continue;
          try {
            ev = queue.get(next - now);
          } catch (const QueueEmpty&) {
            continue;
          }
        }
      }
      handle(*ev);
    }
  }

  void handle(SupervisorEvent& ev) {
    if (ev.command) return ev.command(true);
    FiberBase* f = ev.from.base();
    if (auto it = by_fiber.find(f); it != by_fiber.end()) return child_exited(it->second, ev.reason);
    stale.erase(f);  // a child we stopped ourselves
  }

  void end_run(Queue<SupervisorEvent>& queue) noexcept {
    running = false;
    for (auto& c : children) {
      if (c.fiber && !c.fiber.dead()) {
        try {
          c.fiber.kill(FiberExit(ExitReason::killed()), false);
        } catch (...) {
        }
      }
      c.fiber = Fiber<>();
      schedule(c, TimePoint::max());
    }
    by_fiber.clear();
    stale.clear();
    recent_restarts.clear();
    for (auto it = children.begin(); it != children.end();) {
      auto cur = it++;
      if (cur->dynamic) {
        try {
          remove(cur);
        } catch (...) {
        }
      }
    }
    if (stopping) retire_all();
    stopping = false;
    while (auto ev = queue.try_get()) {
      if (ev->command) {
        try {
          ev->command(false);
        } catch (...) {
        }
      }
    }
  }

  // ------------------------------------------------------------ children
  void start_one(SupervisedChildren::iterator it) {
    schedule(*it, TimePoint::max());
    Fiber<> f = it->spec.start();
    if (!f) throw UsageError("grove::Supervisor: the start function of child '" + it->spec.id + "' returned an empty fiber");
    it->fiber = f;
    it->started_at = hub().now();
    by_fiber[f.base()] = it;
    // A monitor costs O(1) on the child's side; a fiber that is dead
    // already reports its exit at once.
    it->monitor = grove::monitor(f, [queue = events](const Down& d) {
      (void)queue->try_put(SupervisorEvent{d.fiber, d.reason, nullptr});  // unbounded: never full
    });
  }

  // shutdown_child() stops a child by its Shutdown and waits for it.
  void shutdown_child(SupervisedChild& c) {
    schedule(c, TimePoint::max());
    Fiber<> f = std::exchange(c.fiber, Fiber<>());
    if (!f) return;
    by_fiber.erase(f.base());
    if (!grove::demonitor(f, c.monitor) || f.dead()) {  // its exit event is queued already
      stale.emplace(f.base(), f);
      return;
    }
    const Shutdown& sd = c.spec.shutdown;
    if (!sd.brutal) {
      f.kill(FiberExit(ExitReason::shutdown()), false);
      if (f.join(sd.timeout)) return;
      spdlog::warn("grove: supervisor '{}': child '{}' did not stop within its shutdown timeout; killing it",
                   config.name, c.spec.id);
    }
    for (int attempt = 0; attempt < kill_attempts; ++attempt) {
      f.kill(FiberExit(ExitReason::killed()), false);
      if (f.join(kill_grace)) return;
    }
    spdlog::error("grove: supervisor '{}': child '{}' survives kill(); abandoning it", config.name, c.spec.id);
  }

  // terminate_range() stops children from last to first; if the supervisor
  // is itself interrupted meanwhile, the rest are killed without waiting.
  template <class It>
  void terminate_range(It first, It last) {
    for (auto it = first; it != last; ++it) {
      try {
        shutdown_child(*it);
      } catch (const FiberExit&) {
        for (auto rest = it; rest != last; ++rest) {
          if (rest->fiber && !rest->fiber.dead()) rest->fiber.kill(FiberExit(ExitReason::killed()), false);
        }
        throw;
      }
    }
  }
  void terminate_all() { terminate_range(children.rbegin(), children.rend()); }

  void child_exited(SupervisedChildren::iterator it, const ExitReason& reason) {
    by_fiber.erase(it->fiber.base());
    it->fiber = Fiber<>();
    if (!restarts_after(it->spec.restart, reason)) {
      spdlog::debug("grove: supervisor '{}': child '{}' ended ({}), not restarted", config.name, it->spec.id,
                    reason.to_string());
      if (it->spec.restart == Restart::temporary || it->dynamic) remove(it);
      return;
    }
    restart_after_failure(it, reason);
  }

  void restart_after_failure(SupervisedChildren::iterator it, const ExitReason& reason) {
    if (!count_restart()) give_up(it->spec.id, reason);
    spdlog::debug("grove: supervisor '{}': child '{}' ended ({}), restarting", config.name, it->spec.id,
                  reason.to_string());
    const TimePoint at = hub().now() + backoff_delay(*it);
    if (config.strategy == Strategy::one_for_all || config.strategy == Strategy::rest_for_one) {
      auto first = config.strategy == Strategy::one_for_all ? children.begin() : std::next(it);
      // Stop the siblings in reverse order; temporary ones are not restarted.
      terminate_range(std::make_reverse_iterator(children.end()), std::make_reverse_iterator(first));
      for (auto s = first; s != children.end();) {
        auto cur = s++;
        if (cur == it) continue;
        if (cur->spec.restart == Restart::temporary) remove(cur);
        else schedule(*cur, at);
      }
    }
    schedule(*it, at);
  }

  // restart_due() restarts, in start order, the children whose time came.
  void restart_due() {
    if (pending_restarts == 0) return;
    const TimePoint now = hub().now();
    std::vector<std::string> due;
    for (auto& c : children)
      if (c.restart_at <= now) due.push_back(c.spec.id);
    for (auto& id : due) {
      auto f = by_id.find(id);
      if (f == by_id.end() || f->second->restart_at > now || f->second->fiber) continue;
      try {
        start_one(f->second);
      } catch (const FiberExit&) {
        throw;
      } catch (...) {
        auto error = std::current_exception();
        spdlog::warn("grove: supervisor '{}': restarting child '{}' failed: {}", config.name, id,
                     ExitReason::exception(error).to_string());
        restart_after_failure(f->second, ExitReason::exception(error));
      }
    }
  }

  TimePoint next_restart() const {
    TimePoint next = TimePoint::max();
    if (pending_restarts == 0) return next;
    for (auto& c : children) next = std::min(next, c.restart_at);
    return next;
  }

  // count_restart() records a restart; false once intensity is exceeded.
  bool count_restart() {
    ++restart_total;
    const TimePoint now = hub().now();
    recent_restarts.push_back(now);
    while (!recent_restarts.empty() && now - recent_restarts.front() > config.period) recent_restarts.pop_front();
    return recent_restarts.size() <= static_cast<std::size_t>(config.intensity);
  }

  Duration backoff_delay(SupervisedChild& c) {
    const Backoff& b = config.backoff;
    if (b.initial <= Duration::zero()) return Duration::zero();
    if (hub().now() - c.started_at >= config.period) c.failures = 0;
    ++c.failures;
    long double d = static_cast<long double>(b.initial.count()) * std::pow(static_cast<long double>(b.multiplier), c.failures - 1);
    d = std::min(d, static_cast<long double>(b.max.count()));
    if (b.jitter > 0) d *= std::uniform_real_distribution<double>(1.0 - b.jitter, 1.0 + b.jitter)(rng);
    return Duration(static_cast<Duration::rep>(std::llround(d)));
  }

  [[noreturn]] void give_up(const std::string& id, const ExitReason& reason) {
    std::string what = "grove: supervisor '" + config.name + "' gave up: more than " + std::to_string(config.intensity) +
                       " restarts within " +
                       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(config.period).count()) +
                       " ms; the last child to end was '" + id + "' (" + reason.to_string() + ")";
    spdlog::error("{}", what);
    terminate_all();
    throw SupervisorGaveUp(what);
  }

  // ------------------------------------------------------------ commands
  template <class R, class F>
  R call(const char* what, F fn) {
    if (!running) throw SupervisorError(std::string("grove::Supervisor::") + what + ": supervisor '" + config.name + "' is not running");
    if (this_fiber::self() == self)
      throw UsageError(std::string("grove::Supervisor::") + what + ": called from the supervisor's own fiber");
    AsyncResult<R> result;
    std::string name = config.name;
    events->put(SupervisorEvent{{}, {}, [fn = std::move(fn), result, name, what](bool run) mutable {
      if (!run) {
        result.set_exception(SupervisorError(std::string("grove::Supervisor::") + what + ": supervisor '" + name + "' ended first"));
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
        result.set_exception(SupervisorError(std::string("grove::Supervisor::") + what + ": supervisor '" + name + "' was stopped"));
        throw;
      } catch (...) {
        result.set_exception(std::current_exception());
      }
    }});
    return result.get();
  }
};

}  // namespace detail

// ------------------------------------------------------------------ Supervisor

Supervisor::Supervisor(SupervisorConfig config, std::vector<ChildSpec> children) {
  if (config.strategy == Strategy::simple_one_for_one)
    throw UsageError("grove::Supervisor: simple_one_for_one takes one ChildTemplate, not a list of children");
  core_ = std::make_shared<detail::SupervisorCore>(std::move(config), std::move(children), std::nullopt);
}

Supervisor::Supervisor(SupervisorConfig config, ChildTemplate child_template) {
  if (config.strategy != Strategy::simple_one_for_one)
    throw UsageError("grove::Supervisor: a ChildTemplate needs Strategy::simple_one_for_one");
  if (!child_template.instantiate) throw UsageError("grove::Supervisor: the child template is empty");
  core_ = std::make_shared<detail::SupervisorCore>(std::move(config), std::vector<ChildSpec>{}, std::move(child_template));
}

Fiber<> Supervisor::start() {
  auto& c = *core_;
  if (c.running) throw SupervisorError("grove::Supervisor::start: supervisor '" + c.config.name + "' is running already");
  auto queue = std::make_shared<Queue<detail::SupervisorEvent>>();
  AsyncResult<void> started;
  c.events = queue;
  c.running = true;
  Fiber<> f = spawn([core = core_, queue, started]() mutable { core->run(queue, started); });
  f.set_name(c.config.name);
  f.link([](Fiber<>) {});  // the exit is reported through links, not as unhandled
  c.self = f;
  started.get();
  return f;
}

void Supervisor::stop() {
  auto& c = *core_;
  if (c.running) {
    Fiber<> f = c.self;
    try {
      c.call<void>("stop", [&c] { c.stopping = true; });
    } catch (const SupervisorError&) {
      // it ended (gave up, or was killed) before serving the stop
    }
    f.join();
  }
  c.retire_all();
}

bool Supervisor::running() const { return core_->running; }
Fiber<> Supervisor::fiber() const { return core_->self; }
const SupervisorConfig& Supervisor::config() const { return core_->config; }
std::size_t Supervisor::restart_count() const { return core_->restart_total; }

std::vector<ChildInfo> Supervisor::which_children() const {
  std::vector<ChildInfo> out;
  out.reserve(core_->children.size());
  for (auto& c : core_->children) out.push_back(detail::info_of(c));
  return out;
}

ChildCounts Supervisor::count_children() const {
  ChildCounts n;
  for (auto& c : core_->children) {
    ++n.specs;
    if (c.fiber && !c.fiber.dead()) ++n.active;
    if (c.spec.type == ChildType::supervisor) ++n.supervisors;
    else ++n.workers;
  }
  return n;
}

ChildInfo Supervisor::start_child(ChildSpec spec) {
  auto& c = *core_;
  if (c.tmpl) throw UsageError("grove::Supervisor::start_child: a simple_one_for_one supervisor takes the template's arguments, not a spec");
  return c.call<ChildInfo>("start_child", [&c, spec = std::move(spec)]() mutable {
    auto it = c.add(std::move(spec), false);
    try {
      c.start_one(it);
    } catch (...) {
      c.by_id.erase(it->spec.id);
      c.children.erase(it);
      throw;
    }
    return detail::info_of(*it);
  });
}

ChildInfo Supervisor::start_from_template(std::any packed) {
  auto& c = *core_;
  if (!c.tmpl) throw UsageError("grove::Supervisor::start_child(args...): only a simple_one_for_one supervisor has a template");
  return c.call<ChildInfo>("start_child", [&c, packed = std::move(packed)]() mutable {
    ChildSpec spec = c.tmpl->instantiate(packed);
    spec.id = c.tmpl->id + "-" + std::to_string(c.next_dynamic++);
    auto it = c.add(std::move(spec), true);
    try {
      c.start_one(it);
    } catch (...) {
      c.remove(it);
      throw;
    }
    return detail::info_of(*it);
  });
}

void Supervisor::terminate_child(const std::string& id) {
  auto& c = *core_;
  c.call<void>("terminate_child", [&c, id] {
    auto it = c.find(id);
    c.shutdown_child(*it);
    if (it->dynamic || it->spec.restart == Restart::temporary) c.remove(it);
  });
}

ChildInfo Supervisor::restart_child(const std::string& id) {
  auto& c = *core_;
  return c.call<ChildInfo>("restart_child", [&c, id] {
    auto it = c.find(id);
    if (it->dynamic) throw SupervisorError("grove::Supervisor::restart_child: not supported by simple_one_for_one");
    if (it->fiber) throw SupervisorError("grove::Supervisor::restart_child: child '" + id + "' is running");
    c.start_one(it);
    return detail::info_of(*it);
  });
}

void Supervisor::delete_child(const std::string& id) {
  auto& c = *core_;
  c.call<void>("delete_child", [&c, id] {
    auto it = c.find(id);
    if (it->dynamic) throw SupervisorError("grove::Supervisor::delete_child: not supported by simple_one_for_one");
    if (it->fiber) throw SupervisorError("grove::Supervisor::delete_child: child '" + id + "' is running");
    c.remove(it);
  });
}

ChildSpec supervisor_child(std::string id, Supervisor sup, ChildOptions options) {
  ChildSpec spec;
  spec.id = std::move(id);
  spec.with(options);
  spec.start = [sup]() mutable { return sup.start(); };
  spec.retire = [weak = std::weak_ptr<detail::SupervisorCore>(sup.core_)] {
    if (auto core = weak.lock(); core && !core->running) core->retire_all();
  };
  spec.handle = sup;
  return spec;
}

}  // namespace grove
