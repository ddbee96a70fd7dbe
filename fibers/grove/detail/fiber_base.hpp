#pragma once
// detail/fiber_base.hpp — the ref-counted control block behind every Fiber
// handle. It outlives the fiber's stack: a dead fiber keeps its result, its
// exception and its exit reason for as long as a handle refers to it.

#include <grove/duration.hpp>
#include <grove/exit_reason.hpp>
#include <grove/detail/block_pool.hpp>
#include <grove/detail/continuation.hpp>
#include <grove/detail/fiber_stats.hpp>
#include <grove/detail/local_slot.hpp>
#include <grove/detail/sanitizer.hpp>
#include <grove/detail/timer_heap.hpp>
#include <grove/detail/wait_queue.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace grove {
class Hub;
}

namespace grove::detail {

class FiberBase;
class FiberProbe;  // fibers/grove/introspect.hpp

// StartTimer starts a spawn_later fiber when its delay has passed.
struct StartTimer final : TimerNode {
  explicit StartTimer(FiberBase* f) noexcept : TimerNode(&StartTimer::fire_now), fiber(f) {}
  static void fire_now(TimerNode& n) noexcept;
  FiberBase* fiber;
};

// FiberIdentity names one fiber of one hub (its control block plus its id,
// so a recycled control block is not mistaken for the old fiber).
struct FiberIdentity {
  const FiberBase* fiber = nullptr;
  std::uint64_t id = 0;
  static FiberIdentity current();  // the running fiber (detail/scheduler.hpp)
  bool is_current() const;
  explicit operator bool() const noexcept { return fiber != nullptr; }
  friend bool operator==(const FiberIdentity&, const FiberIdentity&) = default;
};

// WaitEdge is an edge of the wait-for graph that LoopExit's message prints
// (fibers/deadlock_report.cpp): a fiber about to park on something another
// fiber holds records it — join the fiber it joins ("join of 'w3'"), a
// Lock or RLock its holder ("Lock held by 'w7'"). It lives on the waiting
// fiber's stack for the wait; `holder` is read only when a report is made,
// so a lock's current owner is named. Primitives that no one fiber holds
// record nothing. Made only on the slow path (about to park): one pointer
// stored on the fiber, and restored when the wait ends however it ends.
class WaitEdge {
 public:
  // WaitEdge(self, label, relation, holder): self is the running fiber.
  WaitEdge(FiberBase* self, const char* label, const char* relation, const FiberIdentity* holder) noexcept;
  WaitEdge(FiberBase* self, const char* label, const char* relation, FiberIdentity target) noexcept
      : WaitEdge(self, label, relation, nullptr) {
    target_ = target;
    holder_ = &target_;
  }
  ~WaitEdge();
  WaitEdge(const WaitEdge&) = delete;
  WaitEdge& operator=(const WaitEdge&) = delete;

  const char* label() const noexcept { return label_; }        // "join", "Lock"
  const char* relation() const noexcept { return relation_; }  // "of", "held by"
  FiberIdentity holder() const noexcept { return holder_ ? *holder_ : FiberIdentity{}; }

