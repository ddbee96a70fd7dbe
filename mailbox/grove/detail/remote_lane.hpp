#pragma once
// detail/remote_lane.hpp — RemoteLane<T>: how a Mailbox receives sends from
// other OS threads (docs/design/runtime.md, "The hub inbox"). Messages go
// onto a lock-free MPSC list (detail/mpsc_queue.hpp), one node each; on the
// list's empty-to-busy edge the sender queues the lane itself (an
// InboxNode) into the owning hub's inbox, once: N messages to one mailbox
// cost one inbox item. When the hub runs that item, it tells the mailbox,
// whose consumer takes the whole list into its local queue.
//
// Lifetime: the lane is reference-counted (the Mailbox holds one reference,
// a queued notification another), so a notification still in the inbox when
// the mailbox dies finds `target` cleared and does nothing. The gate counts
// senders inside a send and holds the closed bit: close() sets the bit and
// waits for the senders inside to leave, so every message either lands
// before close() takes the list (a leftover dead letter) or is refused (a
// dead_actor dead letter): none is lost uncounted.

#include <grove/async_result.hpp>
#include <grove/detail/inbox.hpp>
#include <grove/detail/mpsc_queue.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace grove::detail {

template <class T>
struct RemoteLane final : InboxNode {
  struct Node {
    explicit Node(T&& m) : msg(std::move(m)) {}
    Node* next = nullptr;
    T msg;
    static Node* make(T&& m, RemoteLane& lane) {
      void* p = take_spare_block(&lane, sizeof(Node), lane.spare);
      try {
        return ::new (p) Node(std::move(m));
      } catch (...) {
        free_inbox_block(p, sizeof(Node));
        throw;
      }
    }
    static void destroy(Node* n) noexcept {
      n->~Node();
      free_inbox_block(n, sizeof(Node));
    }
  };
  static constexpr std::uint32_t closed_bit = 1u << 31;

  // on_ready(target) runs on the owning hub when the lane was announced.
  using OnReady = void (*)(void* target) noexcept;
  RemoteLane(void* t, OnReady fn) noexcept : target(t), on_ready(fn) { settle = &settle_lane; }
  RemoteLane(const RemoteLane&) = delete;
  RemoteLane& operator=(const RemoteLane&) = delete;
  ~RemoteLane() {
    destroy_all(messages.take_all());
    for (SpareBlock* b = spare.take_all_unordered(); b;) {
      SpareBlock* next = b->next;
      free_inbox_block(b, sizeof(Node));
      b = next;
    }
  }

  // enter() admits a sender (false: the lane is closed; leave() not needed).
  bool enter() noexcept {
    if (gate.fetch_add(1, std::memory_order_acquire) & closed_bit) [[unlikely]] {
      leave();
      return false;
    }
    return true;
  }
  void leave() noexcept { gate.fetch_sub(1, std::memory_order_release); }

  // push(msg, hub) queues msg (inside enter()/leave()) and announces the
  // lane to hub on the empty-to-busy edge, unless already announced.
  void push(T&& msg, RemoteAnchor& hub) {
    Node* n = Node::make(std::move(msg), *this);
    if (!messages.push(n)) return;
    // Seq_cst with settle_lane()'s store of false: either we see it cleared
    // and announce again, or the pending announcement's run comes after our
    // push, and the consumer's take_all() after that run finds our message.
    if (notified.exchange(true, std::memory_order_seq_cst)) return;
    refs.fetch_add(1, std::memory_order_relaxed);
    if (!hub.push(this)) settle_lane(this, false);  // the hub is gone: the message waits for close()
  }

  // reserve(local, capacity) takes one slot of a bounded mailbox whose
  // owner's side holds `local` messages; false when it is full. A CAS on
  // the count: remote senders never overshoot the capacity among
  // themselves. `local` is read after the lane's count (the consumer
  // raises it before it lowers the count: see Mailbox::drain_remote).
  bool reserve(const std::atomic<std::size_t>& local, std::size_t capacity) noexcept {
    std::size_t r = size.load(std::memory_order_seq_cst);
    for (;;) {
      if (local.load(std::memory_order_seq_cst) + r >= capacity) return false;
      if (size.compare_exchange_weak(r, r + 1, std::memory_order_seq_cst, std::memory_order_seq_cst)) return true;
    }
  }

