// thread_pool.cpp — ThreadPool's job queue and worker threads.

#include <grove/thread_pool.hpp>

namespace grove {

ThreadPool::ThreadPool(std::size_t size) : size_(size) {
  if (size == 0) throw UsageError("grove::ThreadPool: the size must be at least 1 worker thread");
  workers_.reserve(size);
  try {
    for (std::size_t i = 0; i < size; ++i) workers_.emplace_back([this] { work(); });
  } catch (...) {
    shutdown();
    throw;
  }
}

ThreadPool::~ThreadPool() { shutdown(); }

std::size_t ThreadPool::queued() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

void ThreadPool::submit(std::unique_ptr<detail::ThreadJob> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      throw UsageError("grove::ThreadPool::spawn: the pool has been shut down; it accepts no more jobs");
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void ThreadPool::work() noexcept {
  for (;;) {
    std::unique_ptr<detail::ThreadJob> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left to do
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job->run();
  }
}

void ThreadPool::shutdown() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  std::lock_guard join_lock(join_mutex_);
  for (auto& t : workers_) {
    if (!t.joinable()) continue;
    if (t.get_id() == std::this_thread::get_id()) t.detach();  // shut down from one of its own jobs
    else t.join();
  }
}

}  // namespace grove
