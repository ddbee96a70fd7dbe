// event_link_test.cpp — Event::rawlink/unlink/unlink_all/has_links
// (event.hpp): callbacks run once, from the hub loop and never inside
// set(), for a set() from this thread or another.

#include <grove/event.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"
#include "log_capture.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

using EventLinkTest = grove::test::HubTest;

TEST_F(EventLinkTest, CallbacksRunFromTheLoopAfterSetNotInsideIt) {
  grove::Event ev;
  std::vector<int> calls;
  const auto a = ev.rawlink([&](grove::Event& e) {
    EXPECT_EQ(&e, &ev);
    calls.push_back(1);
  });
  (void)ev.rawlink([&](grove::Event&) { calls.push_back(2); });
  EXPECT_NE(a, 0u);
  EXPECT_TRUE(ev.has_links());
  ev.set();
  EXPECT_TRUE(calls.empty());  // not inside set()
  grove::this_fiber::yield();  // the loop runs the callbacks
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(calls, (std::vector<int>{1, 2}));
  EXPECT_FALSE(ev.has_links());  // each runs once
  ev.clear();
  ev.set();
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(calls.size(), 2u);
}

TEST_F(EventLinkTest, RawlinkOnASetEventRunsSoonAndUnlinkStopsIt) {
  grove::Event ev;
  ev.set();
  int ran = 0;
  const auto id = ev.rawlink([&](grove::Event&) { ++ran; });
  EXPECT_EQ(ran, 0);
  EXPECT_TRUE(ev.unlink(id));
  EXPECT_FALSE(ev.unlink(id));
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(ran, 0);
  (void)ev.rawlink([&](grove::Event&) { ++ran; });
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(ran, 1);
}

TEST_F(EventLinkTest, UnlinkAllRemovesEveryCallback) {
  grove::Event ev;
  int ran = 0;
  for (int i = 0; i < 3; ++i) (void)ev.rawlink([&](grove::Event&) { ++ran; });
  EXPECT_TRUE(ev.has_links());
  ev.unlink_all();
  EXPECT_FALSE(ev.has_links());
  ev.set();
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(ran, 0);
}

TEST_F(EventLinkTest, ASetFromAnotherThreadRunsTheCallbacksOnTheHub) {
  grove::Event ev;
  grove::Event done;
  std::thread::id ran_on;
  (void)ev.rawlink([&](grove::Event&) {
    ran_on = std::this_thread::get_id();
    done.set();
  });
  std::thread setter([&] { ev.set(); });
  EXPECT_TRUE(done.wait(5s));
  setter.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST_F(EventLinkTest, AThrowingCallbackIsLoggedAndTheOthersRun) {
  grove::test::LogCapture log;
  grove::Event ev;
  int ran = 0;
  (void)ev.rawlink([](grove::Event&) { throw std::runtime_error("cb boom"); });
  (void)ev.rawlink([&](grove::Event&) { ++ran; });
  ev.set();
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(ran, 1);
  EXPECT_NE(log.text().find("cb boom"), std::string::npos) << log.text();
}

TEST_F(EventLinkTest, AnEventDestroyedBeforeItsFlushRunsNothing) {
  int ran = 0;
  {
    grove::Event ev;
    (void)ev.rawlink([&](grove::Event&) { ++ran; });
    ev.set();
  }
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(ran, 0);
}

}  // namespace
