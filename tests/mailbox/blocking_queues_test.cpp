// blocking_queues_test.cpp — the shared timeout suite
// (tests/common/blocking_timeout_suite.hpp) over every blocking call of the
// Queue family that takes a timeout: each expires when due, a completion
// before the deadline wins, zero does not block, and a completion racing
// the deadline is seen exactly once.

#include <grove/channel.hpp>
#include <grove/joinable_queue.hpp>
#include <grove/lifo_queue.hpp>
#include <grove/priority_queue.hpp>
#include <grove/queue.hpp>

#include <grove/fiber.hpp>

#include "blocking_timeout_suite.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <ostream>

namespace {

using grove::Duration;
using grove::test::BlockingCase;
using grove::test::BlockingOp;
using grove::test::BlockingTimeout;

// GetOp: Q::get(timeout) on an empty queue; complete() puts one item.
template <class Q>
struct GetOp : BlockingOp {
  Q q;
  bool wait(Duration timeout) override {
    try {
      return q.get(timeout) == 1;
    } catch (const grove::QueueEmpty&) {
      return false;
    }
  }
  void complete() override { q.put_nowait(1); }
};

// PeekOp: Queue::peek(timeout); complete() puts one item (peek leaves it
// there, so a later wait completes at once, as the suite expects).
struct PeekOp : BlockingOp {
  grove::Queue<int> q;
  bool wait(Duration timeout) override {
    try {
      return q.peek(timeout) == 1;
    } catch (const grove::QueueEmpty&) {
      return false;
    }
  }
  void complete() override { q.put_nowait(1); }
};

// PutOp: Queue::put(timeout) on a full queue; complete() makes room. The
// queue's content proves that a timed-out put added nothing.
struct PutOp : BlockingOp {
  grove::Queue<int> q{1};
  PutOp() { q.put(0); }
  bool wait(Duration timeout) override {
    const std::size_t before = q.size();
    try {
      q.put(2, timeout);
      return true;
    } catch (const grove::QueueFull&) {
      EXPECT_EQ(q.size(), before) << "a timed-out put must add nothing";
      return false;
    }
  }
  void complete() override { EXPECT_TRUE(q.try_get().has_value()); }
};

// JoinOp: JoinableQueue::join(timeout) with one unfinished task;
// complete() marks it done.
struct JoinOp : BlockingOp {
  grove::JoinableQueue<int> q;
  JoinOp() {
    q.put(1);
    q.get();
  }
  bool wait(Duration timeout) override { return q.join(timeout); }
  void complete() override { q.task_done(); }
};

// ChannelGetOp: Channel::get(timeout); complete() must not block, so it
// starts a putter fiber whose item the pending (or next) get takes.
struct ChannelGetOp : BlockingOp {
  grove::Channel<int> ch;
  std::optional<grove::Fiber<>> putter;
  bool wait(Duration timeout) override {
    try {
      return ch.get(timeout) == 1;
    } catch (const grove::QueueEmpty&) {
      return false;
    }
  }
  void complete() override {
    putter = grove::spawn([this] { ch.put(1); });
  }
  ~ChannelGetOp() override {
    if (putter) putter->join();
  }
};

// ChannelPutOp: Channel::put(timeout); complete() takes the pending item
// if a putter waits, or starts a getter fiber for the next put. Every item
// taken is counted, so a put that reported a timeout but was delivered (or
// the reverse) shows up.
struct ChannelPutOp : BlockingOp {
  grove::Channel<int> ch;
  int delivered = 0;
  int reported = 0;
  std::optional<grove::Fiber<>> getter;
  bool wait(Duration timeout) override {
    try {
      ch.put(1, timeout);
      ++reported;
      return true;
    } catch (const grove::QueueFull&) {
      return false;
    }
  }
  void complete() override {
    if (ch.try_get()) {
      ++delivered;
      return;
    }
    getter = grove::spawn([this] {
      ch.get();
      ++delivered;
    });
  }
  ~ChannelPutOp() override {
    if (getter && !getter->dead()) getter->kill();
    EXPECT_EQ(delivered, reported) << "a put reported as delivered must have been taken exactly once";
  }
};

template <class Op>
BlockingCase make_case(const char* name) {
  return BlockingCase{name, [] { return std::unique_ptr<BlockingOp>(std::make_unique<Op>()); }};
}

INSTANTIATE_TEST_SUITE_P(QueueFamily, BlockingTimeout,
                         ::testing::Values(make_case<GetOp<grove::Queue<int>>>("Queue_get"),
                                           make_case<PutOp>("Queue_put_when_full"),
                                           make_case<PeekOp>("Queue_peek"),
                                           make_case<GetOp<grove::LifoQueue<int>>>("LifoQueue_get"),
                                           make_case<GetOp<grove::PriorityQueue<int>>>("PriorityQueue_get"),
                                           make_case<GetOp<grove::JoinableQueue<int>>>("JoinableQueue_get"),
                                           make_case<JoinOp>("JoinableQueue_join"),
                                           make_case<ChannelPutOp>("Channel_put"),
                                           make_case<ChannelGetOp>("Channel_get")),
                         [](const auto& info) { return info.param.name; });

}  // namespace

namespace grove::test {
// PrintTo names a case in gtest's output instead of dumping its bytes.
inline void PrintTo(const BlockingCase& c, std::ostream* os) { *os << c.name; }
}  // namespace grove::test
