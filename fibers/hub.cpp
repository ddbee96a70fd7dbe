// hub.cpp — the scheduler engine and the Hub facade.

#include <grove/hub.hpp>

#include <grove/fiber.hpp>

#include <boost/context/fiber.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace grove::detail {

constinit thread_local Scheduler* tls_scheduler = nullptr;

namespace {

// The thread's own stack, as a fiber: its context is filled in whenever it
// switches away.
class MainFiber final : public FiberBase {
 public:
  using FiberBase::FiberBase;
  void run_body() override {}
};

// The hub's own fiber runs loop(); it never appears in the ready queue.
class HubFiber final : public FiberBase {
 public:
  using FiberBase::FiberBase;
  void run_body() override {}
};

thread_local std::unique_ptr<Hub> tls_hub_owner;

}  // namespace

Scheduler::Scheduler(Hub& facade, boost::asio::io_context& io, const HubConfig& config)
    : facade_(facade),
      io_(io),
      config_(config),
      stacks_(config.stack_size, config.guard_pages),
      wakeup_timer_(io),
      main_(new MainFiber(&facade, 0)),
      hub_fiber_(new HubFiber(&facade, FiberBase::no_parent)),  // so fibers it spawns have no parent
      anchor_(std::make_shared<RemoteAnchor>()) {
  anchor_->scheduler = this;
  unhandled_policy = config.unhandled;
  unhandled_handler = config.on_unhandled;
  policy_owner_ = config.policy;
  policy_ = policy_owner_.get();
  if (config_.poll_interval == 0) config_.poll_interval = 1;
  main_->more().name = "main";
  main_->state = RunState::running;
  hub_fiber_->more().name = "hub";
  current_ = main_.get();
}

Scheduler::~Scheduler() {
  struct Unanchor {
    RemoteAnchor& a;
    ~Unanchor() {
      std::lock_guard<std::mutex> lock(a.mutex);
      a.scheduler = nullptr;  // later remote posts are dropped
    }
  } unanchor{*anchor_};
  if (current_ != main_.get()) {
    // Destroyed from inside a fiber (std::exit() on a fiber stack): nothing
    // can be unwound safely from here, so the fibers and stacks are leaked.
    stacks_.leak();
    (void)main_.leak();
    (void)hub_fiber_.leak();
    return;
  }
  try {
    shutdown();
    // Fibers that swallowed FiberExit are unwound by ForcedUnwind, which
    // every later blocking call of theirs raises again.
    if (live_count_ > 0) stop_live_fibers(std::make_exception_ptr(ForcedUnwind{}), true, now() + std::chrono::seconds(1));
  } catch (...) {
  }
  if (live_count_ > 0) {
    // A fiber that swallows even ForcedUnwind cannot be unwound safely: it
    // and its stack are left in place (leaked).
    spdlog::error("grove: {} fiber(s) ignored FiberExit at hub shutdown and were leaked: {}", live_count_,
                  describe_blocked());
    stacks_.leak();
    for (FiberBase* f = live_head_; f; f = f->live_next) f->add_ref();  // never freed
    (void)hub_fiber_.leak();
    (void)main_.leak();
    return;
  }
  if (hub_fiber_->context) {
    stopping_loop_ = true;
    switch_to(hub_fiber_.get());
  }
}

void Scheduler::adopt(FiberBase* f) {
  f->add_ref();  // the hub's reference, dropped when the fiber dies
  f->live_prev = nullptr;
  f->live_next = live_head_;
  if (live_head_) live_head_->live_prev = f;
  live_head_ = f;
  ++live_count_;
}

void Scheduler::unlink_live(FiberBase* f) noexcept {
  if (f->live_prev) f->live_prev->live_next = f->live_next; else live_head_ = f->live_next;
  if (f->live_next) f->live_next->live_prev = f->live_prev;
  f->live_prev = f->live_next = nullptr;
  --live_count_;
  if (live_count_ == 0 && !drain_waiters_.empty()) wake_all(drain_waiters_);
  f->release();
}

void StartTimer::fire_now(TimerNode& n) noexcept {
  FiberBase* f = static_cast<StartTimer&>(n).fiber;
  f->hub->engine().schedule(f);
}

