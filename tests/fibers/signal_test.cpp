// signal_test.cpp — grove::signal (each delivery runs the handler in a new
// fiber) and grove::GracefulShutdown (stop accepting, give the group its
// grace, kill the rest, report done), with real signals from raise().

#include <grove/signal.hpp>

#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/group.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <csignal>
#include <cstdint>
#include <set>
#include <string>
#include <thread>

#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;

namespace {

using SignalTest = grove::test::HubTest;

TEST_F(SignalTest, EachDeliveryRunsTheHandlerInANewFiber) {
  std::vector<std::uint64_t> fibers;
  std::vector<std::string> names;
  grove::Event got;
  auto handler = grove::signal(SIGUSR1, [&] {
    fibers.push_back(grove::this_fiber::id());
    names.push_back(grove::this_fiber::name());
    got.set();
  });
  EXPECT_TRUE(handler.active());
  EXPECT_EQ(handler.signal_number(), SIGUSR1);
  const auto main_id = grove::this_fiber::id();

  std::raise(SIGUSR1);
  ASSERT_TRUE(got.wait(1s));
  got.clear();
  std::raise(SIGUSR1);
  ASSERT_TRUE(got.wait(1s));  // (each handler fiber has ended when main resumes)

  ASSERT_EQ(fibers.size(), 2u);
  EXPECT_NE(fibers[0], fibers[1]);
  EXPECT_NE(fibers[0], main_id);
  EXPECT_EQ(names[0], "signal " + std::to_string(SIGUSR1));
}

TEST_F(SignalTest, HandlerMayTakeTheSignalNumberAndMayBlock) {
  std::vector<int> seen;
  grove::Event done;
  auto handler = grove::signal(SIGUSR2, [&](int signo) {
    grove::this_fiber::sleep(2ms);  // it runs in a fiber: blocking is fine
    seen.push_back(signo);
    done.set();
  });
  std::raise(SIGUSR2);
  ASSERT_TRUE(done.wait(1s));
  EXPECT_EQ(seen, (std::vector<int>{SIGUSR2}));
}

TEST_F(SignalTest, CancelStopsListening) {
  int first = 0;
  int second = 0;
  grove::Event got;
  auto a = grove::signal(SIGUSR1, [&] { ++first; });
  auto b = grove::signal(SIGUSR1, [&] {
    ++second;
    got.set();
  });
  a.cancel();
  EXPECT_FALSE(a.active());
  a.cancel();           // idempotent
  std::raise(SIGUSR1);  // b still listens, so the process is not terminated
  ASSERT_TRUE(got.wait(1s));
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);

  grove::SignalHandler moved = std::move(b);
  EXPECT_TRUE(moved.active());
  EXPECT_FALSE(b.active());  // NOLINT(bugprone-use-after-move): a moved-from handle is empty
  EXPECT_EQ(b.signal_number(), 0);
}

// A signal arriving while main waits (with a deadline) runs its handler.
TEST_F(SignalTest, MainWaitsForASignalFromAnotherThread) {
  grove::Event got;
  auto handler = grove::signal(SIGUSR1, [&] { got.set(); });
  std::thread sender([] {
    std::this_thread::sleep_for(20ms);
    ::kill(::getpid(), SIGUSR1);
  });
  EXPECT_TRUE(got.wait(5s));
  sender.join();
  handler.cancel();
  grove::hub().run();  // nothing pending any more: returns
}

// gevent's signal watchers are weak: a live handler does not keep the loop
// alive, so Hub::run() returns and a deadlock still raises LoopExit.
TEST_F(SignalTest, AHandlerDoesNotKeepTheHubAlive) {
  auto handler = grove::signal(SIGUSR1, [] {});
  const auto t0 = std::chrono::steady_clock::now();
  grove::hub().run();  // only the handler is left: idle at once
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(handler.active());
}

TEST_F(SignalTest, ADeadlockBesideAHandlerRaisesLoopExit) {
  auto term = grove::signal(SIGTERM, [] {});
  auto hup = grove::signal(SIGHUP, [] {});
  grove::Event never;
  auto stuck = grove::spawn([&] { never.wait(); });
  EXPECT_THROW(stuck.join(), grove::LoopExit);
  stuck.kill();
  // The handlers still work after the hub was idle.
  grove::Event got;
  auto usr = grove::signal(SIGUSR2, [&] { got.set(); });
  std::raise(SIGUSR2);
  EXPECT_TRUE(got.wait(5s));
}

