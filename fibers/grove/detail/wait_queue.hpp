#pragma once
// detail/wait_queue.hpp — WaitQueue, the one wait primitive. Every blocking
// primitive (Event, AsyncResult, Semaphore and the locks, Condition,
// Barrier, join, Group and Pool, the Queue family, Mailbox, Channel, the
// test kit's memory streams) is a predicate on a WaitQueue:
//
//   detail::WaitQueue waiters_;
//   bool get(TimePoint deadline) {                 // a waiter
//     return waiters_.wait_until(deadline, "Thing::get", [&] { return ready_; });
//   }
//   void set() { ready_ = true; waiters_.notify_all(); }   // a waker
//
// Contract (docs/design/waiter.md):
// - wait_until(deadline, what, ready) returns true at once if ready()
//   holds; otherwise it links the running fiber's Waiter (a node on that
//   fiber's own stack: no allocation) at the tail of the queue, parks, and
//   re-checks ready() after every wake, until ready() holds (true) or the
//   deadline passes (it then returns ready()). ready() is called right
//   before each park with nothing in between, so it may arm a wake hint.
//   A kill or Timeout throws out of it; the node is unlinked whichever way
//   the fiber leaves. TimePoint::max() is no deadline.
// - `what` is what the parked fiber waits on: Hub::describe_fibers() and
//   LoopExit's deadlock report print it ("'w1' waits on Event::wait").
// - notify_one() unlinks the oldest waiter and makes it ready; notify_all()
//   every waiter. A woken fiber only re-checks: nothing is handed over, so
//   a waiter that times out or is killed takes nothing with it. A counted
//   resource passes a wake its fiber did not use on (PassOn).
// - Hub thread only. A primitive that accepts a set or release from another
//   OS thread changes its state in atomics and calls notify_* on the hub's
//   thread through detail::RemoteWake (detail/remote_wake.hpp).
//
// It is in detail/ because it is the engine's contract with the primitives,
// not a user API: users wait on Event, Condition or a Queue, which keep
// their own invariants (wake hints, PassOn) that a bare queue would not.
//
// The engine (Scheduler) is a template parameter S defaulting to
// Scheduler only so this header does not include detail/scheduler.hpp:
// FiberBase holds its joiners in a WaitQueue, and scheduler.hpp needs
// FiberBase complete. Nothing is ever instantiated with another S.

#include <grove/duration.hpp>
#include <grove/detail/waiter.hpp>

#include <cstddef>
#include <type_traits>
#include <utility>

namespace grove::detail {

class Scheduler;
class FiberBase;
extern constinit thread_local Scheduler* tls_scheduler;
inline Scheduler& scheduler();

class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  // wait_until(deadline, what, ready): see the contract above.
  template <class Ready, class S = Scheduler>
  bool wait_until(TimePoint deadline, const char* what, Ready&& ready) {
    if (ready()) return true;
    S& s = static_cast<S&>(scheduler());
    Waiter w(s.current());
    return park_loop(s, w, deadline, what, ready);
  }
  // wait(what, ready) is wait_until() with no deadline.
  template <class Ready, class S = Scheduler>
  void wait(const char* what, Ready&& ready) {
    (void)wait_until<Ready, S>(TimePoint::max(), what, std::forward<Ready>(ready));
  }
  // wait_until(deadline, what, node, ready) is the hand-off form (Channel's
  // putters): the caller's own node, which may carry an offer and may be
  // linked already (push()), is (re)linked before each park; a waker that
  // takes the offer unlinks it with notify(node). The node stays on the
  // caller's stack and is left as it is (linked or not) however the call
  // ends: the caller knows what its offer became and unlinks it.
  template <class Ready, class S = Scheduler>
  bool wait_until(TimePoint deadline, const char* what, Waiter& node, Ready&& ready) {
    if (ready()) return true;
    return park_loop(static_cast<S&>(scheduler()), node, deadline, what, ready);
  }

  // park_once(s, node, what) is the hand-off form for a caller whose own
  // loop is the predicate: it has just found nothing to take (and armed any
  // wake hint), and it re-checks everything after this returns, parking
  // again if need be. It links node (if a notify unlinked it) and parks
  // once; s is the running hub's scheduler. The Mailbox's consumer loop
  // uses it, so its hot path checks once per park.
  template <class S>
  [[gnu::always_inline]] void park_once(S& s, Waiter& node, const char* what) {
    if (!node.linked()) list_.link_back(node);
    s.park(what);
  }