void Scheduler::schedule_at(FiberBase* f, TimePoint when) {
  f->scheduled = true;
  if (when == TimePoint::max()) return;  // "never": it stays unstarted until killed
  auto timer = std::make_unique<StartTimer>(f);
  timer->deadline = when;
  timers_.push(*timer);
  f->more().start_timer = std::move(timer);
}

void Scheduler::dispatch(FiberBase* f) {
  FiberBase* self = current_;
  if (self == hub_fiber_.get()) return schedule(f);
  f->scheduled = true;
  self->state = RunState::ready;
  self->waiting_on = "dispatch";
  ready_.push_front(self);
  if (policy_) [[unlikely]] {
    // The policy chooses among f, the caller and every other ready fiber;
    // picking the head (FIFO) is the same as the direct switch below.
    f->state = RunState::ready;
    ready_.push_front(f);
    FiberBase* next = pop_picked();
    if (next == self) self->state = RunState::running;
    else switch_to(next);
  } else {
    switch_to(f);
  }
  if (self->pending) throw_pending(self);
}

FiberBase* Scheduler::pop_picked() noexcept {
  std::size_t count = 0;
  for (FiberBase* f = ready_.front(); f; f = f->ready_next) ++count;
  if (count == 0) return nullptr;
  std::size_t index = policy_->pick(count);
  if (index >= count) index = count - 1;
  FiberBase* f = ready_.front();
  while (index-- > 0) f = f->ready_next;
  ready_.remove(f);
  return f;
}

TimePoint Scheduler::policy_now() const { return policy_->now(); }

void Scheduler::set_policy(std::shared_ptr<SchedulingPolicy> policy) {
  if (current_ != main_.get() || live_count_ > 0 || !timers_.empty() || !ready_.empty())
    throw UsageError("grove::Hub::set_policy: the hub has " + std::to_string(live_count_) + " live fiber(s) and " +
                     std::to_string(timers_.size()) +
                     " armed timer(s); install a scheduling policy from the main fiber before spawning fibers "
                     "or arming timers (or pass it as HubConfig::policy to Hub::create)");
  if (wakeup_armed_ != TimePoint::max()) {
    wakeup_armed_ = TimePoint::max();
    wakeup_timer_.cancel();
  }
  policy_owner_ = std::move(policy);
  policy_ = policy_owner_.get();
  config_.policy = policy_owner_;
}

void Scheduler::ensure_context(FiberBase* f) {
  PoolAllocator alloc{&stacks_, &f->stack_bottom, &f->stack_size};
  if (f == hub_fiber_.get()) {
    f->context = boost::context::fiber(std::allocator_arg, std::move(alloc), [this](boost::context::fiber&& caller) {
      arrived(nullptr);
      if (caller) prev_->context = std::move(caller);
      loop();
      // The hub is being destroyed: go back to the main fiber for good.
      FiberBase* m = main_.get();
      current_ = m;
      m->state = RunState::running;
      prev_ = nullptr;
      sanitizer_start_switch(nullptr, m->stack_bottom, m->stack_size);
      return std::move(m->context);
    });
    return;
  }
  f->context = boost::context::fiber(std::allocator_arg, std::move(alloc), [this, f](boost::context::fiber&& caller) {
    arrived(nullptr);
    if (caller) prev_->context = std::move(caller);
    run_fiber(f);
    return finish(f);
  });
}

void Scheduler::run_fiber(FiberBase* f) {
  try {
    if (f->pending) std::rethrow_exception(std::exchange(f->pending, nullptr));
    f->run_body();
  } catch (const boost::context::detail::forced_unwind&) {
    throw;  // destroying an unfinished fiber: let Boost.Context unwind it
  } catch (const ForcedUnwind&) {
    f->error = std::make_exception_ptr(FiberExit(ExitReason::shutdown()));
  } catch (...) {
    f->error = std::current_exception();
  }
}

