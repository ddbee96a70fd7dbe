// event_test.cpp — grove::Event: set/clear/is_set, wait and wait(timeout),
// waking every waiter in FIFO order, and the seed's Event scenario.

#include <grove/event.hpp>

#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "hub_fixture.hpp"
#include "simulated_hub.hpp"

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using EventTest = grove::test::HubTest;
using grove::test::SimulatedHub;  // timing assertions run on virtual time

TEST_F(EventTest, StartsClearAndSetClearToggleTheFlag) {
  grove::Event ev;
  EXPECT_FALSE(ev.is_set());
  ev.set();
  EXPECT_TRUE(ev.is_set());
  ev.set();  // idempotent
  EXPECT_TRUE(ev.is_set());
  ev.clear();
  EXPECT_FALSE(ev.is_set());
  ev.clear();
  EXPECT_FALSE(ev.is_set());
}

TEST_F(EventTest, WaitBlocksUntilAnotherFiberSets) {
  SimulatedHub sim;
  grove::Event ev;
  std::vector<std::string> log;
  auto setter = grove::spawn([&] {
    log.push_back("setter sleeping");
    grove::this_fiber::sleep(30ms);
    log.push_back("setter sets");
    ev.set();
  });
  const auto t0 = sim.now();
  EXPECT_TRUE(ev.wait());
  log.push_back("main resumed");
  EXPECT_EQ(sim.now() - t0, 30ms);
  EXPECT_TRUE(ev.is_set());
  setter.join();
  EXPECT_EQ(log, (std::vector<std::string>{"setter sleeping", "setter sets", "main resumed"}));
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(EventTest, WaitInSpawnedFiberReturnsTrueAfterSet) {
  grove::Event ev;
  auto waiter = grove::spawn([&] { return ev.wait(); });
  grove::this_fiber::sleep(10ms);
  EXPECT_FALSE(waiter.dead());  // still parked on the event
  ev.set();
  EXPECT_TRUE(waiter.get());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(EventTest, WaitWithTimeoutReturnsFalseWhenNeverSet) {
  SimulatedHub sim;
  grove::Event ev;
  const auto t0 = sim.now();
  EXPECT_FALSE(ev.wait(50ms));
  const auto took = sim.now() - t0;
  EXPECT_EQ(took, 50ms);
  EXPECT_FALSE(ev.is_set());
}

TEST_F(EventTest, WaitWithTimeoutReturnsTrueWhenSetInTime) {
  SimulatedHub sim;
  grove::Event ev;
  auto setter = grove::spawn([&] {
    grove::this_fiber::sleep(20ms);
    ev.set();
  });
  const auto t0 = sim.now();
  EXPECT_TRUE(ev.wait(300ms));
  const auto took = sim.now() - t0;
  EXPECT_EQ(took, 20ms);
  setter.join();
  // The wait's timer is gone: the hub goes idle at once instead of at 300 ms.
  const auto t1 = sim.now();
  grove::hub().run();
  EXPECT_EQ(sim.now() - t1, 0ms);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(EventTest, WaitWithTimeoutOnSetEventReturnsAtOnce) {
  SimulatedHub sim;
  grove::Event ev;
  ev.set();
  const auto t0 = sim.now();
  EXPECT_TRUE(ev.wait(1h));
  EXPECT_TRUE(ev.wait(0ms));
  EXPECT_EQ(sim.now() - t0, 0ms);
}

TEST_F(EventTest, WaitWithZeroTimeoutOnClearEventReturnsFalse) {
  grove::Event ev;
  EXPECT_FALSE(ev.wait(0ms));
}

TEST_F(EventTest, NegativeTimeoutIsAUsageError) {
  grove::Event ev;
  EXPECT_THROW((void)ev.wait(-1ms), grove::UsageError);
}

TEST_F(EventTest, SetWakesAllHundredWaitersInFifoOrder) {
  constexpr int N = 100;
  grove::Event ev;
  std::vector<int> order;
  std::vector<grove::Fiber<>> waiters;
  for (int i = 0; i < N; ++i) {
    waiters.push_back(grove::spawn([&, i] {
      ev.wait();
      order.push_back(i);
    }));
  }
  grove::this_fiber::sleep(5ms);  // every waiter parks, in spawn order
  EXPECT_TRUE(order.empty());
  for (auto& w : waiters) EXPECT_FALSE(w.dead());
  ev.set();
  EXPECT_TRUE(order.empty());  // set() wakes; nobody runs until we block
  grove::joinall(waiters);
  ASSERT_EQ(order.size(), static_cast<std::size_t>(N));
  for (int i = 0; i < N; ++i) EXPECT_EQ(order[i], i) << "at position " << i;
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(EventTest, WaitOnSetEventReturnsWithoutSwitching) {
  grove::Event ev;
  ev.set();
  bool other_ran = false;
  auto other = grove::spawn([&] { other_ran = true; });
  const auto me = grove::this_fiber::id();
  EXPECT_TRUE(ev.wait());
  EXPECT_TRUE(ev.wait(10ms));
  EXPECT_FALSE(other_ran) << "wait() on a set event switched to another fiber";
  EXPECT_EQ(grove::this_fiber::id(), me);
  // Same thing from inside a spawned fiber.
  bool third_ran = false;
  bool saw_third = true;
  auto checker = grove::spawn([&] {
    auto third = grove::spawn([&] { third_ran = true; });
    ev.wait();
    saw_third = third_ran;
    third.join();
  });
  checker.join();
  other.join();
  EXPECT_FALSE(saw_third);
  EXPECT_TRUE(third_ran);
  EXPECT_TRUE(other_ran);
}

TEST_F(EventTest, ClearThenWaitBlocks) {
  SimulatedHub sim;
  grove::Event ev;
  ev.set();
  ev.clear();
  bool returned = false;
  auto waiter = grove::spawn([&] {
    ev.wait();
    returned = true;
  });
  grove::this_fiber::sleep(30ms);
  EXPECT_FALSE(returned) << "wait() returned on a cleared event";
  EXPECT_FALSE(waiter.dead());
  ev.set();
  waiter.join();
  EXPECT_TRUE(returned);
  // And with a timeout: a cleared event times out.
  ev.clear();
  const auto t0 = sim.now();
  EXPECT_FALSE(ev.wait(40ms));
  EXPECT_EQ(sim.now() - t0, 40ms);
}

TEST_F(EventTest, SetThenClearBeforeWaiterRunsStillReleasesIt) {
  // As in gevent: set() releases the fibers waiting at that moment, even if
  // clear() lowers the flag again before they run. Later waiters block.
  grove::Event ev;
  bool returned = false;
  auto waiter = grove::spawn([&] {
    ev.wait();
    returned = true;
  });
  grove::this_fiber::sleep(5ms);
  ev.set();
  ev.clear();
  waiter.join();
  EXPECT_TRUE(returned);
  auto late = grove::spawn([&] { return ev.wait(20ms); });
  EXPECT_FALSE(late.get());
}

TEST_F(EventTest, TimedOutWaiterIsNotWokenBySetLater) {
  grove::Event ev;
  int resumes = 0;
  auto waiter = grove::spawn([&] {
    bool r = ev.wait(20ms);
    ++resumes;
    return r;
  });
  grove::this_fiber::sleep(50ms);
  EXPECT_TRUE(waiter.dead());
  EXPECT_FALSE(waiter.value());
  ev.set();  // must not touch the dead waiter's (gone) wait node
  grove::this_fiber::sleep(5ms);
  EXPECT_EQ(resumes, 1);
  EXPECT_TRUE(ev.is_set());
}

TEST_F(EventTest, KilledWaiterLeavesTheWaitList) {
  grove::Event ev;
  auto a = grove::spawn([&] { ev.wait(); });
  bool b_done = false;
  auto b = grove::spawn([&] {
    ev.wait();
    b_done = true;
  });
  grove::this_fiber::sleep(5ms);
  a.kill();
  EXPECT_TRUE(a.dead());
  EXPECT_EQ(a.exit_reason(), grove::ExitReason::killed());
  ev.set();
  b.join();
  EXPECT_TRUE(b_done);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(EventTest, EventCanBeReusedAcrossRounds) {
  grove::Event ev;
  int woken = 0;
  for (int round = 0; round < 3; ++round) {
    ev.clear();
    std::vector<grove::Fiber<>> ws;
    for (int i = 0; i < 3; ++i)
      ws.push_back(grove::spawn([&] {
        ev.wait();
        ++woken;
      }));
    grove::this_fiber::sleep(2ms);
    EXPECT_EQ(woken, round * 3);
    ev.set();
    grove::joinall(ws);
    EXPECT_EQ(woken, (round + 1) * 3);
  }
}

TEST_F(EventTest, SetFromAnAsioHandlerWakesWaiters) {
  grove::Event ev;
  int woken = 0;
  std::vector<grove::Fiber<>> ws;
  for (int i = 0; i < 3; ++i)
    ws.push_back(grove::spawn([&] {
      ev.wait();
      ++woken;
    }));
  auto poster = grove::spawn([&] {
    grove::this_fiber::sleep(10ms);
    boost::asio::post(grove::hub().io_context(), [&] { ev.set(); });  // runs in the hub's context
  });
  EXPECT_TRUE(ev.wait(500ms));
  grove::joinall(ws);
  poster.join();
  EXPECT_EQ(woken, 3);
}

TEST_F(EventTest, WaitNobodyCanSetThrowsLoopExitInMain) {
  grove::Event ev;
  auto stuck = grove::spawn([&] { ev.wait(); });
  try {
    ev.wait();
    FAIL() << "wait() on an event nobody can set returned";
  } catch (const grove::LoopExit& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("Event::wait"), std::string::npos) << what;
  }
  EXPECT_FALSE(stuck.dead());
  stuck.kill();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// The seed's Event scenario (gevent's Event example): one setter announces
// itself, sleeps, then sets; three waiters announce themselves, wait, and
// print once the event is set.
TEST_F(EventTest, SeedScenarioSetterThenThreeWaiters) {
  SimulatedHub sim;
  grove::Event evt;
  std::vector<std::string> out;
  auto setter = [&] {
    out.push_back("A: Hey wait for me, I have to do something");
    grove::this_fiber::sleep(100ms);
    out.push_back("Ok, I'm done");
    evt.set();
  };
  auto waiter = [&](int i) {
    out.push_back("I'll wait for you " + std::to_string(i));
    evt.wait();
    out.push_back("It's about time " + std::to_string(i));
  };
  const auto t0 = sim.now();
  std::vector<grove::Fiber<>> all{grove::spawn(setter), grove::spawn(waiter, 1), grove::spawn(waiter, 2),
                                  grove::spawn(waiter, 3)};
  auto done = grove::joinall(all);
  const auto took = sim.now() - t0;
  EXPECT_EQ(done.size(), 4u);
  EXPECT_EQ(took, 100ms);
  const std::vector<std::string> expected{
      "A: Hey wait for me, I have to do something",
      "I'll wait for you 1",
      "I'll wait for you 2",
      "I'll wait for you 3",
      "Ok, I'm done",
      "It's about time 1",
      "It's about time 2",
      "It's about time 3",
  };
  EXPECT_EQ(out, expected);
  // Every waiter resumed after the setter's line.
  std::size_t setter_line = 0;
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i] == "Ok, I'm done") setter_line = i;
  int resumed = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].rfind("It's about time", 0) == 0) {
      EXPECT_GT(i, setter_line);
      ++resumed;
    }
  }
  EXPECT_EQ(resumed, 3);
  EXPECT_TRUE(evt.is_set());
  for (auto& f : all) EXPECT_TRUE(f.successful());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

}  // namespace
