// blocking_primitives_test.cpp — the shared timeout suite (BlockingTimeout)
// run over every blocking call of the fibers module that takes a timeout:
// each must expire when due, never fire after completing, and handle a
// completion racing its deadline exactly once.

#include <blocking_timeout_suite.hpp>

#include <grove/async_result.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/group.hpp>
#include <grove/lock.hpp>
#include <grove/semaphore.hpp>
#include <grove/timeout.hpp>

#include <memory>

namespace grove::test {
namespace {

struct EventWait final : BlockingOp {
  Event event;
  bool wait(Duration t) override { return event.wait(t); }
  void complete() override { event.set(); }
};

struct AsyncResultWait final : BlockingOp {
  AsyncResult<int> result;
  bool wait(Duration t) override { return result.wait(t); }
  void complete() override { result.set(1); }
};

struct AsyncResultGet final : BlockingOp {
  AsyncResult<int> result;
  bool wait(Duration t) override {
    try {
      return result.get(t) == 1;
    } catch (const Timeout&) {
      return false;
    }
  }
  void complete() override { result.set(1); }
};

struct SemaphoreAcquire final : BlockingOp {
  Semaphore sem{0};
  bool wait(Duration t) override { return sem.acquire(t); }
  void complete() override { sem.release(); }
};

// A fiber that holds something until complete() lets it go.
struct Holder : BlockingOp {
  Event go;
  Fiber<> holder;
  ~Holder() override {
    if (holder) holder.kill();
  }
  void complete() override { go.set(); }
};

template <class L>
struct LockAcquire final : Holder {
  L lock;
  LockAcquire() {
    // dispatch: the holder owns the lock before the first wait() is made
    holder = spawn(Launch::dispatch, [this] {
      lock.acquire();
      go.wait();
      lock.release();
    });
  }
  bool wait(Duration t) override {
    if (lock.owned()) lock.release();  // a previous wait() took it
    return lock.acquire(t);
  }
};

struct PoolWaitAvailable final : Holder {
  Pool pool{1};
  PoolWaitAvailable() { holder = pool.spawn([this] { go.wait(); }); }
  ~PoolWaitAvailable() override { pool.kill(); }
  bool wait(Duration t) override { return pool.wait_available(t); }
};

struct FiberJoin final : Holder {
  FiberJoin() { holder = spawn([this] { go.wait(); }); }
  bool wait(Duration t) override { return holder.join(t); }
};

struct GroupJoin final : Holder {
  Group group;
  GroupJoin() { holder = group.spawn([this] { go.wait(); }); }
  ~GroupJoin() override { group.kill(); }
  bool wait(Duration t) override { return group.join(t); }
};

template <class Op>
BlockingCase make_case(const char* name) {
  return BlockingCase{name, [] { return std::make_unique<Op>(); }};
}

INSTANTIATE_TEST_SUITE_P(Fibers, BlockingTimeout,
                         ::testing::Values(make_case<EventWait>("Event_wait"),
                                           make_case<AsyncResultWait>("AsyncResult_wait"),
                                           make_case<AsyncResultGet>("AsyncResult_get"),
                                           make_case<SemaphoreAcquire>("Semaphore_acquire"),
                                           make_case<LockAcquire<Lock>>("Lock_acquire"),
                                           make_case<LockAcquire<RLock>>("RLock_acquire_held_by_another_fiber"),
                                           make_case<PoolWaitAvailable>("Pool_wait_available"),
                                           make_case<FiberJoin>("Fiber_join"),
                                           make_case<GroupJoin>("Group_join")),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace grove::test
