// timer_heap.cpp — the indexed binary heap behind the hub's timers.

#include <grove/detail/timer_heap.hpp>

namespace grove::detail {

void TimerHeap::push(TimerNode& node) {
  node.seq = next_seq_++;
  if (node.weak) ++weak_;
  heap_.push_back(&node);
  node.index = heap_.size() - 1;
  sift_up(node.index);
}

void TimerHeap::remove(TimerNode& node) noexcept {
  if (!node.armed()) return;
  if (node.weak) --weak_;
  const std::size_t i = node.index;
  TimerNode* last = heap_.back();
  heap_.pop_back();
  node.index = TimerNode::npos;
  if (last == &node) return;
  place(i, last);
  if (i > 0 && before(last, heap_[(i - 1) / 2])) sift_up(i);
  else sift_down(i);
}

TimerNode* TimerHeap::pop_due(TimePoint now) noexcept {
  if (heap_.empty() || heap_.front()->deadline > now) return nullptr;
  TimerNode* n = heap_.front();
  remove(*n);
  return n;
}

void TimerHeap::sift_up(std::size_t i) noexcept {
  TimerNode* n = heap_[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (!before(n, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, n);
}

void TimerHeap::sift_down(std::size_t i) noexcept {
  TimerNode* n = heap_[i];
  const std::size_t size = heap_.size();
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], n)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, n);
}

}  // namespace grove::detail
