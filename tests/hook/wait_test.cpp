// wait_test.cpp — the hooked poll, select, epoll_wait (real descriptors,
// real time) and sleep, usleep, nanosleep, clock_nanosleep (on the test
// kit's Simulation: virtual time), and a grove::Timeout ending a hooked
// sleep (docs/hook.md).

#include "hook_test_support.hpp"

#include <grove/hook.hpp>
#include <grove/timeout.hpp>

#include <hub_fixture.hpp>
#include <simulated_hub.hpp>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>
#include <ctime>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using grove::test::elapsed_ms;
using grove::test::Pair;
using grove::test::Ticker;

class HookWait : public grove::test::HubTest {};

TEST_F(HookWait, PollParksUntilADescriptorIsReady) {
  Pair p;
  Ticker ticker;
  auto w = grove::spawn([&] {
    grove::this_fiber::sleep(20ms);
    (void)::send(p.b, "x", 1, 0);
  });
  pollfd fds[2] = {{p.a, POLLIN, 0}, {p.b, POLLIN, 0}};
  EXPECT_EQ(::poll(fds, 2, 5000), 1);
  EXPECT_TRUE(fds[0].revents & POLLIN);
  EXPECT_EQ(fds[1].revents, 0);
  w.join();
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
}

TEST_F(HookWait, PollTimesOutWhileTheHubRunsOthers) {
  Pair p;
  Ticker ticker;
  pollfd fd{p.a, POLLIN, 0};
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(::poll(&fd, 1, 50), 0);
  EXPECT_GE(elapsed_ms(t0), 45.0);
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
  EXPECT_EQ(::poll(&fd, 1, 0), 0);  // a zero timeout never parks
}

TEST_F(HookWait, SelectParksUntilReadyAndTimesOut) {
  Pair p;
  Ticker ticker;
  auto w = grove::spawn([&] {
    grove::this_fiber::sleep(20ms);
    (void)::send(p.b, "x", 1, 0);
  });
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(p.a, &rd);
  timeval tv{5, 0};
  EXPECT_EQ(::select(p.a + 1, &rd, nullptr, nullptr, &tv), 1);
  EXPECT_TRUE(FD_ISSET(p.a, &rd));
  w.join();
  char c = 0;
  EXPECT_EQ(::recv(p.a, &c, 1, 0), 1);
  FD_ZERO(&rd);
  FD_SET(p.a, &rd);
  timeval short_tv{0, 30000};
  EXPECT_EQ(::select(p.a + 1, &rd, nullptr, nullptr, &short_tv), 0);
  EXPECT_FALSE(FD_ISSET(p.a, &rd));
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
}

TEST_F(HookWait, EpollWaitOnTheFibersOwnEpoll) {
  Pair p;
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = p.a;
  ASSERT_EQ(::epoll_ctl(ep, EPOLL_CTL_ADD, p.a, &ev), 0);
  Ticker ticker;
  auto w = grove::spawn([&] {
    grove::this_fiber::sleep(20ms);
    (void)::send(p.b, "x", 1, 0);
  });
  epoll_event out[4];
  EXPECT_EQ(::epoll_wait(ep, out, 4, 5000), 1);
  EXPECT_EQ(out[0].data.fd, p.a);
  w.join();
  char c = 0;
  EXPECT_EQ(::recv(p.a, &c, 1, 0), 1);
  EXPECT_EQ(::epoll_wait(ep, out, 4, 30), 0);
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
  ::close(ep);
}

TEST_F(HookWait, EverySleepCallIsAFiberSleep) {
  grove::test::SimulatedHub sim;
  const auto t0 = sim.now();
  // Four fibers, four sleep calls of one second each: one second in all.
  auto a = grove::spawn([] { EXPECT_EQ(::sleep(1), 0u); });
  auto b = grove::spawn([] { EXPECT_EQ(::usleep(1000000), 0); });
  auto c = grove::spawn([] {
    timespec ts{1, 0};
    EXPECT_EQ(::nanosleep(&ts, nullptr), 0);
  });
  auto d = grove::spawn([] {
    timespec ts{1, 0};
    EXPECT_EQ(::clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr), 0);
  });
  a.join();
  b.join();
  c.join();
  d.join();
  EXPECT_EQ(sim.now() - t0, 1s);
}

TEST_F(HookWait, AGroveTimeoutEndsASleep) {
  grove::test::SimulatedHub sim;
  const auto t0 = sim.now();
  int r = 0, err = 0;
  timespec rem{};
  bool caught = false;
  try {
    grove::Timeout t(300ms);
    timespec ts{2, 0};
    r = ::nanosleep(&ts, &rem);
    err = errno;
    grove::hook::checkpoint();
  } catch (const grove::Timeout&) {
    caught = true;
  }
  EXPECT_EQ(r, -1);
  EXPECT_EQ(err, ETIMEDOUT);
  EXPECT_TRUE(caught);
  EXPECT_EQ(sim.now() - t0, 300ms);
}

TEST_F(HookWait, WhileAnInterruptIsPendingHookedCallsFailAtOnce) {
  grove::test::SimulatedHub sim;
  const auto t0 = sim.now();
  int first = 0, second = 0;
  try {
    grove::Timeout t(100ms);
    ::usleep(1000000);
    first = errno;
    // A library retrying does not park again: the same error at once.
    ::usleep(1000000);
    second = errno;
    grove::hook::checkpoint();
  } catch (const grove::Timeout&) {
  }
  EXPECT_EQ(first, ETIMEDOUT);
  EXPECT_EQ(second, ETIMEDOUT);
  EXPECT_EQ(sim.now() - t0, 100ms);
}

}  // namespace
