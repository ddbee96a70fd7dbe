#pragma once
// detail/interrupt_queue.hpp — InterruptQueue, the one piece of code that
// reads or changes a fiber's pending interrupts (kill's FiberExit, a fired
// Timeout, a link's exit signal). They are raised one per suspension point,
// in the order they arrived. The first lives in the fiber's control block
// (one load tells whether any is pending, on the switch path); the rest,
// rare, live in its FiberExtras.

#include <grove/detail/fiber_base.hpp>

#include <algorithm>
#include <exception>
#include <iterator>
#include <utility>
#include <vector>

namespace grove::detail {

// InterruptQueue is a view of one fiber's pending interrupts; it is used on
// that fiber's hub thread only.
class InterruptQueue {
 public:
  explicit InterruptQueue(FiberBase& f) noexcept : f_(f) {}

  bool empty() const noexcept { return !f_.pending_; }
  const std::exception_ptr& front() const noexcept { return f_.pending_; }

  // push_back(e) queues e behind the interrupts already pending.
  void push_back(std::exception_ptr e) {
    if (!f_.pending_) f_.pending_ = std::move(e);
    else f_.more().more_interrupts.push_back(std::move(e));
  }
  // push_front(e) puts e first (an interrupt raised too early that must be
  // raised again before the others); nothing if it is first already.
  void push_front(std::exception_ptr e) {
    if (f_.pending_ == e) return;
    if (f_.pending_) {
      auto& more = f_.more().more_interrupts;
      more.insert(more.begin(), std::move(f_.pending_));
    }
    f_.pending_ = std::move(e);
  }
  // pop_front() removes and returns the first interrupt (null if none).
  std::exception_ptr pop_front() noexcept {
    std::exception_ptr e = std::exchange(f_.pending_, nullptr);
    if (f_.extras && !f_.extras->more_interrupts.empty()) {
      auto& more = f_.extras->more_interrupts;
      f_.pending_ = std::move(more.front());
      more.erase(more.begin());
    }
    return e;
  }
  // remove(e) withdraws e wherever it is queued.
  void remove(const std::exception_ptr& e) noexcept {
    if (f_.pending_ == e) {
      (void)pop_front();
      return;
    }
    if (f_.extras) std::erase(f_.extras->more_interrupts, e);
  }
  void clear() noexcept {
    f_.pending_ = nullptr;
    if (f_.extras) f_.extras->more_interrupts.clear();
  }
  // take_all(out) moves every pending interrupt to the end of out, in
  // order, skipping any that out holds already.
  void take_all(std::vector<std::exception_ptr>& out) {
    auto add = [&out](std::exception_ptr e) {
      if (e && std::find(out.begin(), out.end(), e) == out.end()) out.push_back(std::move(e));
    };
    add(std::exchange(f_.pending_, nullptr));
    if (f_.extras) {
      for (auto& e : f_.extras->more_interrupts) add(std::move(e));
      f_.extras->more_interrupts.clear();
    }
  }
  // put_back(list) queues list, in order, ahead of what is pending now.
  void put_back(std::vector<std::exception_ptr>&& list) {
    for (auto it = list.rbegin(); it != list.rend(); ++it) push_front(std::move(*it));
  }

 private:
  FiberBase& f_;
};

}  // namespace grove::detail
