// queue_shutdown_test.cpp — shutdown(immediate) on the Queue family
// (basic_queue.hpp), as Python 3.13's queue.Queue.shutdown that gevent
// adopted: puts raise ShutDown, getters drain then raise it; immediate
// drains at once, waking every getter, putter and joiner.

#include "queue_test_support.hpp"

#include <grove/joinable_queue.hpp>
#include <grove/lifo_queue.hpp>

#include <type_traits>
#include <vector>

namespace {

using grove::test::SimulatedHub;

static_assert(std::is_same_v<grove::ShutDown, grove::QueueShutDown>);
static_assert(std::is_base_of_v<grove::Error, grove::ShutDown>);

TEST_F(QueueTest, ShutdownRefusesPutsAndLetsGettersDrain) {
  grove::Queue<int> q;
  q.put(1);
  q.put(2);
  q.shutdown();
  EXPECT_TRUE(q.is_shutdown());
  EXPECT_THROW(q.put(3), grove::ShutDown);
  EXPECT_EQ(q.get(), 1);
  EXPECT_EQ(q.get(), 2);
  EXPECT_THROW(q.get(), grove::ShutDown);
}

TEST_F(QueueTest, ShutdownWakesBlockedPuttersWithShutDown) {
  SimulatedHub sim;
  grove::Queue<int> q(1);
  q.put(1);
  bool shut = false;
  auto putter = grove::spawn([&] {
    try {
      q.put(2);
    } catch (const grove::ShutDown&) {
      shut = true;
    }
  });
  grove::this_fiber::sleep(5ms);
  q.shutdown();
  putter.join();
  EXPECT_TRUE(shut);
  EXPECT_EQ(q.get(), 1);  // not immediate: what was queued is still there
}

TEST_F(QueueTest, ImmediateShutdownDrainsAndWakesEveryGetter) {
  SimulatedHub sim;
  grove::LifoQueue<Tracked> q;
  int shut = 0;
  std::vector<grove::Fiber<>> getters;
  for (int i = 0; i < 3; ++i) {
    getters.push_back(grove::spawn([&] {
      try {
        (void)q.get();
      } catch (const grove::ShutDown&) {
        ++shut;
      }
    }));
  }
  grove::this_fiber::sleep(5ms);
  grove::Queue<int> other;
  other.put(1);
  other.put(2);
  other.shutdown(/*immediate=*/true);
  EXPECT_EQ(other.size(), 0u);
  EXPECT_THROW((void)other.get_nowait(), grove::ShutDown);
  q.shutdown(true);
  grove::joinall(getters);
  EXPECT_EQ(shut, 3);
}

TEST_F(QueueTest, ImmediateShutdownCountsDrainedItemsAsDoneForJoin) {
  SimulatedHub sim;
  grove::JoinableQueue<int> q;
  q.put(1);
  q.put(2);
  q.put(3);
  EXPECT_EQ(q.get(), 1);  // taken, not yet task_done
  bool joined = false;
  auto joiner = grove::spawn([&] {
    q.join();
    joined = true;
  });
  grove::this_fiber::sleep(5ms);
  q.shutdown(true);  // the two queued ones are dropped and counted done
  EXPECT_EQ(q.unfinished_tasks(), 1u);
  grove::this_fiber::sleep(5ms);
  EXPECT_FALSE(joined);  // the taken one is still unfinished
  q.task_done();
  joiner.join();
  EXPECT_TRUE(joined);
}

}  // namespace
