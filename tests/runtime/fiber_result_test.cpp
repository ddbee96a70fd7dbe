// fiber_result_test.cpp — async_result(fiber), the cross-hub form of
// join/get (fiber_result.hpp), and the UsageError that joining a fiber of
// another hub without it raises.

#include <grove/fiber_result.hpp>

#include <grove/runtime.hpp>
#include <grove/this_fiber.hpp>

#include "hub_fixture.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace {

using namespace std::chrono_literals;
using grove::HubId;
using grove::Runtime;
using FiberResultTest = grove::test::HubTest;

// far_fiber(rt, hub, fn) starts fn in a fiber on hub and returns its handle.
template <class F>
auto far_fiber(Runtime& rt, HubId hub, F fn) {
  return rt.call_on(hub, [fn] { return grove::spawn(fn); }).get();
}

TEST_F(FiberResultTest, JoiningAFiberOfAnotherHubIsAUsageErrorThatNamesTheCrossHubForm) {
  Runtime rt({.hubs = 2});
  auto far = far_fiber(rt, HubId{1}, [] {
    grove::this_fiber::sleep(10ms);
    return 7;
  });
  for (const char* call : {"join", "get"}) {
    auto r = rt.spawn_on(HubId{0}, [far, call]() mutable {
      try {
        if (std::string(call) == "join") far.join();
        else (void)far.get();
      } catch (const grove::UsageError& e) {
        return std::string(e.what());
      }
      return std::string("no error");
    });
    const std::string& what = r.get();
    EXPECT_NE(what.find("another OS thread's hub"), std::string::npos) << what;
    EXPECT_NE(what.find("grove::async_result(fiber).get()"), std::string::npos) << what;
  }
  EXPECT_EQ(rt.spawn_on(HubId{0}, [far] { return grove::async_result(far).get(); }).get(), 7);
}

TEST_F(FiberResultTest, AsyncResultCarriesTheValueTheExceptionOrTheKillAcrossHubs) {
  Runtime rt({.hubs = 2, .hub = {.unhandled = grove::UnhandledPolicy::ignore}});
  auto value =
      far_fiber(rt, HubId{1}, [] { return std::string("from hub ") + std::to_string(grove::this_hub().index); });
  auto failing = far_fiber(rt, HubId{1}, []() -> int { throw std::runtime_error("far failure"); });
  auto sleeper = far_fiber(rt, HubId{1}, [] { grove::this_fiber::sleep(10s); });
  auto outcome = rt.spawn_on(HubId{0}, [value, failing, sleeper] {
    std::string got = grove::async_result(value).get();
    try {
      (void)grove::async_result(failing).get();
      got += "; no exception";
    } catch (const std::runtime_error& e) {
      got += std::string("; ") + e.what();
    }
    return got + " on hub " + std::to_string(grove::this_hub().index);
  });
  EXPECT_EQ(outcome.get(), "from hub 1; far failure on hub 0");
  // A fiber killed on its own hub: the waiter on hub 0 gets FiberKilled.
  auto waiter = rt.spawn_on(HubId{0}, [sleeper] {
    try {
      grove::async_result(sleeper).get();
    } catch (const grove::FiberKilled& e) {
      return e.reason().kind() == grove::ExitReason::Kind::killed;
    }
    return false;
  });
  rt.call_on(HubId{1}, [sleeper]() mutable { sleeper.kill(false); }).get();
  EXPECT_TRUE(waiter.get());
}

TEST_F(FiberResultTest, AsyncResultOnTheFibersOwnHubWorksToo) {
  auto f = grove::spawn([] { return 5; });
  EXPECT_EQ(grove::async_result(f).get(), 5);
  EXPECT_THROW((void)grove::async_result(grove::Fiber<int>()), grove::UsageError);
}

TEST_F(FiberResultTest, AsyncResultFromOutsideTheRuntimeIsAUsageError) {
  Runtime rt({.hubs = 1});
  auto far = far_fiber(rt, HubId{0}, [] { return 1; });
  try {
    (void)grove::async_result(far);  // main is no hub of the Runtime
    ADD_FAILURE() << "no UsageError";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("Runtime::spawn_on"), std::string::npos) << e.what();
  }
}

}  // namespace
