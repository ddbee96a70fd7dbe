#pragma once
// detail/scheduler.hpp — the engine behind grove::Hub: the ready queue, the
// switch, park/wake, the timer heap and the hub's loop. Primitives reach it
// through detail::scheduler(); users see only the Hub facade.
// It includes neither Asio nor Boost.Context (docs/design/hub.md, "What a
// primitive's header includes"): the io_context is only named, the switch
// and the loop's Asio objects live in fibers/*.cpp and fibers/internal/.

#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/hub_config.hpp>
#include <grove/scheduling_policy.hpp>
#include <grove/detail/fiber_base.hpp>
#include <grove/detail/hub_registry.hpp>
#include <grove/detail/inbox.hpp>
#include <grove/detail/interrupt_queue.hpp>
#include <grove/detail/sanitizer.hpp>
#include <grove/detail/stack_pool.hpp>
#include <grove/detail/timer_heap.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace grove::detail {

// ReadyQueue is the hub's intrusive FIFO of runnable fibers. Removal from
// the middle (a never-started fiber being killed) is O(1).
class ReadyQueue {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  FiberBase* front() const noexcept { return head_; }
  void push_back(FiberBase* f) noexcept {
    f->ready_next = nullptr;
    f->ready_prev = tail_;
    if (tail_) tail_->ready_next = f;
    else head_ = f;
    tail_ = f;
  }
  void push_front(FiberBase* f) noexcept {
    f->ready_prev = nullptr;
    f->ready_next = head_;
    if (head_) head_->ready_prev = f;
    else tail_ = f;
    head_ = f;
  }
  FiberBase* pop_front() noexcept {
    FiberBase* f = head_;
    if (f) {
      head_ = f->ready_next;
      if (head_) head_->ready_prev = nullptr;
      else tail_ = nullptr;
      f->ready_next = nullptr;
    }
    return f;
  }
  void remove(FiberBase* f) noexcept {
    if (f->ready_prev) f->ready_prev->ready_next = f->ready_next;
    else head_ = f->ready_next;
    if (f->ready_next) f->ready_next->ready_prev = f->ready_prev;
    else tail_ = f->ready_prev;
    f->ready_prev = f->ready_next = nullptr;
  }

 private:
  FiberBase* head_ = nullptr;
  FiberBase* tail_ = nullptr;
};

class Scheduler;

// ForcedUnwind unwinds a fiber that ignored FiberExit while its hub is
// destroyed. It derives from nothing, so only catch (...) can stop it.
struct ForcedUnwind {};

class Scheduler;
extern constinit thread_local Scheduler* tls_scheduler;
// engine_of(hub) is the engine behind a Hub facade (grove's own modules
// only; users see the Hub).
inline Scheduler& engine_of(Hub& h) noexcept;  // defined in hub.hpp

class Scheduler {
 public:
  Scheduler(Hub& facade, boost::asio::io_context& io, const HubConfig& config);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  Hub& facade() const noexcept { return facade_; }
  boost::asio::io_context& io() const noexcept { return io_; }
  const HubConfig& config() const noexcept { return config_; }
  FiberBase* current() const noexcept { return current_; }
  FiberBase* main_fiber() noexcept { return main_.get(); }
  bool in_hub_context() const noexcept { return current_ == hub_fiber_.get(); }
  bool stopped() const noexcept { return stopped_; }
  std::size_t live_fibers() const noexcept { return live_count_; }
  StackPool& stacks() noexcept { return stacks_; }
  std::uint64_t next_id() noexcept { return next_id_++; }
  // next_link_id() / next_name_number() number links and monitors, and the
  // default names of actors, per hub: a fresh hub repeats the same numbers.
  std::uint64_t next_link_id() noexcept { return next_link_id_++; }
  std::uint64_t next_name_number() noexcept { return next_name_number_++; }
  UnhandledPolicy unhandled_policy = UnhandledPolicy::log;
  UnhandledHandler unhandled_handler;

  // now() is the hub's clock: the policy's when one is installed.
  TimePoint now() const {
    if (policy_) [[unlikely]]
      return policy_now();
    return Clock::now();
  }
  // set_policy() installs (or, with null, removes) the scheduling policy;
  // it throws UsageError unless called from the main fiber while no fiber
  // lives and no timer is armed.
  void set_policy(std::shared_ptr<SchedulingPolicy> policy);
  SchedulingPolicy* policy() const noexcept { return policy_; }
  std::size_t timer_count() const noexcept { return timers_.size(); }
  std::uint64_t sleeps() const noexcept { return sleeps_; }

