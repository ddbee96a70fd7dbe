// scheduler.cpp — the engine's construction and destruction, its scheduling
// policy, and hub shutdown.

#include <grove/hub.hpp>
#include <grove/log.hpp>

#include <grove/fiber.hpp>

#include "internal/context_switch.hpp"
#include "internal/loop_io.hpp"

#include <spdlog/spdlog.h>

#include <pthread.h>

#include <memory>

#include <string>
#include <vector>

namespace grove::detail {

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

}  // namespace

Scheduler::Scheduler(Hub& facade, boost::asio::io_context& io, const HubConfig& config)
    : facade_(facade),
      io_(io),
      config_(config),
      stacks_(config.stack_size, config.guard_pages),
      loop_io_(std::make_unique<LoopIo>(io)),
      main_(new MainFiber(&facade, 0)),
      hub_fiber_(new HubFiber(&facade, FiberBase::no_parent)),  // so fibers it spawns have no parent
      anchor_(std::make_shared<RemoteAnchor>(this)) {
  unhandled_policy = config.unhandled;
  unhandled_handler = config.on_unhandled;
  policy_owner_ = config.policy;
  policy_ = policy_owner_.get();
  slow_pick_ = policy_ != nullptr || config_.fiber_timing;
  if (config_.poll_interval == 0) config_.poll_interval = 1;
  if (config_.spin < Duration::zero())
    throw UsageError("grove: HubConfig::spin is negative; give 0 (sleep at once) or how long an idle hub may poll");
  main_->more().name = "main";
  main_->state = RunState::running;
  hub_fiber_->more().name = "hub";
  current_ = main_.get();
  switched_at_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(created_at_.time_since_epoch()).count();
  turn_time_ = now();
  main_->stats.since = turn_time_;
  thread_ = std::this_thread::get_id();
  static_assert(sizeof(pthread_t) <= sizeof(native_thread_));
  native_thread_ = static_cast<std::uint64_t>(pthread_self());
  register_hub(this);  // sets number_, under the registry's lock
}

Scheduler::~Scheduler() {
  unregister_hub(this);
  struct Unanchor {
    RemoteAnchor& a;
    ~Unanchor() {
      // Later posts are refused; what is queued is destroyed unrun, here
      // (destroying one may queue another: drained until none is left).
      a.close();
      while (!a.queue.empty()) RemoteAnchor::settle_all(a.queue.take_all(), false);
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
    if (live_count_ > 0)
      stop_live_fibers(std::make_exception_ptr(ForcedUnwind{}), true, now() + std::chrono::seconds(1));
  } catch (...) {
  }
  if (live_count_ > 0) {
    // A fiber that swallows even ForcedUnwind cannot be unwound safely: it
    // and its stack are left in place (leaked).
    grove::logger()->error("grove: {} fiber(s) ignored FiberExit at hub shutdown and were leaked: {}", live_count_,
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

FiberBase* Scheduler::pop_picked() noexcept {
  if (config_.fiber_timing) account_run();
  if (!policy_) return ready_.pop_front();
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
    loop_io_->wakeup_timer.cancel();
  }
  policy_owner_ = std::move(policy);
  policy_ = policy_owner_.get();
  slow_pick_ = policy_ != nullptr || config_.fiber_timing;
  config_.policy = policy_owner_;
}

void Scheduler::require_fiber_context(const char* what) const {
  if (current_ == hub_fiber_.get()) throw_in_hub_context(what);
}

void Scheduler::throw_in_hub_context(const char* what) const {
  throw UsageError(std::string("grove: ") + what +
                   " would block the hub's own context (an Asio handler, timer or hub callback); "
                   "spawn a fiber to do blocking work");
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
  drain_waiters_.push(w);
  try {
    park_until(deadline, "Hub::shutdown (fibers to unwind)", /*weak=*/true);
  } catch (const LoopExit&) {
    // only fibers that ignore the exception are left
  }
  return live_count_ > 0;
}

}  // namespace grove::detail
