#pragma once
// thread_pool.hpp — ThreadPool (gevent.threadpool): run blocking or CPU-bound
// callables on OS worker threads while the hub keeps running fibers.
//
//   grove::ThreadPool pool(4);
//   auto digest = pool.spawn(sha256, std::move(blob));   // AsyncResult<Digest>
//   use(digest.get());          // parks this fiber only; other fibers run
//
// The result (or exception) is set from the worker thread and published on
// the hub that called spawn(), through AsyncResult's cross-thread path.
// spawn() and size() are thread-safe; the callable and its arguments are
// moved to the worker, so they must be safe to use there.

#include <grove/async_result.hpp>
#include <grove/errors.hpp>
#include <grove/fiber.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace grove {

namespace detail {

// ThreadJob is one queued call; it owns its callable (which may be move-only).
struct ThreadJob {
  virtual ~ThreadJob() = default;
  virtual void run() noexcept = 0;
};

template <class T, class Call>
struct ThreadJobImpl final : ThreadJob {
  ThreadJobImpl(AsyncResult<T> result, Call call) : result(std::move(result)), call(std::move(call)) {}
  void run() noexcept override {
    try {
      if constexpr (std::is_void_v<T>) {
        call();
        result.set();
      } else {
        result.set(call());
      }
    } catch (...) {
      try {
        result.set_exception(std::current_exception());
      } catch (...) {
      }
    }
  }
  AsyncResult<T> result;
  Call call;
};

}  // namespace detail

class ThreadPool {
 public:
  // ThreadPool(size) starts `size` worker threads; 0 is a UsageError.
  explicit ThreadPool(std::size_t size);
  // ~ThreadPool() is shutdown().
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // spawn(fn, args...) queues fn(args...) for a worker thread and returns
  // the AsyncResult it will set, owned by the calling thread's hub. It
  // throws UsageError after shutdown().
  template <class F, class... A>
    requires detail::Spawnable<F, A...>
  AsyncResult<detail::spawn_result_t<F, A...>> spawn(F&& fn, A&&... args) {
    using T = detail::spawn_result_t<F, A...>;
    AsyncResult<T> result;
    auto call = detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...);
    submit(std::make_unique<detail::ThreadJobImpl<T, decltype(call)>>(result, std::move(call)));
    return result;
  }
  // apply(fn, args...) is spawn(fn, args...).get(): it parks the calling
  // fiber (not the hub) until a worker has run fn, then returns or rethrows.
  template <class F, class... A>
    requires detail::Spawnable<F, A...>
  detail::spawn_result_t<F, A...> apply(F&& fn, A&&... args) {
    return spawn(std::forward<F>(fn), std::forward<A>(args)...).get();
  }

  // size() is the number of worker threads.
  std::size_t size() const noexcept { return size_; }
  // queued() is the number of jobs not yet picked up by a worker.
  std::size_t queued() const;

  // shutdown() stops accepting jobs, lets the workers finish every queued
  // one and joins them. It blocks the calling OS thread (not just the
  // fiber); results still reach their hub afterwards. Idempotent.
  void shutdown();

 private:
  void submit(std::unique_ptr<detail::ThreadJob> job);
  void work() noexcept;

  const std::size_t size_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<detail::ThreadJob>> jobs_;
  bool stopping_ = false;
  std::mutex join_mutex_;
  std::vector<std::thread> workers_;
};

}  // namespace grove