 private:
  FiberBase* self_;
  const WaitEdge* previous_;
  const char* label_;
  const char* relation_;
  const FiberIdentity* holder_;
  FiberIdentity target_;
};

enum class RunState : std::uint8_t {
  created,  // spawned, never run (maybe scheduled, maybe waiting for spawn_later)
  ready,    // in the hub's ready queue
  running,  // the hub's current fiber
  parked,   // blocked on a Waiter or timer
  dead      // finished; the stack is gone
};

// ExitObserver is told, on the dying fiber's own stack, that a fiber ended.
// Links, monitors and link(callback) are observers. Observers are owned by
// the observed fiber's list and deleted once notified or removed.
struct ExitObserver {
  virtual ~ExitObserver() = default;
  virtual void on_exit(FiberBase& dead) = 0;
  ExitObserver* prev = nullptr;
  ExitObserver* next = nullptr;
  std::uint64_t id = 0;
  // handles_failure: this observer is told of a failure (so the hub need
  // not report it as unhandled); false for link_value callbacks.
  bool handles_failure = true;
};

// FiberExtras holds what few fibers use, so the common control block stays
// small (a blocked fiber costs its control block plus one stack page).
struct FiberExtras {
  FiberExtras();
  ~FiberExtras();
  std::string name;
  // Erlang-style exit trapping: when set, exit signals from linked fibers
  // are passed here instead of killing this fiber.
  std::function<void(FiberBase& from, const ExitReason&)> exit_trap;
  std::unique_ptr<StartTimer> start_timer;  // spawn_later
  // Fiber-local values (grove::Local), keyed by the Local's id; those whose
  // Local still lives are destroyed on the fiber's own stack when it ends.
  std::vector<LocalEntry> locals;
  // Interrupts queued behind the first (InterruptQueue's alone).
  std::vector<std::exception_ptr> more_interrupts;
  // probe describes the fiber's owner to grove::debug snapshots (an
  // actor's mailbox; fibers/grove/introspect.hpp); null for plain fibers.
  const FiberProbe* probe = nullptr;
};

class FiberBase {
 public:
  static void* operator new(std::size_t size) { return BlockPool::allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { BlockPool::deallocate(p, size); }

  FiberBase(Hub* hub, std::uint64_t id) noexcept : hub(hub), id(id) {}
  virtual ~FiberBase();
  FiberBase(const FiberBase&) = delete;
  FiberBase& operator=(const FiberBase&) = delete;

  // run_body() runs the user's code and stores its result; exceptions escape.
  virtual void run_body() = 0;

  // Reference counting for handles (atomic: a handle may be dropped on any
  // thread, though it may be *used* only on its hub's thread).
  void add_ref() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
  // release() drops one reference. The sole owner (count 1) frees the
  // block without a locked instruction: a new reference is only ever made
  // from an existing one, so no other thread can add one meanwhile.
  void release() noexcept {
    if (refs.load(std::memory_order_acquire) == 1 || refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // is_dead() is true once the fiber's code has finished (its link
  // callbacks may still be running on its stack).
  bool is_dead() const noexcept { return finished; }
  std::string display_name() const;
  ExitReason exit_reason() const;

  std::atomic<std::uint32_t> refs{0};
  // The state and flags sit beside refs, in what would be padding: the
  // control block of a spawn([] {...}) fits a 144-byte pool block.
  RunState state = RunState::created;  // owned by the hub
  bool scheduled : 1 = false;          // has been put on the ready queue at least once
  bool finished : 1 = false;           // the body has returned or thrown
  bool doomed : 1 = false;             // hub shutdown: every blocking call raises the pending exit
  bool error_observed : 1 = false;     // someone joined, linked or asked for the exception
  bool exiting : 1 = false;            // a FiberExit was sent (a kill, a link): it is being killed
  bool body_gone : 1 = false;          // FiberImpl's callable has been destroyed
  Hub* hub;
  std::uint64_t id;
  // parent_id is the id of the fiber that spawned this one (the spawn
  // tree), or no_parent: the main fiber, and fibers spawned from the hub's
  // own context (an Asio handler, a timer callback).
  static constexpr std::uint64_t no_parent = ~std::uint64_t{0};
  std::uint64_t parent_id = no_parent;
  // stats: spawn site, counters, since-when and deadline of a wait, kept
  // for grove::debug snapshots (detail/fiber_stats.hpp).
  FiberStats stats;

  // Scheduling (owned by the hub).
  FiberBase* ready_prev = nullptr;
  FiberBase* ready_next = nullptr;
  FiberBase* live_prev = nullptr;
  FiberBase* live_next = nullptr;
  Continuation context;                 // set while the fiber is suspended (detail/continuation.hpp)
  const char* waiting_on = nullptr;     // what a parked fiber waits for (LoopExit)
  const WaitEdge* wait_edge = nullptr;  // the fiber it waits on, if one (LoopExit)
  // has_interrupt() tells whether an interrupt is pending (raised at the
  // fiber's next suspension point); InterruptQueue owns the queue itself.
  bool has_interrupt() const noexcept { return static_cast<bool>(pending_); }

 private:
  friend class InterruptQueue;
  std::exception_ptr pending_;  // the first pending interrupt

 public:
  [[no_unique_address]] StackBounds stack;  // for ASan only: empty otherwise

  // Outcome.
  std::exception_ptr error;  // the exception that ended it (FiberExit included)
  WaitQueue joiners;         // fibers in join() / wait_any()
  ExitObserver* observers = nullptr;
  std::unique_ptr<FiberExtras> extras;

  FiberExtras& more() {
    if (!extras) extras = std::make_unique<FiberExtras>();
    return *extras;
  }
  bool traps_exits() const noexcept { return extras && extras->exit_trap; }
};

// Ref is an intrusive pointer to a FiberBase (or a subclass).
template <class T>
class Ref {
 public:
  Ref() = default;
  explicit Ref(T* p) noexcept : p_(p) {
    if (p_) p_->add_ref();
  }
  Ref(const Ref& o) noexcept : p_(o.p_) {
    if (p_) p_->add_ref();
  }
  Ref(Ref&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  template <class U>
  Ref(const Ref<U>& o) noexcept : p_(o.get()) {
    if (p_) p_->add_ref();
  }
  Ref& operator=(Ref o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~Ref() {
    if (p_) p_->release();
  }

  T* get() const noexcept { return p_; }
  // adopt(p) takes over a reference already counted in p->refs.
  static Ref adopt(T* p) noexcept {
    Ref r;
    r.p_ = p;
    return r;
  }
  // leak() gives up the reference without releasing it.
  T* leak() noexcept { return std::exchange(p_, nullptr); }
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

inline WaitEdge::WaitEdge(FiberBase* self, const char* label, const char* relation,
                          const FiberIdentity* holder) noexcept
    : self_(self), previous_(self->wait_edge), label_(label), relation_(relation), holder_(holder) {
  self->wait_edge = this;
}
inline WaitEdge::~WaitEdge() { self_->wait_edge = previous_; }

}  // namespace grove::detail
