#pragma once
// priority_queue.hpp — PriorityQueue<T, Compare>: a queue that hands out
// the item that orders first under Compare — the smallest for the default
// std::less, like gevent.queue.PriorityQueue (heapq). Items that compare
// equal come out in no particular order; put (priority, sequence) pairs to
// make ties first-in, first-out. Same calls as Queue<T>.
// Not thread-safe: use it from its hub's thread only.

#include <grove/queue_errors.hpp>
#include <grove/detail/basic_queue.hpp>
#include <grove/detail/queue_storage.hpp>

#include <cstddef>
#include <functional>
#include <utility>

namespace grove {

namespace detail {
struct PriorityQueueKind {
  static constexpr const char* name = "PriorityQueue";
  static constexpr const char* put_what = "PriorityQueue::put";
  static constexpr const char* get_what = "PriorityQueue::get";
  static constexpr const char* peek_what = "PriorityQueue::peek";
  static constexpr bool counts_tasks = false;
};
}  // namespace detail

// PriorityQueue<T, Compare> gets the first item under Compare; peek()
// shows it. std::greater<T> makes it a largest-first queue.
template <class T, class Compare = std::less<T>>
class PriorityQueue
    : public detail::BasicQueue<T, detail::HeapStorage<T, Compare>, detail::PriorityQueueKind> {
  using Base = detail::BasicQueue<T, detail::HeapStorage<T, Compare>, detail::PriorityQueueKind>;

 public:
  // PriorityQueue(maxsize, comp) holds at most maxsize items (0 is
  // unbounded), ordered by comp.
  explicit PriorityQueue(std::size_t maxsize = 0, Compare comp = Compare())
      : Base(maxsize, std::move(comp)) {}
};

}  // namespace grove
