#pragma once
// detail/waiter.hpp — the node and the list under detail::WaitQueue (the
// one wait primitive, detail/wait_queue.hpp). A blocking call parks the
// running fiber on a Waiter linked into the WaitList of the thing it waits
// for. The node is on the parked fiber's stack and unlinks itself when that
// fiber leaves the call, whether it was woken, timed out or killed.

#include <cstddef>

namespace grove::detail {

class FiberBase;
class WaitList;

struct Waiter {
  Waiter() noexcept = default;
  explicit Waiter(FiberBase* f) noexcept : fiber(f) {}
  ~Waiter() { unlink(); }
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  inline void unlink() noexcept;
  bool linked() const noexcept { return list != nullptr; }

  FiberBase* fiber = nullptr;
  // prev/next are meaningful only while linked (list != nullptr).
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  WaitList* list = nullptr;
};

// WaitList is an intrusive FIFO of Waiters; it allocates nothing.
class WaitList {
 public:
  WaitList() = default;
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;
  ~WaitList() {
    while (Waiter* w = pop_front()) (void)w;
  }

  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept {
    std::size_t n = 0;
    for (Waiter* w = head_; w; w = w->next) ++n;
    return n;
  }
  Waiter* front() const noexcept { return head_; }

  // link_back(w) is push_back() for a node known to be unlinked (the wait
  // loop's hot path).
  void link_back(Waiter& w) noexcept {
    w.list = this;
    w.prev = tail_;
    w.next = nullptr;
    if (tail_) tail_->next = &w;
    else head_ = &w;
    tail_ = &w;
  }

  void push_back(Waiter& w) noexcept {
    w.unlink();
    w.list = this;
    w.prev = tail_;
    w.next = nullptr;
    if (tail_) tail_->next = &w;
    else head_ = &w;
    tail_ = &w;
  }

  void remove(Waiter& w) noexcept {
    if (w.prev) w.prev->next = w.next;
    else head_ = w.next;
    if (w.next) w.next->prev = w.prev;
    else tail_ = w.prev;
    w.prev = w.next = nullptr;
    w.list = nullptr;
  }

  // pop_front() unlinks the oldest node (the wake path: fewer stores than
  // remove(); an unlinked node's prev/next are stale and never read).
  Waiter* pop_front() noexcept {
    Waiter* w = head_;
    if (w) {
      head_ = w->next;
      if (head_) head_->prev = nullptr;
      else tail_ = nullptr;
      w->list = nullptr;
    }
    return w;
  }

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

inline void Waiter::unlink() noexcept {
  if (list) list->remove(*this);
}

}  // namespace grove::detail