  // adopt() registers a freshly created fiber with the hub, which keeps a
  // reference until the fiber dies (the caller has counted it already);
  // schedule() puts it on the ready queue.
  void adopt(FiberBase* f) noexcept {
    f->live_prev = nullptr;
    f->live_next = live_head_;
    if (live_head_) live_head_->live_prev = f;
    live_head_ = f;
    ++live_count_;
  }
  void schedule(FiberBase* f) noexcept {
    f->scheduled = true;
    f->state = RunState::ready;
    ready_.push_back(f);
  }
  void schedule_at(FiberBase* f, TimePoint when);
  // dispatch() runs a freshly adopted fiber at once; the caller resumes
  // first thing after it blocks or ends (depth-first spawning).
  void dispatch(FiberBase* f);

  // park() suspends the running fiber until wake() or interrupt(); the
  // caller must already have linked a Waiter (or armed a timer) that leads
  // back to it. It throws the pending exception of an interrupt.
  void park(const char* what);
  // park_until() is park() with a deadline; it returns false on timeout.
  bool park_until(TimePoint deadline, const char* what, bool weak = false);
  // wake() makes a parked fiber ready; it is a no-op for any other state.
  void wake(FiberBase* f) noexcept {
    if (f->state == RunState::parked) {
      ++f->stats.wakes;
      f->state = RunState::ready;
      ready_.push_back(f);
    }
  }
  // yield() lets every other ready fiber run once, then returns.
  void yield();
  // interrupt() raises e in f at its next suspension point (kill, Timeout,
  // link exits); several interrupts are raised one per suspension point, in
  // order. A fiber that was never started dies at once without running.
  void interrupt(FiberBase* f, std::exception_ptr e);
  // discard_pending() withdraws an interrupt not raised yet (a Timeout
  // scope that ends before its exception was delivered).
  void discard_pending(FiberBase* f, const std::exception_ptr& e) noexcept;
  // park_shielded(done, what) parks the running fiber until done() holds,
  // whatever happens meanwhile: interrupts that arrive are set aside and
  // queued again, in order, before it returns (the caller raises them once
  // what it waits for can no longer touch its stack). If the hub proves
  // nothing can make done() hold (LoopExit, main fiber only), that is thrown.
  template <class Done>
  void park_shielded(Done&& done, const char* what);
  // requeue_interrupt(e) puts e back first among the running fiber's
  // pending interrupts (raised by a park, it must wait its turn).
  void requeue_interrupt(std::exception_ptr e) { InterruptQueue(*current_).push_front(std::move(e)); }
  // raise_pending() raises the running fiber's next interrupt, if any: a
  // suspension point that does not switch.
  void raise_pending() {
    if (current_->has_interrupt()) [[unlikely]]
      throw_pending(current_);
  }

  // hold()/unhold() count waits that another OS thread may end (an
  // AsyncResult set remotely, a ThreadPool job): while any is held the hub
  // blocks for I/O instead of raising LoopExit.
  void hold() {
    if (holds_++ == 0) keep_alive(true);
  }
  void unhold() noexcept {
    if (--holds_ == 0) keep_alive(false);
  }
  // post() runs fn in the hub's context, after what was posted before it
  // (from any thread); call it on the hub's own thread, or from another
  // thread through post_remote(). It goes through the hub's inbox
  // (detail/inbox.hpp): a small fn allocates nothing once warm.
  template <class F>
  void post(F&& fn) {
    post_node(PostedNode<std::decay_t<F>>::make(std::forward<F>(fn)));
  }
  // post_node(n) queues an inbox item (a node embedded in what it
  // announces); settled unrun at once if the hub is being destroyed.
  void post_node(InboxNode* n) {
    if (!anchor_->push(n)) [[unlikely]]
      n->settle(n, false);
  }
  // anchor() is the handle other threads keep to post to this hub.
  const std::shared_ptr<RemoteAnchor>& anchor() const noexcept { return anchor_; }

  void add_timer(TimerNode& t) { timers_.push(t); }
  void remove_timer(TimerNode& t) noexcept { timers_.remove(t); }

  // require_fiber_context() throws when called from the hub's own context,
  // where blocking is impossible (Asio handlers, timer callbacks).
  void require_fiber_context(const char* what) const;

