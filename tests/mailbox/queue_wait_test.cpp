// queue_wait_test.cpp — the Queue family and the Mailbox as waitables of
// grove::wait/iwait (basic_queue.hpp, mailbox.hpp, iwait.hpp): ready when
// a get/receive would not block, nothing consumed, wakes never lost.

#include <grove/iwait.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/joinable_queue.hpp>
#include <grove/mailbox.hpp>
#include <grove/priority_queue.hpp>
#include <grove/queue.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "mailbox_test_support.hpp"
#include "simulated_hub.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

using QueueWaitTest = grove::test::MailboxTest;
using grove::test::SimulatedHub;

TEST_F(QueueWaitTest, AQueueIsReadyWhenItHasAnItemAndNothingIsTaken) {
  SimulatedHub sim;
  grove::Queue<int> q;
  grove::PriorityQueue<int> pq;
  grove::Event ev;
  auto putter = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    pq.put(2);
    grove::this_fiber::sleep(10ms);
    q.put(1);
  });
  const auto t0 = sim.now();
  std::vector<grove::Duration> at;
  std::vector<bool> was_q;
  for (const grove::WaitableRef& r : grove::iwait({q, pq, ev}, 100ms)) {
    at.push_back(sim.now() - t0);
    was_q.push_back(r.is(q));
  }
  EXPECT_EQ(at, (std::vector<grove::Duration>{10ms, 20ms}));
  EXPECT_EQ(was_q, (std::vector<bool>{false, true}));
  EXPECT_EQ(sim.now() - t0, 100ms);  // the event never came
  EXPECT_EQ(q.size(), 1u);           // waiting took nothing
  EXPECT_EQ(pq.get(), 2);
  putter.join();
}

TEST_F(QueueWaitTest, AShutDownQueueIsReady) {
  grove::JoinableQueue<int> q;
  q.close();
  auto ready = grove::wait({q}, 1s);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_THROW((void)q.get_nowait(), grove::QueueShutDown);
}

TEST_F(QueueWaitTest, AWakeTheWaitTookIsPassedOnToARealGetter) {
  // The getter parks behind the wait's node; the one put wakes the node
  // (notify_one). The wait returns with the item still there and must pass
  // the wake on, or the getter would sleep forever (LoopExit).
  SimulatedHub sim;
  grove::Queue<int> q;
  int got = 0;
  auto waiter = grove::spawn([&] { (void)grove::wait({q}); });
  grove::this_fiber::sleep(1ms);
  auto getter = grove::spawn([&] { got = q.get(); });
  grove::this_fiber::sleep(1ms);
  q.put(5);
  waiter.join();
  getter.join();
  EXPECT_EQ(got, 5);
}

TEST_F(QueueWaitTest, AMailboxIsReadyWithInputFromAnyLane) {
  SimulatedHub sim;
  grove::Mailbox<std::string> box;
  grove::Event ev;
  auto sender = grove::spawn([&] {
    grove::this_fiber::sleep(15ms);
    box.send("hi");
  });
  const auto t0 = sim.now();
  auto ready = grove::wait({ev, box}, 1s, 1);
  EXPECT_EQ(sim.now() - t0, 15ms);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_TRUE(ready[0].is(box));
  std::string got;
  EXPECT_TRUE(box.receive([](grove::SystemSignal&) {}, [&](std::string& m) { got = m; }, 0ms));
  EXPECT_EQ(got, "hi");
  sender.join();
}

TEST_F(QueueWaitTest, AMailboxFedFromAnotherThreadWakesTheWait) {
  grove::Mailbox<int> box;
  std::thread remote([&] { box.send(9); });
  auto ready = grove::wait({box}, 5s);
  remote.join();
  ASSERT_EQ(ready.size(), 1u);
  int got = 0;
  EXPECT_TRUE(box.receive([](grove::SystemSignal&) {}, [&](int& m) { got = m; }, 0ms));
  EXPECT_EQ(got, 9);
}

}  // namespace
