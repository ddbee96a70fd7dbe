// joinable_queue_test.cpp — grove::JoinableQueue<T>: unfinished_tasks(),
// task_done() (and its misuse), join() / join(timeout) with one and many
// joiners, the worker-pool pattern, and that it is still a full FIFO queue.

#include <grove/joinable_queue.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include "mailbox_test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using grove::test::ms_since;
using grove::test::SteadyClock;

namespace {

class JoinableQueueTest : public grove::test::MailboxTest {};

TEST_F(JoinableQueueTest, EveryPutAddsAnUnfinishedTaskAndTaskDoneRemovesOne) {
  grove::JoinableQueue<int> q;
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  q.put(1);
  EXPECT_TRUE(q.try_put(2));
  q.put_nowait(3);
  q.put(4, 10ms);
  EXPECT_EQ(q.unfinished_tasks(), 4u);
  EXPECT_EQ(q.get(), 1);
  EXPECT_EQ(q.unfinished_tasks(), 4u) << "a get does not finish a task";
  q.task_done();
  EXPECT_EQ(q.unfinished_tasks(), 3u);
}

TEST_F(JoinableQueueTest, FailedPutsAddNoTask) {
  grove::JoinableQueue<int> q(1);
  q.put(1);
  EXPECT_FALSE(q.try_put(2));
  EXPECT_THROW(q.put_nowait(2), grove::QueueFull);
  EXPECT_THROW(q.put(2, 5ms), grove::QueueFull);
  EXPECT_EQ(q.unfinished_tasks(), 1u);
  q.close();
  EXPECT_THROW(q.put(2), grove::QueueShutDown);
  EXPECT_EQ(q.unfinished_tasks(), 1u);
}

TEST_F(JoinableQueueTest, TooManyTaskDoneCallsAreAUsageError) {
  grove::JoinableQueue<int> q;
  EXPECT_THROW(q.task_done(), grove::UsageError);
  q.put(1);
  q.get();
  q.task_done();
  try {
    q.task_done();
    FAIL() << "expected UsageError";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("task_done"), std::string::npos) << e.what();
  }
  EXPECT_EQ(q.unfinished_tasks(), 0u);
}

TEST_F(JoinableQueueTest, JoinReturnsAtOnceWhenNothingIsUnfinished) {
  grove::JoinableQueue<int> q;
  const auto t0 = SteadyClock::now();
  q.join();
  EXPECT_TRUE(q.join(0ms));
  EXPECT_TRUE(q.join(1s));
  EXPECT_LT(ms_since(t0), 20);
}

TEST_F(JoinableQueueTest, JoinBlocksUntilEveryItemIsDone) {
  grove::JoinableQueue<std::string> q;
  auto worker = grove::spawn([&] {
    for (;;) {
      std::string job = q.get();
      grove::this_fiber::sleep(2ms);
      log.push_back("done " + job);
      q.task_done();
    }
  });
  for (const char* job : {"a", "b", "c"}) q.put(job);
  q.join();
  log.push_back("joined");
  EXPECT_EQ(log, (std::vector<std::string>{"done a", "done b", "done c", "joined"}));
  EXPECT_EQ(q.unfinished_tasks(), 0u);
  worker.kill();
}

TEST_F(JoinableQueueTest, JoinWithTimeoutReportsWhetherAllWereDone) {
  grove::JoinableQueue<int> q;
  q.put(1);
  const auto t0 = SteadyClock::now();
  EXPECT_FALSE(q.join(20ms));
  EXPECT_GE(ms_since(t0), 20);
  auto worker = grove::spawn([&] {
    q.get();
    grove::this_fiber::sleep(10ms);
    q.task_done();
  });
  EXPECT_TRUE(q.join(1s));
  worker.join();
  EXPECT_THROW((void)q.join(-1ms), grove::UsageError);
}

TEST_F(JoinableQueueTest, EveryJoinerWakesWhenTheLastTaskIsDone) {
  grove::JoinableQueue<int> q;
  q.put(1);
  std::vector<grove::Fiber<>> joiners;
  for (int i = 0; i < 3; ++i)
    joiners.push_back(grove::spawn([&, i] {
      q.join();
      log.push_back("joiner " + std::to_string(i));
    }));
  grove::this_fiber::yield();
  EXPECT_EQ(log.size(), 0u);
  q.get();
  q.task_done();
  grove::joinall(joiners);
  EXPECT_EQ(log, (std::vector<std::string>{"joiner 0", "joiner 1", "joiner 2"}));
}

TEST_F(JoinableQueueTest, AWorkerPoolDrainsAndJoinReturnsWhenAllAreProcessed) {
  grove::JoinableQueue<int> q(4);
  long long processed = 0;
  std::vector<grove::Fiber<>> workers;
  for (int w = 0; w < 3; ++w)
    workers.push_back(grove::spawn([&] {
      for (int job : q) {
        processed += job;
        grove::this_fiber::yield();
        q.task_done();
      }
    }));
  for (int i = 1; i <= 100; ++i) q.put(i);
  q.join();
  EXPECT_EQ(processed, 5050);
  q.close();  // the workers' range-for loops end
  grove::joinall(workers);
  for (auto& w : workers) EXPECT_TRUE(w.successful());
}

TEST_F(JoinableQueueTest, IsStillAFullFifoQueue) {
  grove::JoinableQueue<int> q(2);
  q.put(1);
  q.put(2);
  EXPECT_TRUE(q.full());
  EXPECT_EQ(q.maxsize(), 2u);
  EXPECT_EQ(q.peek(), 1);
  EXPECT_EQ(q.peek_nowait(), 1);
  EXPECT_EQ(q.peek(1ms), 1);
  EXPECT_EQ(q.get_nowait(), 1);
  EXPECT_EQ(q.try_get(), 2);
  EXPECT_EQ(q.try_get(), std::nullopt);
  EXPECT_THROW(q.get(5ms), grove::QueueEmpty);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
}

}  // namespace