  // run_until_idle() blocks the calling fiber until the hub has nothing
  // left to do (no ready fiber, no timer, no I/O), or until the deadline
  // (a weak timer); it returns false when the deadline came first.
  bool run_until_idle(TimePoint deadline = TimePoint::max());
  // wait_until_nothing_ready() parks the calling fiber until the hub's loop
  // finds no fiber ready to run after polling I/O (gevent.idle()).
  void wait_until_nothing_ready();
  // shutdown() kills every live fiber, lets them unwind, and refuses new ones.
  void shutdown(Duration grace = std::chrono::seconds(1));
  // describe_blocked() is LoopExit's message. list_fibers() lists the
  // parked fibers (all: every live one), one "\n  <name> waits on <what>"
  // line each, the first 50.
  std::string describe_blocked() const;
  std::string list_fibers(bool all) const;

  void report_unhandled(FiberBase& f) noexcept;

  // Observability (fibers/grove/introspect.hpp, docs/observability.md).
  // loop_turns() counts the loop's turns; another thread may read it (the
  // watchdog), as asleep() (the loop waits for events) and thread().
  std::uint64_t loop_turns() const noexcept { return loop_turns_.load(std::memory_order_relaxed); }
  bool asleep() const noexcept;
  const std::thread::id& thread() const noexcept { return thread_; }
  // native_thread() is the hub thread's pthread_t (the watchdog signals it).
  std::uint64_t native_thread() const noexcept { return native_thread_; }
  // number() numbers the hubs of the process from 0, in creation order.
  std::uint64_t number() const noexcept { return number_; }

 private:
  friend class SchedulerProbe;  // fibers/introspect.cpp reads the rest
  struct LoopIo;                // fibers/internal/loop_io.hpp
  // switch_to() is defined inline in fibers/internal/context_switch.hpp,
  // which every source that switches includes (park() and yield() are in
  // fibers/park.cpp).
  void switch_to(FiberBase* next);
  void resumed();                                                  // fibers/park.cpp
  [[noreturn]] void throw_in_hub_context(const char* what) const;  // require_fiber_context's throw
  // finish() ends a fiber's body on its own stack and picks the fiber to
  // resume, whose continuation its entry function returns.
  Continuation finish(FiberBase* dead) noexcept;
  // drain_inbox() runs the inbox's items queued so far, in order (the
  // loop, each turn after polling I/O); sleep_begin() raises the asleep
  // flag before the loop blocks, false (flag lowered) when the inbox has
  // items after all; sleep_end() lowers it after waking.
  void drain_inbox();
  bool sleep_begin() noexcept;
  void sleep_end() noexcept { anchor_->asleep.store(false, std::memory_order_relaxed); }
  // spin_before_sleep() polls the inbox (and every so often the I/O) for
  // up to config_.spin, or until the next timer is due; true when there is
  // work again (the loop goes round instead of sleeping).
  bool spin_before_sleep();
  void keep_alive(bool on);
  // shielded_park() is one park of park_shielded(): an interrupt it raises
  // joins `deferred`, LoopExit is stored in `never` (returns false).
  bool shielded_park(const char* what, std::vector<std::exception_ptr>& deferred, std::exception_ptr& never);
  FiberBase* next_to_run() noexcept {
    if (++switches_since_poll_ < config_.poll_interval) {
      if (FiberBase* f = pop_ready()) return f;
    }
    return hub_fiber_.get();
  }
  // pop_ready() takes the next fiber off the ready queue: its head, or the
  // one the policy picks (the only cost of the seam: one branch). The same
  // branch takes HubConfig::fiber_timing's accounting out of the switch path.
  FiberBase* pop_ready() noexcept {
    if (slow_pick_) [[unlikely]]
      return pop_picked();
    return ready_.pop_front();
  }
  FiberBase* pop_picked() noexcept;
  TimePoint policy_now() const;  // out of line: keeps now()'s callers small
  void ensure_context(FiberBase* f);
  void arrived(void* fake_stack) noexcept { sanitizer_finish_switch(fake_stack, prev_ ? &prev_->stack : nullptr); }
  void run_fiber(FiberBase* f);
  void wake_idle_waiters() noexcept;
  [[noreturn]] void throw_pending(FiberBase* self);
  void loop();
  // account_run() adds the time since the last scheduling decision to the
  // running fiber's run time (HubConfig::fiber_timing; pop_picked() calls
  // it as the running fiber hands over, so the switch path pays nothing).
  void account_run() noexcept;
  void fire_due_timers();
  std::size_t poll_io();
  bool wait_for_events();
  void unlink_live(FiberBase* f) noexcept;
  bool stop_live_fibers(std::exception_ptr e, bool doom, TimePoint deadline);

