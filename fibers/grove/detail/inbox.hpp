#pragma once
// detail/inbox.hpp — the hub inbox: how anything reaches a hub from any OS
// thread (docs/design/runtime.md, "The hub inbox"). Every hub has one,
// whether a Runtime started it or a user's thread made it. An item is an
// InboxNode: a posted closure (PostedNode, in a recycled small block) or a
// node embedded in whatever is being announced (a mailbox that became
// runnable). The hub drains the whole queue in one batch each loop turn.
//
// Waking: the hub raises `asleep` before it blocks in its io_context and
// re-checks the queue; a sender that pushes and then sees `asleep` takes it
// (an exchange: one sender only) and wakes the hub with one io_context post
// of a static handler. A sender to a busy hub, or to one already being
// woken, pays no wake-up: the cost is one CAS on the queue plus the gate.

#include <grove/detail/mpsc_queue.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <thread>
#include <type_traits>
#include <utility>

namespace grove::detail {

class Scheduler;

// InboxNode is one item of an inbox. settle(node, run) ends the item: with
// run, it runs it in the hub's context (it may throw: the hub logs it);
// without, the hub is gone and it only destroys it. Either way the node is
// no longer the inbox's once settle is called.
struct InboxNode {
  using Settle = void (*)(InboxNode* node, bool run);
  InboxNode* inbox_next = nullptr;
  Settle settle = nullptr;
};

// The inbox's small blocks: a posted closure of up to 64 (or 128) bytes
// lives in a block taken from a per-thread free list; the hub that runs it
// returns the block to its own thread's list. Two hubs that post to each
// other therefore recycle each other's blocks and allocate nothing in steady
// state; a thread that only sends allocates (operator new) once its list is
// empty. Larger closures use operator new.
void* alloc_inbox_block(std::size_t size);
void free_inbox_block(void* p, std::size_t size) noexcept;

// A remote lane's message nodes (mailbox/grove/detail/remote_lane.hpp) are
// recycled: the consumer hands the used blocks back onto the lane's spare
// list, one CAS per drained batch; a sender takes that whole list (an
// exchange) into its thread's stash, keyed by lane and block size, and
// allocates from the stash. So one sender thread feeding one mailbox
// allocates nothing in steady state. Any number of threads may take from a
// SpareList (take_all_unordered); the stash is freed at thread exit, and
// when its thread moves on to another lane. ASan builds do not recycle.
struct SpareBlock {
  SpareBlock* next;
};
using SpareList = MpscQueue<SpareBlock, &SpareBlock::next>;
void* take_spare_block(const void* lane, std::size_t size, SpareList& spare);
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool recycle_lane_blocks = false;
#else
inline constexpr bool recycle_lane_blocks = true;
#endif

// PostedNode<F> carries a closure through an inbox.
template <class F>
struct PostedNode final : InboxNode {
  explicit PostedNode(F&& f) : fn(std::move(f)) { settle = &settle_node; }
  template <class G>
  static PostedNode* make(G&& g) {
    void* p = alloc_inbox_block(sizeof(PostedNode));
    try {
      return ::new (p) PostedNode(F(std::forward<G>(g)));
    } catch (...) {
      free_inbox_block(p, sizeof(PostedNode));
      throw;
    }
  }
  static void settle_node(InboxNode* n, bool run) {
    auto* self = static_cast<PostedNode*>(n);
    struct Free {
      PostedNode* node;
      ~Free() {
        node->~PostedNode();
        free_inbox_block(node, sizeof(PostedNode));
      }
    } free_after{self};
    if (run) self->fn();
  }
  F fn;
};

// RemoteAnchor is a hub's inbox and the handle other threads keep to reach
// the hub (shared: it outlives the hub). The gate counts senders inside
// push() and holds the closed bit: the hub, when destroyed, closes the gate,
// waits for the senders inside to leave, then destroys what is queued
// unrun; a later push() is refused. So a push either lands before that final
// drain or is refused, and the hub's io_context (the wake) is alive for
// every sender inside.
struct RemoteAnchor {
  explicit RemoteAnchor(Scheduler* s) noexcept : scheduler(s) {}
  RemoteAnchor(const RemoteAnchor&) = delete;
  RemoteAnchor& operator=(const RemoteAnchor&) = delete;
  ~RemoteAnchor() { settle_all(queue.take_all(), false); }

  static constexpr std::uint32_t closed_bit = 1u << 31;

  // push(n) queues n and wakes the hub if it sleeps; false (n untouched)
  // when the hub is gone. Any thread, the hub's own included.
  bool push(InboxNode* n) noexcept {
    if (gate.fetch_add(1, std::memory_order_acquire) & closed_bit) [[unlikely]] {
      gate.fetch_sub(1, std::memory_order_release);
      return false;
    }
    queue.push(n);
    // Dekker with the hub's sleep (mpsc_queue.hpp): the push above and
    // this load are seq_cst, as are the hub's store of asleep and its
    // re-check of the queue. The load first keeps the line shared while
    // the hub is awake; the exchange lets one sender only pay the wake.
    if (asleep.load(std::memory_order_seq_cst) && asleep.exchange(false, std::memory_order_seq_cst)) wake_hub();
    gate.fetch_sub(1, std::memory_order_release);  // pairs with close()'s acquire
    return true;
  }
  bool closed() const noexcept { return (gate.load(std::memory_order_acquire) & closed_bit) != 0; }

  // close() refuses later pushes and returns once no sender is inside
  // push(); the hub's thread, at its destruction.
  void close() noexcept {
    gate.fetch_or(closed_bit, std::memory_order_acq_rel);
    while ((gate.load(std::memory_order_acquire) & ~closed_bit) != 0) std::this_thread::yield();
  }

  // settle_all(list, run) settles a batch taken by take_all(), in order.
  static void settle_all(InboxNode* n, bool run);

  void wake_hub() noexcept;  // one io_context post of a static handler (fibers/loop.cpp)

  alignas(64) std::atomic<std::uint32_t> gate{0};  // senders inside push() | closed_bit
  MpscQueue<InboxNode, &InboxNode::inbox_next> queue;
  alignas(64) std::atomic<bool> asleep{false};  // the hub is (about to be) blocked in its io_context
  Scheduler* const scheduler;                   // valid while the gate is open
};

}  // namespace grove::detail
