#pragma once
// detail/mpsc_queue.hpp — MpscQueue<Node, &Node::next>: a lock-free,
// intrusive, multi-producer single-consumer queue (docs/design/runtime.md,
// "The hub inbox"). The nodes are the items themselves (a closure, a
// message, a mailbox's notification): pushing allocates nothing.
//
// Shape: producers push onto an atomic LIFO list (one CAS each; Treiber's
// stack); the consumer takes the whole list in one exchange and reverses it,
// which gives the items back in push order. Compared with Vyukov's node
// queue this costs the consumer one pass over the batch, and in return:
//  - push() tells the producer whether the queue was empty (the
//    empty-to-busy edge a sender pays a wake-up on);
//  - the consumer is wait-free and never sees a half-linked list (Vyukov's
//    consumer can find a producer between its exchange and its link);
//  - there is no stub node, so an empty queue is one null pointer.
// Producers are lock-free (a CAS that fails retries with the newer head).
//
// Order: the pushes are totally ordered (the successful CASes on head_), and
// take_all() returns a batch in that order; so the items of one producer
// come out in the order it pushed them (per-producer FIFO), batch after batch.
//
// Memory orders: push() publishes the node (its fields, written before the
// push) with its CAS, take_all() acquires them with its exchange. Both are
// seq_cst rather than release/acquire because the hub's sleep handshake
// (detail/scheduler.hpp, RemoteAnchor) is a Dekker pattern: a producer
// pushes then reads the hub's `asleep` flag; the hub stores `asleep` then
// reads empty(). With every one of the four seq_cst, one side sees the
// other's write, so an item is never left behind a sleeping hub. (On x86 a
// locked RMW is a full barrier anyway; only empty()'s load and the flag's
// store pay for seq_cst.)
//
// Contract: any thread may push(); one thread at a time (the owner) may call
// take_all() and empty(). A node belongs to the queue from push() until
// take_all() hands it back; it must not be pushed twice meanwhile.

#include <atomic>

namespace grove::detail {

template <class Node, Node* Node::*Next>
class MpscQueue {
 public:
  MpscQueue() = default;
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  // push(n) appends n; it returns true when the queue was empty before (the
  // empty-to-busy edge). Any thread; lock-free.
  bool push(Node* n) noexcept {
    Node* head = head_.load(std::memory_order_relaxed);
    do {
      n->*Next = head;
    } while (!head_.compare_exchange_weak(head, n, std::memory_order_seq_cst, std::memory_order_relaxed));
    return head == nullptr;
  }

  // push_chain(newest, oldest) appends a chain of items linked by Next from
  // newest to oldest (as take_all_unordered() returns them) with one CAS:
  // oldest comes out of take_all() first. The edge as push().
  bool push_chain(Node* newest, Node* oldest) noexcept {
    Node* head = head_.load(std::memory_order_relaxed);
    do {
      oldest->*Next = head;
    } while (!head_.compare_exchange_weak(head, newest, std::memory_order_seq_cst, std::memory_order_relaxed));
    return head == nullptr;
  }

  // empty() is true when nothing is queued (a seq_cst load: see above).
  // Any thread may ask; only the consumer can rely on a false staying false.
  bool empty() const noexcept { return head_.load(std::memory_order_seq_cst) == nullptr; }

  // take_all_unordered() is take_all() without the reversal (newest
  // first), for a consumer to which order does not matter (a free list).
  Node* take_all_unordered() noexcept { return head_.exchange(nullptr, std::memory_order_seq_cst); }

  // take_all() empties the queue and returns its items as a list linked by
  // Next, oldest first (null when empty). Consumer only; wait-free apart
  // from the pass over the batch.
  Node* take_all() noexcept {
    Node* n = head_.exchange(nullptr, std::memory_order_seq_cst);
    Node* oldest_first = nullptr;
    while (n) {
      Node* next = n->*Next;
      n->*Next = oldest_first;
      oldest_first = n;
      n = next;
    }
    return oldest_first;
  }

 private:
  std::atomic<Node*> head_{nullptr};  // the newest item; each links to the one pushed before it
};

}  // namespace grove::detail