boost::context::fiber Scheduler::finish(FiberBase* f) noexcept {
  f->finished = true;
  f->pending = nullptr;
  // Fiber-local values die on the fiber's own stack.
  if (f->extras && !f->extras->locals.empty()) release_locals(f->extras->locals);
  bool observed = f->error_observed || !f->joiners.empty();
  for (ExitObserver* o = f->observers; o && !observed; o = o->next) observed = o->handles_failure;
  wake_all(f->joiners);
  notify_exit(f);
  if (f->error && !observed && failed(f)) report_unhandled(*f);
  f->state = RunState::dead;
  f->waiting_on = nullptr;
  unlink_live(f);  // may free f: do not touch it below
  FiberBase* next = next_to_run();
  current_ = next;
  prev_ = nullptr;
  next->state = RunState::running;
  if (!next->context) ensure_context(next);
  sanitizer_start_switch(nullptr, next->stack_bottom, next->stack_size);
  return std::move(next->context);
}

void Scheduler::interrupt(FiberBase* f, std::exception_ptr e) {
  if (f->finished) return;
  if (f != current_ &&
      (f->state == RunState::created || (f->state == RunState::ready && !f->context && f != main_.get()))) {
    // Never started: it dies without running.
    if (f->state == RunState::ready) ready_.remove(f);
    if (f->extras && f->extras->start_timer) timers_.remove(*f->extras->start_timer);
    Ref<FiberBase> keep(f);
    f->error = std::move(e);
    f->finished = true;
    f->error_observed = true;
    wake_all(f->joiners);
    notify_exit(f);
    f->state = RunState::dead;
    unlink_live(f);
    return;
  }
  // Interrupts queue up: each is raised at a suspension point of its own.
  if (!f->pending) f->pending = std::move(e);
  else f->more().more_pending.push_back(std::move(e));
  if (f != current_) wake(f);
}

void Scheduler::discard_pending(FiberBase* f, const std::exception_ptr& e) noexcept {
  if (f->pending == e) {
    f->pending = nullptr;
    if (f->extras && !f->extras->more_pending.empty()) {
      f->pending = std::move(f->extras->more_pending.front());
      f->extras->more_pending.erase(f->extras->more_pending.begin());
    }
    return;
  }
  if (f->extras) std::erase(f->extras->more_pending, e);
}

void Scheduler::require_fiber_context(const char* what) const {
  if (current_ == hub_fiber_.get())
    throw UsageError(std::string("grove: ") + what +
                     " would block the hub's own context (an Asio handler, timer or hub callback); "
                     "spawn a fiber to do blocking work");
}

namespace {
struct WakeTimer final : TimerNode {
  WakeTimer(Scheduler* s, FiberBase* f) : TimerNode(&WakeTimer::fire_now), sched(s), fiber(f) {}
  static void fire_now(TimerNode& n) noexcept {
    auto& t = static_cast<WakeTimer&>(n);
    t.fired = true;
    t.sched->wake(t.fiber);
  }
  Scheduler* sched;
  FiberBase* fiber;
  bool fired = false;
};
}  // namespace

bool Scheduler::park_until(TimePoint deadline, const char* what, bool weak) {
  if (deadline == TimePoint::max()) {
    park(what);
    return true;
  }
  WakeTimer timer(this, current_);
  timer.deadline = deadline;
  timer.weak = weak;
  timers_.push(timer);
  try {
    park(what);
  } catch (...) {
    timers_.remove(timer);
    throw;
  }
  timers_.remove(timer);
  return !timer.fired;
}

void Scheduler::run_until_idle() {
  require_fiber_context("Hub::run");
  Waiter w(current_);
  idle_waiters_.push_back(w);
  park("Hub::run (until idle)");
}

void Scheduler::wake_idle_waiters() noexcept {
  wake_all(idle_waiters_);
  wake_all(drain_waiters_);
}

void Scheduler::shutdown(Duration grace) {
  require_fiber_context("Hub::shutdown");
  stopped_ = true;
  const TimePoint deadline = deadline_after(now(), grace);
  for (int round = 0; round < 3 && live_count_ > 0 && now() < deadline; ++round) {
    if (!stop_live_fibers(std::make_exception_ptr(FiberExit(ExitReason::shutdown())), false, deadline)) break;
  }
}

