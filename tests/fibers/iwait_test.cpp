// iwait_test.cpp — grove::wait and grove::iwait over mixed waitables
// (iwait.hpp, waitable.hpp): fibers of any T, Event, AsyncResult; counts,
// timeouts on virtual time, the braced and variadic forms, misuse.

#include <grove/iwait.hpp>

#include <grove/async_result.hpp>
#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"
#include "simulated_hub.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using IwaitTest = grove::test::HubTest;
using grove::test::SimulatedHub;

grove::Fiber<int> sleeper(grove::Duration d, int v) {
  return grove::spawn([d, v] {
    grove::this_fiber::sleep(d);
    return v;
  });
}

// after(d, f) runs f in a fiber after d.
template <class F>
grove::Fiber<> after(grove::Duration d, F f) {
  return grove::spawn([d, f]() mutable {
    grove::this_fiber::sleep(d);
    f();
  });
}

TEST_F(IwaitTest, WaitReturnsEveryObjectInCompletionOrder) {
  SimulatedHub sim;
  grove::Event ev;
  grove::AsyncResult<std::string> ar;
  grove::Fiber<int> f = sleeper(20ms, 1);
  auto setter = after(10ms, [&] { ev.set(); });
  auto answer = after(30ms, [&] { ar.set("hi"); });
  const auto t0 = sim.now();
  std::vector<grove::WaitableRef> ready = grove::wait({f, ev, ar});
  EXPECT_EQ(sim.now() - t0, 30ms);
  ASSERT_EQ(ready.size(), 3u);
  EXPECT_TRUE(ready[0].is(ev));
  EXPECT_TRUE(ready[1].is(f));
  EXPECT_TRUE(ready[2].is(ar));
  ASSERT_NE(ready[2].as<grove::AsyncResult<std::string>>(), nullptr);
  EXPECT_EQ(ready[2].as<grove::AsyncResult<std::string>>()->get(), "hi");
  EXPECT_EQ(ready[0].as<grove::AsyncResult<std::string>>(), nullptr);
  grove::joinall(std::vector<grove::Fiber<>>{setter, answer});
}

TEST_F(IwaitTest, WaitWithCountReturnsTheFirstOnes) {
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs{sleeper(30ms, 30), sleeper(10ms, 10), sleeper(20ms, 20)};
  const auto t0 = sim.now();
  std::vector<grove::Fiber<int>> first = grove::wait(fs, grove::Deadline::never(), 2);
  EXPECT_EQ(sim.now() - t0, 20ms);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].value(), 10);
  EXPECT_EQ(first[1].value(), 20);
  EXPECT_FALSE(fs[0].dead());
  grove::joinall(fs);
}

TEST_F(IwaitTest, WaitWithTimeoutReturnsTheReadyOnes) {
  SimulatedHub sim;
  grove::Event never_set;
  grove::Event soon;
  auto setter = after(5ms, [&] { soon.set(); });
  const auto t0 = sim.now();
  auto ready = grove::wait({never_set, soon}, 50ms);
  EXPECT_EQ(sim.now() - t0, 50ms);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_TRUE(ready[0].is(soon));
  setter.join();
}

TEST_F(IwaitTest, AlreadyReadyObjectsComeFirstInTheOrderGiven) {
  grove::Event a;
  grove::Event b;
  a.set();
  b.set();
  grove::AsyncResult<int> r;
  r.set(3);
  auto ready = grove::wait({b, r, a}, grove::Deadline::never(), 2);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_TRUE(ready[0].is(b));
  EXPECT_TRUE(ready[1].is(r));
  EXPECT_TRUE(grove::wait({b, a}, 0ms, 0).empty());  // count 0: nothing asked for
}

TEST_F(IwaitTest, VariadicWaitTakesMixedFiberTypes) {
  SimulatedHub sim;
  grove::Fiber<int> fi = sleeper(10ms, 4);
  grove::Fiber<void> fv = grove::spawn([] { grove::this_fiber::sleep(5ms); });
  grove::Fiber<std::string> fs = grove::spawn([] { return std::string("s"); });
  auto ready = grove::wait(fi, fv, fs);
  ASSERT_EQ(ready.size(), 3u);
  EXPECT_TRUE(ready[0].is(fs));
  EXPECT_TRUE(ready[1].is(fv));
  EXPECT_TRUE(ready[2].is(fi));
  EXPECT_EQ(ready[2].as<grove::Fiber<int>>()->value(), 4);
}

TEST_F(IwaitTest, RangeOfNonCopyableEventsReturnsPointers) {
  SimulatedHub sim;
  std::array<grove::Event, 3> evs;
  auto setter = after(10ms, [&] { evs[2].set(); });
  std::vector<grove::Event*> ready = grove::wait(evs, grove::Deadline::never(), 1);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0], &evs[2]);
  std::vector<grove::Event*> pointers{&evs[0], &evs[2]};
  std::vector<grove::Event*> again = grove::wait(pointers, 0ms);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0], &evs[2]);
  setter.join();
}