  Hub& facade_;
  boost::asio::io_context& io_;
  HubConfig config_;
  StackPool stacks_;
  ReadyQueue ready_;
  TimerHeap timers_;
  std::unique_ptr<LoopIo> loop_io_;  // the wake-up timer and the keep-alive work guard
  TimePoint wakeup_armed_ = TimePoint::max();
  Ref<FiberBase> main_;
  Ref<FiberBase> hub_fiber_;
  FiberBase* current_ = nullptr;
  FiberBase* prev_ = nullptr;  // the fiber that switched to the current one
  FiberBase* live_head_ = nullptr;
  std::size_t live_count_ = 0;
  unsigned switches_since_poll_ = 0;
  std::uint64_t sleeps_ = 0;  // Hub::sleeps()
  std::uint64_t next_id_ = 1;
  std::uint64_t next_link_id_ = 1;
  std::uint64_t next_name_number_ = 1;
  SchedulingPolicy* policy_ = nullptr;  // policy_owner_.get(), read on the switch path
  bool slow_pick_ = false;              // policy_ or config_.fiber_timing: pop_ready() calls pop_picked()
  std::shared_ptr<SchedulingPolicy> policy_owner_;
  WaitQueue idle_waiters_;   // blocked in run_until_idle()
  WaitQueue idle_callers_;   // blocked in wait_until_nothing_ready() (this_fiber::idle)
  WaitQueue drain_waiters_;  // blocked in shutdown() until no fiber lives
  bool stopped_ = false;
  bool stopping_loop_ = false;
  std::size_t holds_ = 0;
  std::shared_ptr<RemoteAnchor> anchor_;
  // Observability: the loop's turns (written by the hub only), the hub
  // clock at the start of the current turn, time spent waiting for events,
  // and, with fiber_timing, the steady time of the last switch.
  std::atomic<std::uint64_t> loop_turns_{0};
  TimePoint turn_time_{};
  std::int64_t idle_ns_ = 0;
  std::int64_t switched_at_ns_ = 0;
  Clock::time_point created_at_ = Clock::now();
  std::thread::id thread_;
  std::uint64_t native_thread_ = 0;
  std::uint64_t number_ = 0;
};

// post_remote() runs fn in the anchored hub's context, from any thread,
// through that hub's inbox; it returns false (fn untouched) when that hub no
// longer exists. A hub destroyed between the check and the push destroys fn
// unrun, on the sender's thread (its destructor must tell whoever waits).
template <class F>
bool post_remote(const std::shared_ptr<RemoteAnchor>& anchor, F&& fn) {
  if (anchor->closed()) [[unlikely]]
    return false;
  InboxNode* n = PostedNode<std::decay_t<F>>::make(std::forward<F>(fn));
  if (!anchor->push(n)) [[unlikely]]
    n->settle(n, false);
  return true;
}

// notify_exit() tells a dead fiber's observers (links, monitors,
// callbacks) that it has ended; it runs on the dying fiber's stack.
void notify_exit(FiberBase* f) noexcept;

// scheduler() is this thread's engine, creating the thread's hub on first use.
Scheduler& create_default_hub();
inline Scheduler& scheduler() {
  Scheduler* s = tls_scheduler;
  return s ? *s : create_default_hub();
}

// check_owner() throws UsageError when a fiber handle is used on a thread
// other than its hub's.
void throw_wrong_thread(const char* what);
inline void check_owner(const FiberBase* f, const char* what) {
  if (tls_scheduler == nullptr || &tls_scheduler->facade() != f->hub) [[unlikely]]
    throw_wrong_thread(what);
}

inline FiberIdentity FiberIdentity::current() {
  const FiberBase* f = scheduler().current();
  return {f, f->id};
}
inline bool FiberIdentity::is_current() const { return fiber != nullptr && *this == current(); }

template <class Done>
void Scheduler::park_shielded(Done&& done, const char* what) {
  if (done()) return;
  InterruptQueue interrupts(*current_);
  std::vector<std::exception_ptr> deferred;
  std::exception_ptr never;  // LoopExit: nothing can make done() hold any more
  while (!done()) {
    interrupts.take_all(deferred);
    if (!shielded_park(what, deferred, never)) break;
  }
  interrupts.take_all(deferred);
  interrupts.put_back(std::move(deferred));
  if (never) std::rethrow_exception(never);
}

}  // namespace grove::detail