  // wait_until_any(n, queue, nodes, deadline, what, ready) is wait_until()
  // on n queues at once (wait_any): nodes[i] waits in queue(i), all lead
  // back to the running fiber, so a notify on any of them wakes it. The
  // caller owns the nodes (they unlink themselves when destroyed).
  template <class QueueOf, class Ready, class S = Scheduler>
  static bool wait_until_any(std::size_t n, QueueOf&& queue, Waiter* nodes, TimePoint deadline, const char* what,
                             Ready&& ready) {
    return wait_until_any<QueueOf, NodeArray, Ready, S>(n, std::forward<QueueOf>(queue), NodeArray{nodes}, deadline,
                                                        what, std::forward<Ready>(ready));
  }
  // The same with the nodes reached through node(i) -> Waiter&, for nodes
  // that sit inside the caller's own records (grove::wait and iwait keep
  // one per object beside its mark, iwait.hpp). The caller unlinks them
  // (or destroys them) when the call returns.
  template <class QueueOf, class NodeOf, class Ready, class S = Scheduler>
  requires std::is_invocable_r_v<Waiter&, NodeOf&, std::size_t>
  static bool wait_until_any(std::size_t n, QueueOf&& queue, NodeOf&& node, TimePoint deadline, const char* what,
                             Ready&& ready) {
    if (ready()) return true;
    S& s = static_cast<S&>(scheduler());
    for (;;) {
      for (std::size_t i = 0; i < n; ++i) {
        Waiter& w = node(i);
        w.fiber = s.current();
        if (!w.linked()) static_cast<WaitQueue&>(queue(i)).list_.push_back(w);
      }
      const bool in_time = s.park_until(deadline, what);
      if (ready()) return true;
      if (!in_time) return false;
    }
  }

  // notify_one() wakes the oldest waiter; false if there was none.
  template <class S = Scheduler>
  [[gnu::always_inline]] bool notify_one() noexcept {
    Waiter* w = list_.pop_front();
    if (!w) return false;
    static_cast<S*>(tls_scheduler)->wake(w->fiber);
    return true;
  }
  // notify_all() wakes every waiter, oldest first.
  template <class S = Scheduler>
  void notify_all() noexcept {
    while (Waiter* w = list_.pop_front()) static_cast<S*>(tls_scheduler)->wake(w->fiber);
  }
  // notify(node) unlinks one given waiter and wakes it (a getter taking a
  // putter's offer, a sender waking a chosen consumer).
  template <class S = Scheduler>
  [[gnu::always_inline]] void notify(Waiter& node) noexcept {
    list_.remove(node);
    static_cast<S*>(tls_scheduler)->wake(node.fiber);
  }

  // splice_to(other) moves every waiter, in order, to the tail of other
  // (Barrier sets a finished round apart while its action runs).
  void splice_to(WaitQueue& other) noexcept {
    while (Waiter* w = list_.pop_front()) other.list_.push_back(*w);
  }
  // holds(node) is true while node waits in this queue.
  bool holds(const Waiter& node) const noexcept { return node.list == &list_; }

  // push(node) links a hand-off node before its fiber waits (Channel: the
  // offer is visible to getters before the putter first parks).
  void push(Waiter& node) noexcept { list_.push_back(node); }

  bool empty() const noexcept { return list_.empty(); }
  std::size_t size() const noexcept { return list_.size(); }
  // front() is the oldest waiter (walk on with ->next), for primitives that
  // pick whom to wake (Channel skips fibers about to leave).
  Waiter* front() const noexcept { return list_.front(); }

 private:
  struct NodeArray {
    Waiter* nodes;
    Waiter& operator()(std::size_t i) const noexcept { return nodes[i]; }
  };

  // park_loop() (re)links w and parks until ready(); w keeps its place
  // when the fiber was woken by something else than a notify.
  template <class S, class Ready>
  [[gnu::always_inline]] bool park_loop(S& s, Waiter& w, TimePoint deadline, const char* what, Ready& ready) {
    if (deadline == TimePoint::max()) {
      do {
        if (!w.linked()) list_.link_back(w);
        s.park(what);
      } while (!ready());
      return true;
    }
    do {
      if (!w.linked()) list_.link_back(w);
      if (!s.park_until(deadline, what)) return ready();
    } while (!ready());
    return true;
  }

  WaitList list_;
};

// PassOn wakes the next waiter of a counted resource when the running fiber
// leaves a wait (took it, timed out or was killed) while the resource is
// still available: a wake given to a fiber that did not use it is never lost.
template <class Available>
class PassOn {
 public:
  PassOn(WaitQueue& queue, Available available) : queue_(queue), available_(available) {}
  ~PassOn() {
    if (!queue_.empty() && available_()) queue_.notify_one();
  }
  PassOn(const PassOn&) = delete;
  PassOn& operator=(const PassOn&) = delete;

 private:
  WaitQueue& queue_;
  Available available_;
};

}  // namespace grove::detail