// stop_live_fibers() raises e in every live fiber and waits until none is
// left, the hub is idle or the deadline passes; false if nothing was left.
bool Scheduler::stop_live_fibers(std::exception_ptr e, bool doom, TimePoint deadline) {
  std::vector<Ref<FiberBase>> victims;
  for (FiberBase* f = live_head_; f; f = f->live_next) victims.emplace_back(f);
  for (auto& f : victims) {
    if (f.get() == current_ || f->finished) continue;
    f->doomed = doom;
    interrupt(f.get(), e);
  }
  if (live_count_ == 0) return false;
  Waiter w(current_);
  drain_waiters_.push_back(w);
  try {
    park_until(deadline, "Hub::shutdown (fibers to unwind)", /*weak=*/true);
  } catch (const LoopExit&) {
    // only fibers that ignore the exception are left
  }
  return live_count_ > 0;
}

std::string Scheduler::describe_blocked() const {
  return "grove::LoopExit: this operation would block forever: every fiber is blocked and no timer or I/O is pending." +
         list_fibers(false);
}

std::string Scheduler::list_fibers(bool all) const {
  std::string out;
  std::size_t shown = 0;
  auto line = [&](const FiberBase* f) {
    if (++shown > 50) return;
    out += "\n  ";
    out += f->display_name();
    if (f->state == RunState::parked) {
      out += " waits on ";
      out += f->waiting_on ? f->waiting_on : "(unknown)";
    } else {
      out += f->state == RunState::created ? " has not started" : " is ready to run";
    }
  };
  if (main_->state == RunState::parked) line(main_.get());
  for (const FiberBase* f = live_head_; f; f = f->live_next)
    if (all || f->state == RunState::parked) line(f);
  if (shown > 50) out += "\n  ... and " + std::to_string(shown - 50) + " more";
  return out;
}

void Scheduler::report_unhandled(FiberBase& f) noexcept {
  if (unhandled_handler) {
    try {
      unhandled_handler(f.display_name(), f.error);
    } catch (...) {
    }
  }
  if (unhandled_policy == UnhandledPolicy::ignore) return;
  try {
    const std::string what = describe(f.error);
    spdlog::error("grove: fiber '{}' died with an unhandled exception: {}", f.display_name(), what);
  } catch (...) {
  }
  if (unhandled_policy == UnhandledPolicy::abort) std::abort();
}

// The hub's loop: fire due timers, poll I/O, run ready fibers; when none is
// ready, block in the io_context until the next deadline or I/O event.
void Scheduler::loop() {
  while (!stopping_loop_) {
    switches_since_poll_ = 0;
    fire_due_timers();
    poll_io();
    if (FiberBase* f = pop_ready()) {
      switch_to(f);
      continue;
    }
    if (!wait_for_events()) {
      // Nothing can ever wake anyone again.
      if (!idle_waiters_.empty() || !drain_waiters_.empty()) {
        wake_idle_waiters();
      } else if (main_->state == RunState::parked) {
        main_->pending = std::make_exception_ptr(LoopExit(describe_blocked()));
        wake(main_.get());
      }
    }
  }
}

void Scheduler::fire_due_timers() {
  if (timers_.empty()) return;
  TimePoint now = this->now();
  while (TimerNode* t = timers_.pop_due(now)) t->fire(*t);
}

void Scheduler::poll_io() {
  if (io_.stopped()) io_.restart();
  try {
    io_.poll();
  } catch (const std::exception& e) {
    spdlog::error("grove: an Asio handler threw out of the hub's loop: {}", e.what());
  } catch (...) {
    spdlog::error("grove: an Asio handler threw a non-std exception out of the hub's loop");
  }
}

