// thread_pool.cpp — ThreadPool's job queue, its worker threads and their
// number, join() and kill().

#include <grove/thread_pool.hpp>

#include <algorithm>
#include <string>

namespace grove {

ThreadPool::ThreadPool(std::size_t size) {
  if (size == 0) throw UsageError("grove::ThreadPool: the size must be at least 1 worker thread");
  std::lock_guard join_lock(join_mutex_);
  target_ = size;
  try {
    start_workers(size);
  } catch (...) {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    throw;
  }
}

ThreadPool::~ThreadPool() { shutdown(); }

void ThreadPool::start_workers(std::size_t n) {
  workers_.reserve(workers_.size() + n);
  for (std::size_t i = 0; i < n; ++i) {
    {
      std::lock_guard lock(mutex_);
      ++live_;
    }
    try {
      workers_.emplace_back([this] { work(); });
    } catch (...) {
      std::lock_guard lock(mutex_);
      --live_;
      throw;
    }
  }
}

void ThreadPool::reap_retired() {
  std::vector<std::thread::id> retired;
  {
    std::lock_guard lock(mutex_);
    retired.swap(retired_);
  }
  for (auto id : retired) {
    auto it = std::find_if(workers_.begin(), workers_.end(), [id](const std::thread& t) { return t.get_id() == id; });
    if (it == workers_.end()) continue;
    it->join();
    workers_.erase(it);
  }
}

std::size_t ThreadPool::size() const {
  std::lock_guard lock(mutex_);
  return live_;
}

std::size_t ThreadPool::maxsize() const {
  std::lock_guard lock(mutex_);
  return target_;
}

void ThreadPool::set_maxsize(std::size_t n) {
  if (n == 0)
    throw UsageError(
        "grove::ThreadPool::set_maxsize: the size must be at least 1 worker thread (use kill() or "
        "shutdown() to stop the pool)");
  std::lock_guard join_lock(join_mutex_);
  reap_retired();
  std::size_t grow = 0;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || killed_) return;
    target_ = n;
    if (live_ < n) grow = n - live_;
  }
  if (grow > 0) start_workers(grow);
  else wake_.notify_all();  // idle workers beyond the target retire now
}

std::size_t ThreadPool::queued() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

void ThreadPool::submit(std::unique_ptr<detail::ThreadJob> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || killed_)
      throw UsageError(std::string("grove::ThreadPool::spawn: the pool has been ") +
                       (killed_ ? "killed" : "shut down") + "; it accepts no more jobs");
    jobs_.push_back(std::move(job));
    ++pending_;
  }
  wake_.notify_one();
}

void ThreadPool::work() noexcept {
  for (;;) {
    std::unique_ptr<detail::ThreadJob> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || killed_ || !jobs_.empty() || live_ > target_; });
      if (jobs_.empty() || live_ > target_) {
        // Stopping with nothing left to do, or one too many after a shrink.
        --live_;
        if (!stopping_) retired_.push_back(std::this_thread::get_id());
        if (!jobs_.empty()) wake_.notify_one();  // the wake this worker took goes to one that stays
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job->run();
    job.reset();  // the callable's captures die on the worker, before the count drops
    std::vector<AsyncResult<>> idle;
    {
      std::lock_guard lock(mutex_);
      if (--pending_ == 0) idle.swap(idle_waiters_);
    }
    for (auto& r : idle) {
      try {
        r.set();
      } catch (...) {
      }
    }
  }
}

bool ThreadPool::join_until(TimePoint deadline) {
  AsyncResult<> done;
  bool idle = false;
  {
    std::lock_guard lock(mutex_);
    if (pending_ == 0) idle = true;
    else idle_waiters_.push_back(done);
  }
  if (idle) {
    // The last job's result may still be on its way to its hub: go once
    // through this hub's queue, behind it, so join() returns with every
    // result of this thread's jobs ready (a worker posts its result before
    // it counts the job done).
    detail::scheduler().post([done]() mutable { done.set(); });
    done.wait();
    return true;
  }
  struct Forget {
    ThreadPool& pool;
    AsyncResult<>& done;
    ~Forget() {
      std::lock_guard lock(pool.mutex_);
      std::erase(pool.idle_waiters_, done);
    }
  } forget{*this, done};
  if (deadline == TimePoint::max()) {
    done.wait();
    return true;
  }
  const TimePoint now = detail::scheduler().now();
  return done.wait(deadline > now ? deadline - now : Duration::zero());
}

void ThreadPool::kill() {
  std::deque<std::unique_ptr<detail::ThreadJob>> dropped;
  std::vector<AsyncResult<>> idle;
  {
    std::lock_guard lock(mutex_);
    if (killed_ || stopping_) return;
    killed_ = true;
    dropped.swap(jobs_);
    pending_ -= dropped.size();
    if (pending_ == 0) idle.swap(idle_waiters_);
  }
  wake_.notify_all();
  const auto killed = std::make_exception_ptr(
      ThreadPoolKilled("grove::ThreadPool::kill: the pool was killed before this job started; it never ran"));
  for (auto& job : dropped) job->fail(killed);
  dropped.clear();
  for (auto& r : idle) {
    try {
      r.set();
    } catch (...) {
    }
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