TEST_F(SignalTest, Misuse) {
  EXPECT_THROW(grove::signal(SIGUSR1, std::function<void(int)>{}), grove::UsageError);
  EXPECT_THROW(grove::signal(-1, [] {}), grove::UsageError);
}

TEST_F(SignalTest, AHandlerOutlivingItsHubIsHarmless) {
  grove::SignalHandler h = grove::signal(SIGUSR1, [] {});
  grove::Hub::destroy_current();
  EXPECT_FALSE(h.active());
  h.cancel();
}

// Graceful shutdown on SIGTERM: stop_accepting runs, the worker that
// finishes within the grace period completes, the one sleeping forever is
// killed, and main's wait() returns.
TEST_F(SignalTest, GracefulShutdownOnSigterm) {
  grove::Group workers;
  bool stopped_accepting = false;
  bool quick_finished = false;
  auto quick = workers.spawn([&] {
    grove::this_fiber::sleep(30ms);
    quick_finished = true;
  });
  auto forever = workers.spawn([] { grove::this_fiber::sleep(1h); });

  grove::GracefulShutdown gs({SIGTERM, SIGINT}, {.grace = 150ms, .stop_accepting = [&] { stopped_accepting = true; }},
                             workers);
  EXPECT_FALSE(gs.triggered());
  grove::this_fiber::sleep(1ms);
  const auto t0 = std::chrono::steady_clock::now();
  std::raise(SIGTERM);
  EXPECT_TRUE(gs.wait(2s));
  const auto took = std::chrono::steady_clock::now() - t0;

  EXPECT_TRUE(gs.triggered());
  EXPECT_TRUE(gs.done());
  EXPECT_EQ(gs.signal_number(), SIGTERM);
  EXPECT_TRUE(stopped_accepting);
  EXPECT_TRUE(quick_finished);
  EXPECT_EQ(quick.exit_reason().kind(), grove::ExitReason::Kind::normal);
  EXPECT_TRUE(forever.dead());
  EXPECT_EQ(forever.exit_reason().kind(), grove::ExitReason::Kind::killed);
  EXPECT_TRUE(workers.empty());
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 900ms);
}

TEST_F(SignalTest, GracefulShutdownEndsEarlyWhenTheGroupEmpties) {
  grove::Group workers;
  workers.spawn([] { grove::this_fiber::sleep(10ms); });
  grove::GracefulShutdown gs({SIGTERM}, {.grace = 5s}, workers);
  const auto t0 = std::chrono::steady_clock::now();
  gs.trigger();  // programmatic: no signal needed
  gs.wait();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_EQ(gs.signal_number(), 0);
  EXPECT_TRUE(workers.empty());
}

TEST_F(SignalTest, ASecondRequestCutsTheGraceShort) {
  grove::Group workers;
  auto stubborn = workers.spawn([] { grove::this_fiber::sleep(1h); });
  grove::GracefulShutdown gs({SIGINT}, {.grace = 10s}, workers);
  std::raise(SIGINT);
  EXPECT_FALSE(gs.wait(20ms));  // still within its grace
  std::raise(SIGINT);
  EXPECT_TRUE(gs.wait(1s));
  EXPECT_EQ(stubborn.exit_reason().kind(), grove::ExitReason::Kind::killed);
}

TEST_F(SignalTest, DestroyingAGracefulShutdownInProgressAbandonsIt) {
  grove::Group workers;
  workers.spawn([] { grove::this_fiber::sleep(20ms); });
  {
    grove::GracefulShutdown gs({SIGTERM}, {.grace = 10s}, workers);
    gs.trigger();
    grove::this_fiber::yield();
    EXPECT_FALSE(gs.done());
  }
  EXPECT_EQ(workers.size(), 1u);  // not killed: the shutdown was abandoned
  workers.join();
  EXPECT_THROW(grove::GracefulShutdown({SIGTERM}, {.grace = -1s}, workers), grove::UsageError);
}

}  // namespace