bool Scheduler::wait_for_events() {
  TimerNode* t = timers_.top();
  if (policy_) [[unlikely]] {
    // Weak timers alone do not keep the hub busy: they are no deadline to
    // jump to. A virtual clock jumps (advanced) or calls the hub idle; a
    // policy on the steady clock answers wait: the real wait below.
    switch (policy_->on_idle(t && timers_.strong() > 0 ? t->deadline : TimePoint::max())) {
      case IdleAction::advanced: return true;
      case IdleAction::idle: return false;
      case IdleAction::wait: break;
    }
  }
  if (t && timers_.strong() == 0) {
    // Only weak timers: wait for I/O until the earliest of them, and call
    // the hub idle if nothing at all is pending.
    if (wakeup_armed_ != TimePoint::max()) {
      wakeup_armed_ = TimePoint::max();
      wakeup_timer_.cancel();
    }
    if (io_.stopped()) io_.restart();
    std::size_t n = 0;
    try {
      // On the policy's clock the weak deadline is this far away in real time.
      n = io_.run_one_until(policy_ ? Clock::now() + (t->deadline - now()) : t->deadline);
    } catch (const std::exception& e) {
      spdlog::error("grove: an Asio handler threw out of the hub's loop: {}", e.what());
      return true;
    } catch (...) {
      spdlog::error("grove: an Asio handler threw a non-std exception out of the hub's loop");
      return true;
    }
    if (n > 0) return true;
    if (io_.stopped()) io_.restart();
    return now() >= t->deadline;  // timed out (timers due) or idle
  }
  if (t) {
    if (t->deadline != wakeup_armed_) {
      wakeup_armed_ = t->deadline;
      wakeup_timer_.expires_at(t->deadline);
      wakeup_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) wakeup_armed_ = TimePoint::max();
      });
    }
  } else if (wakeup_armed_ != TimePoint::max()) {
    wakeup_armed_ = TimePoint::max();
    wakeup_timer_.cancel();
  }
  if (io_.stopped()) io_.restart();
  std::size_t n = 0;
  try {
    n = io_.run_one();
  } catch (const std::exception& e) {
    spdlog::error("grove: an Asio handler threw out of the hub's loop: {}", e.what());
    return true;
  } catch (...) {
    spdlog::error("grove: an Asio handler threw a non-std exception out of the hub's loop");
    return true;
  }
  if (n == 0) {
    io_.restart();
    return !timers_.empty();
  }
  return true;
}

[[noreturn]] void Scheduler::throw_pending(FiberBase* self) {
  // A doomed fiber (hub shutdown) keeps its exit pending for every call.
  std::exception_ptr e = self->pending;
  if (!self->doomed) {
    self->pending = nullptr;
    if (self->extras && !self->extras->more_pending.empty()) {
      self->pending = std::move(self->extras->more_pending.front());
      self->extras->more_pending.erase(self->extras->more_pending.begin());
    }
  }
  std::rethrow_exception(e);
}

Scheduler& create_default_hub() {
  Hub::create();
  return *tls_scheduler;
}

void throw_wrong_thread(const char* what) {
  throw UsageError(std::string("grove: ") + what +
                   ": this fiber handle belongs to another OS thread's hub; use it only on the thread "
                   "that spawned the fiber (hand results across threads with an AsyncResult)");
}

}  // namespace grove::detail

namespace grove {

Hub::Hub(boost::asio::io_context* adopted, HubConfig config) {
  if (!adopted) {
    owned_io_ = std::make_unique<boost::asio::io_context>(1);
    adopted = owned_io_.get();
  }
  engine_ = std::make_unique<detail::Scheduler>(*this, *adopted, config);
}

Hub::~Hub() {
  detail::Scheduler* engine = engine_.get();
  engine_.reset();  // kills and unwinds the fibers; tls_scheduler is still valid meanwhile
  if (detail::tls_scheduler == engine) detail::tls_scheduler = nullptr;
}

Hub& Hub::create(HubConfig config) {
  if (detail::tls_scheduler)
    throw UsageError("grove::Hub::create: this thread already has a hub; create it before any other grove call");
  detail::tls_hub_owner.reset(new Hub(nullptr, config));
  detail::tls_scheduler = &detail::tls_hub_owner->engine();
  return *detail::tls_hub_owner;
}

Hub& Hub::create(boost::asio::io_context& io, HubConfig config) {
  if (detail::tls_scheduler)
    throw UsageError("grove::Hub::create: this thread already has a hub; create it before any other grove call");
  detail::tls_hub_owner.reset(new Hub(&io, config));
  detail::tls_scheduler = &detail::tls_hub_owner->engine();
  return *detail::tls_hub_owner;
}

void Hub::destroy_current() {
  if (!detail::tls_scheduler) return;
  if (detail::tls_scheduler->current() != detail::tls_scheduler->main_fiber())
    throw UsageError("grove::Hub::destroy_current: call it from the main fiber, not from a spawned fiber");
  detail::tls_hub_owner.reset();
  detail::tls_scheduler = nullptr;
}

void Hub::run() { engine_->run_until_idle(); }

void Hub::shutdown(Duration grace) { engine_->shutdown(grace); }

}  // namespace grove