  // close() refuses later senders, waits for those inside, and returns the
  // list (oldest first). Owner's thread.
  Node* close() noexcept {
    gate.fetch_or(closed_bit, std::memory_order_acq_rel);
    while ((gate.load(std::memory_order_acquire) & ~closed_bit) != 0) std::this_thread::yield();
    return messages.take_all();
  }
  // drain(take) hands every message on the list to take(T&&), oldest
  // first, and returns how many; the nodes go back to the spare list in one
  // step. Owner's thread.
  template <class Take>
  std::size_t drain(Take&& take) {
    std::size_t count = 0;
    SpareBlock* newest = nullptr;
    SpareBlock* oldest = nullptr;
    for (Node* n = messages.take_all(); n; ++count) {
      Node* next = n->next;
      take(std::move(n->msg));
      if constexpr (recycle_lane_blocks) {
        n->~Node();
        auto* b = ::new (static_cast<void*>(n)) SpareBlock{newest};
        if (!oldest) oldest = b;
        newest = b;
      } else {
        Node::destroy(n);
      }
      n = next;
    }
    if (newest) spare.push_chain(newest, oldest);
    return count;
  }

  static void destroy_all(Node* n) noexcept {
    while (n) {
      Node* next = n->next;
      Node::destroy(n);
      n = next;
    }
  }

  // detach() is the mailbox's destructor: later announcements do nothing;
  // drops the mailbox's reference.
  void detach() noexcept {
    target = nullptr;
    release();
  }
  void release() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Senders parked on a full `block` mailbox: each waits on an AsyncResult
  // of its own hub, which the consumer sets when it takes a message (the
  // result's cross-thread set wakes that hub through its inbox). Only the
  // slow path (a full mailbox) takes this mutex.
  void add_space_waiter(const AsyncResult<>& r) {
    std::lock_guard<std::mutex> lock(space_mutex);
    space_waiters.push_back(r);
    space_blocked.fetch_add(1, std::memory_order_seq_cst);
  }
  void remove_space_waiter(const AsyncResult<>& r) noexcept {
    std::lock_guard<std::mutex> lock(space_mutex);
    auto it = std::find(space_waiters.begin(), space_waiters.end(), r);
    if (it != space_waiters.end()) space_waiters.erase(it);
    space_blocked.fetch_sub(1, std::memory_order_relaxed);
  }
  // wake_space_waiters() sets every parked sender's result (they re-check).
  void wake_space_waiters() noexcept {
    std::vector<AsyncResult<>> woken;
    {
      std::lock_guard<std::mutex> lock(space_mutex);
      woken.swap(space_waiters);
    }
    for (auto& r : woken) {
      try {
        r.set();
      } catch (...) {  // set already: nothing to do
      }
    }
  }

  alignas(64) std::atomic<std::uint32_t> gate{0};  // senders inside | closed_bit
  MpscQueue<Node, &Node::next> messages;
  SpareList spare;                                // used message blocks, back from the consumer
  std::atomic<std::size_t> size{0};               // messages on the list (reserved, for a bounded mailbox)
  alignas(64) std::atomic<bool> notified{false};  // the lane is queued in the hub's inbox
  std::atomic<std::uint32_t> refs{1};
  std::atomic<int> space_blocked{0};  // senders parked for room
  void* target;                       // the Mailbox; cleared by detach() (owner's thread)
  OnReady on_ready;
  std::mutex space_mutex;
  std::vector<AsyncResult<>> space_waiters;

 private:
  static void settle_lane(InboxNode* node, bool run) {
    auto* lane = static_cast<RemoteLane*>(node);
    lane->notified.store(false, std::memory_order_seq_cst);
    if (run && lane->target) lane->on_ready(lane->target);
    lane->release();
  }
};

}  // namespace grove::detail
