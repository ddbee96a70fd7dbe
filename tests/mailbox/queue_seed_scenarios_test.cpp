// queue_seed_scenarios_test.cpp — the "Queues" section of gevent's tutorial
// (seeds/003, "gevent For the Working Python Developer"): a boss hands
// tasks to three workers through a Queue, first unbounded and filled up
// front, then bounded to three items with workers that quit after a 1 s
// get timeout. The printed lines are collected and asserted.
//
// The tutorial's printed order inside each round (steve, nancy, john on
// even rounds) comes from gevent 0.13's libevent loop; grove, like current
// gevent, runs ready fibers first in, first out, so every round is steve,
// john, nancy (bob). Which tasks, how many, and where the boss's
// "Assigned all work" lines fall are the tutorial's.

#include <grove/queue.hpp>

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include "mailbox_test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using grove::test::ms_since;
using grove::test::SteadyClock;

namespace {

class QueueSeedScenarios : public grove::test::MailboxTest {};

std::vector<std::string> worker_lines(const std::vector<std::string>& names, int first, int last) {
  std::vector<std::string> out;
  for (int task = first; task <= last; ++task)
    out.push_back("Worker " + names[static_cast<std::size_t>(task - first) % names.size()] + " got task " +
                  std::to_string(task));
  return out;
}

// tasks = Queue(); the boss put_nowait()s 1..24, then three workers loop
// `while not tasks.empty(): get(); print; sleep(0)`.
TEST_F(QueueSeedScenarios, BossFillsAnUnboundedQueueThenThreeWorkersShareIt) {
  grove::Queue<int> tasks;
  auto worker = [&](const std::string& n) {
    while (!tasks.empty()) {
      int task = tasks.get();
      log.push_back("Worker " + n + " got task " + std::to_string(task));
      grove::this_fiber::sleep(0s);
    }
    log.push_back("Quitting time!");
  };
  auto boss = [&] {
    for (int i = 1; i < 25; ++i) tasks.put_nowait(i);
  };
  grove::spawn(boss).join();
  grove::joinall(std::vector{grove::spawn(worker, "steve"), grove::spawn(worker, "john"),
                             grove::spawn(worker, "nancy")});

  auto expected = worker_lines({"steve", "john", "nancy"}, 1, 24);
  for (int i = 0; i < 3; ++i) expected.push_back("Quitting time!");
  EXPECT_EQ(log, expected);
  EXPECT_TRUE(tasks.empty());
}

// tasks = Queue(maxsize=3); the boss put()s 1..9 and 10..19, blocking while
// the queue is full; workers get(timeout=1) and quit on Empty.
TEST_F(QueueSeedScenarios, BossBlocksOnABoundedQueueAndWorkersQuitOnTimeout) {
  grove::Queue<int> tasks(3);
  auto worker = [&](const std::string& n) {
    try {
      for (;;) {
        int task = tasks.get(1s);  // decrements queue size by 1
        log.push_back("Worker " + n + " got task " + std::to_string(task));
        grove::this_fiber::sleep(0s);
      }
    } catch (const grove::QueueEmpty&) {
      log.push_back("Quitting time!");
    }
  };
  auto boss = [&] {
    // The boss waits to hand out work until a worker is free, since the
    // queue holds at most three tasks.
    for (int i = 1; i < 10; ++i) tasks.put(i);
    log.push_back("Assigned all work in iteration 1");
    for (int i = 10; i < 20; ++i) tasks.put(i);
    log.push_back("Assigned all work in iteration 2");
  };
  const auto t0 = SteadyClock::now();
  grove::joinall(std::vector{grove::spawn(boss), grove::spawn(worker, "steve"), grove::spawn(worker, "john"),
                             grove::spawn(worker, "bob")});
  const auto took = ms_since(t0);

  const std::vector<std::string> names{"steve", "john", "bob"};
  auto expected = worker_lines(names, 1, 6);
  expected.push_back("Assigned all work in iteration 1");
  for (auto& line : worker_lines(names, 7, 18)) expected.push_back(line);
  expected.push_back("Assigned all work in iteration 2");
  expected.push_back("Worker steve got task 19");
  for (int i = 0; i < 3; ++i) expected.push_back("Quitting time!");
  EXPECT_EQ(log, expected);
  // The work itself takes no time; the workers quit after their 1 s timeout.
  EXPECT_GE(took, 1000);
  EXPECT_LT(took, 1500);
}

}  // namespace