TEST_F(IwaitTest, EventSetThenClearedStillCounts) {
  // As Event::wait: a waiter woken by set() returns even if clear() came first.
  SimulatedHub sim;
  grove::Event ev;
  auto toggler = after(10ms, [&] {
    ev.set();
    ev.clear();
  });
  auto ready = grove::wait({ev}, 1s);
  ASSERT_EQ(ready.size(), 1u);
  toggler.join();
}

TEST_F(IwaitTest, IwaitYieldsEachObjectAsItBecomesReady) {
  SimulatedHub sim;
  grove::Event ev;
  grove::AsyncResult<int> ar;
  grove::Fiber<int> f = sleeper(50ms, 5);
  auto s1 = after(10ms, [&] { ar.set(1); });
  auto s2 = after(30ms, [&] { ev.set(); });
  const auto t0 = sim.now();
  std::vector<grove::Duration> at;
  std::vector<int> which;
  for (const grove::WaitableRef& r : grove::iwait({f, ev, ar})) {
    at.push_back(sim.now() - t0);
    which.push_back(r.is(f) ? 0 : r.is(ev) ? 1 : 2);
  }
  EXPECT_EQ(at, (std::vector<grove::Duration>{10ms, 30ms, 50ms}));
  EXPECT_EQ(which, (std::vector<int>{2, 1, 0}));
  grove::joinall(std::vector<grove::Fiber<>>{s1, s2});
}

TEST_F(IwaitTest, IwaitCountAndTimeoutEndTheIteration) {
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs{sleeper(10ms, 1), sleeper(20ms, 2), sleeper(300ms, 3)};
  std::vector<int> got;
  for (const grove::Fiber<int>& f : grove::iwait(fs, grove::Deadline::never(), 1)) got.push_back(f.value());
  EXPECT_EQ(got, (std::vector<int>{1}));
  const auto t0 = sim.now();
  got.clear();
  for (const grove::Fiber<int>& f : grove::iwait(fs, 100ms)) got.push_back(f.value());
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
  EXPECT_EQ(sim.now() - t0, 100ms);
  grove::killall(fs);
}

TEST_F(IwaitTest, IwaitKeepsItsOwnCopyOfATemporaryRange) {
  SimulatedHub sim;
  auto make = [] { return std::vector<grove::Fiber<int>>{sleeper(20ms, 2), sleeper(10ms, 1)}; };
  std::vector<int> got;
  for (const grove::Fiber<int>& f : grove::iwait(make())) got.push_back(f.value());
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
}

TEST_F(IwaitTest, ALeftoverNodeNeverWakesALaterSleep) {
  // A wait that returned must not leave a node behind: the other event's
  // later set() must not cut the caller's next sleep short.
  SimulatedHub sim;
  grove::Event a;
  grove::Event b;
  a.set();
  auto setter = after(5ms, [&] { b.set(); });
  ASSERT_EQ(grove::wait({a, b}, grove::Deadline::never(), 1).size(), 1u);
  const auto t0 = sim.now();
  grove::this_fiber::sleep(20ms);
  EXPECT_EQ(sim.now() - t0, 20ms);
  setter.join();
}

TEST_F(IwaitTest, NothingThatCanBecomeReadyIsLoopExit) {
  grove::Event ev;
  grove::AsyncResult<int> r;
  EXPECT_THROW((void)grove::wait({ev, r}), grove::LoopExit);
}

TEST_F(IwaitTest, BadTimeoutsAndSelfWaitsAreUsageErrors) {
  grove::Event ev;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  try {
    (void)grove::wait({ev}, -1ms);
    ADD_FAILURE() << "a negative timeout was accepted";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("wait"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)grove::iwait({ev}, std::chrono::duration<double>(nan)), grove::UsageError);
  auto self = grove::spawn([] {
    grove::Fiber<> me = grove::this_fiber::self();
    std::vector<grove::Fiber<>> fs{me};
    EXPECT_THROW((void)grove::wait(fs), grove::UsageError);
  });
  self.join();
  EXPECT_TRUE(self.successful());
}

TEST_F(IwaitTest, ManyObjectsBeyondTheInlineSlots) {
  SimulatedHub sim;
  std::vector<grove::Fiber<int>> fs;
  for (int i = 0; i < 20; ++i) fs.push_back(sleeper(std::chrono::milliseconds(20 - i), i));
  auto all = grove::wait(fs);
  ASSERT_EQ(all.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(all[static_cast<std::size_t>(i)].value(), 19 - i);
}

}  // namespace
