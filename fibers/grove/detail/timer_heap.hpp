#pragma once
// detail/timer_heap.hpp — the hub's own timers: an indexed binary min-heap of
// intrusive TimerNodes ordered by (deadline, arming order). Arming and
// cancelling are O(log n) and allocate nothing once the heap's vector has
// grown; one asio::steady_timer in the hub waits for the earliest deadline.

#include <grove/duration.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace grove::detail {

// TimerNode is embedded in whatever waits (a sleeping fiber's frame, a
// Timeout scope). fire() is called by the hub, in the hub's context, once
// the deadline has passed; it must not block or throw.
struct TimerNode {
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  using FireFn = void (*)(TimerNode&) noexcept;

  explicit TimerNode(FireFn f) noexcept : fire(f) {}
  bool armed() const noexcept { return index != npos; }

  TimePoint deadline{};
  std::uint64_t seq = 0;
  std::size_t index = npos;
  FireFn fire;
  // weak: this timer alone does not keep the hub busy (drain and idle
  // waits), so the hub may still find itself idle while it is armed.
  bool weak = false;
};

class TimerHeap {
 public:
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  TimerNode* top() const noexcept { return heap_.empty() ? nullptr : heap_.front(); }
  // strong() is the number of armed timers that are not weak.
  std::size_t strong() const noexcept { return heap_.size() - weak_; }

  // push() arms node for node.deadline; the node must not be armed already.
  void push(TimerNode& node);
  // remove() disarms node if it is armed; it is a no-op otherwise.
  void remove(TimerNode& node) noexcept;
  // pop_due() disarms and returns the earliest node due at or before now.
  TimerNode* pop_due(TimePoint now) noexcept;

 private:
  static bool before(const TimerNode* a, const TimerNode* b) noexcept {
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
  }
  void sift_up(std::size_t i) noexcept;
  void sift_down(std::size_t i) noexcept;
  void place(std::size_t i, TimerNode* n) noexcept {
    heap_[i] = n;
    n->index = i;
  }

  std::vector<TimerNode*> heap_;
  std::uint64_t next_seq_ = 0;
  std::size_t weak_ = 0;
};

}  // namespace grove::detail
