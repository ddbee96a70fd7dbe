#pragma once
// joinable_queue.hpp — JoinableQueue<T>: a FIFO Queue that also counts
// unfinished tasks (gevent.queue.JoinableQueue). Every put adds one; a
// consumer calls task_done() once per item it has finished with; join()
// waits until the count is back to zero.
//
//   grove::JoinableQueue<Job> jobs;
//   workers: for (;;) { auto job = jobs.get(); work(job); jobs.task_done(); }
//   boss:    for (auto& j : batch) jobs.put(j); jobs.join();
//
// Not thread-safe: use it from its hub's thread only.

#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/queue_errors.hpp>
#include <grove/detail/basic_queue.hpp>
#include <grove/detail/queue_core.hpp>
#include <grove/detail/queue_storage.hpp>

#include <chrono>
#include <cstddef>

namespace grove {

namespace detail {
struct JoinableQueueKind {
  static constexpr const char* name = "JoinableQueue";
  static constexpr const char* put_what = "JoinableQueue::put";
  static constexpr const char* get_what = "JoinableQueue::get";
  static constexpr const char* peek_what = "JoinableQueue::peek";
  static constexpr bool counts_tasks = true;
};
}  // namespace detail

template <class T>
class JoinableQueue : public detail::BasicQueue<T, detail::FifoStorage<T>, detail::JoinableQueueKind> {
  using Base = detail::BasicQueue<T, detail::FifoStorage<T>, detail::JoinableQueueKind>;

 public:
  // JoinableQueue(maxsize) holds at most maxsize items; 0 is unbounded.
  explicit JoinableQueue(std::size_t maxsize = 0) : Base(maxsize) {}

  // unfinished_tasks() is the number of items put and not yet task_done().
  std::size_t unfinished_tasks() const noexcept { return this->tasks_.unfinished; }

  // task_done() marks one item as finished; when none is left unfinished,
  // every join() returns. Calling it more often than items were put throws
  // UsageError.
  void task_done() {
    if (this->tasks_.unfinished == 0)
      throw UsageError(
          "grove::JoinableQueue::task_done: called more times than items were put (no unfinished task left)");
    if (--this->tasks_.unfinished == 0) this->tasks_.joiners.notify_all();
  }

  // join() blocks until every item put so far has been marked task_done().
  void join() { (void)join_until(TimePoint::max()); }
  // join(timeout) returns whether that happened before the timeout.
  [[nodiscard]] bool join(Deadline timeout) { return join_until(timeout.time_point("JoinableQueue::join")); }

 private:
  bool join_until(TimePoint deadline) {
    return this->tasks_.joiners.wait_until(deadline, "JoinableQueue::join",
                                           [this] { return this->tasks_.unfinished == 0; });
  }
};

}  // namespace grove
