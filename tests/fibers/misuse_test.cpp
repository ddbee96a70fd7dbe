// misuse_test.cpp — every misuse of the fiber API throws grove::UsageError
// with a message that says what went wrong.

#include <grove/errors.hpp>  // first: proves the header is self-contained

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "hub_fixture.hpp"
#include "usage_error_of.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

using Misuse = grove::test::HubTest;

using grove::test::usage_error_of;

#define EXPECT_USAGE_ERROR(stmt, keyword)                                                     \
  do {                                                                                        \
    const std::string msg_ = usage_error_of([&] { stmt; });                                   \
    EXPECT_NE(msg_.find(keyword), std::string::npos) << "message: " << msg_;                  \
    EXPECT_EQ(msg_.find("<"), std::string::npos) << "expected a grove::UsageError: " << msg_; \
  } while (0)

const auto kNaN = std::chrono::duration<double>(std::nan(""));

}  // namespace

TEST_F(Misuse, UsageErrorIsAGroveError) {
  grove::UsageError e("x");
  const grove::Error& base = e;
  EXPECT_STREQ(base.what(), "x");
}

TEST_F(Misuse, JoiningYourself) {
  std::string msg;
  auto f = grove::spawn([&] { msg = usage_error_of([] { grove::this_fiber::self().join(); }); });
  f.join();
  EXPECT_NE(msg.find("cannot join itself"), std::string::npos) << msg;
  EXPECT_TRUE(f.successful());
  // With a timeout too, and on the main fiber.
  std::string timed;
  auto g = grove::spawn([&] { timed = usage_error_of([] { (void)grove::this_fiber::self().join(10ms); }); });
  g.join();
  EXPECT_NE(timed.find("cannot join itself"), std::string::npos) << timed;
  EXPECT_USAGE_ERROR(grove::this_fiber::self().join(), "cannot join itself");
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(Misuse, JoiningYourselfThroughGet) {
  std::string msg;
  grove::Fiber<int> f;
  f = grove::spawn([&] {
    msg = usage_error_of([&] { (void)f.get(); });
    return 1;
  });
  EXPECT_EQ(f.get(), 1);
  EXPECT_NE(msg.find("cannot join itself"), std::string::npos) << msg;
}

TEST_F(Misuse, NegativeDurations) {
  EXPECT_USAGE_ERROR(grove::this_fiber::sleep(-1ms), "negative");
  EXPECT_USAGE_ERROR(grove::this_fiber::sleep(-1ms), "this_fiber::sleep");
  EXPECT_USAGE_ERROR(grove::Timeout t(-5ms), "negative");
  EXPECT_USAGE_ERROR(grove::Timeout t(-5ms, grove::deferred), "Timeout");
  auto f = grove::spawn([] { grove::this_fiber::sleep(5ms); });
  EXPECT_USAGE_ERROR((void)f.join(-1ms), "negative");
  EXPECT_USAGE_ERROR((void)f.join(-1ms), "Fiber::join");
  EXPECT_USAGE_ERROR(f.get(-1s), "negative");
  EXPECT_USAGE_ERROR(grove::spawn_later(-1ms, [] {}), "negative");
  EXPECT_USAGE_ERROR(grove::spawn_later(-1ms, [] {}), "spawn_later");
  // The failed spawn_later created no fiber.
  EXPECT_EQ(grove::hub().fiber_count(), 1u);
  f.join();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(Misuse, NaNDurations) {
  EXPECT_USAGE_ERROR(grove::this_fiber::sleep(kNaN), "NaN");
  EXPECT_USAGE_ERROR(grove::Timeout t(kNaN), "NaN");
  auto f = grove::spawn([] {});
  EXPECT_USAGE_ERROR((void)f.join(kNaN), "NaN");
  EXPECT_USAGE_ERROR(grove::spawn_later(kNaN, [] {}), "NaN");
  f.join();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(Misuse, ValidEdgeDurationsAreAccepted) {
  // Zero and huge durations are not misuse; +inf means "never".
  EXPECT_NO_THROW(grove::this_fiber::sleep(0ms));
  EXPECT_NO_THROW(grove::this_fiber::sleep(std::chrono::duration<double>(0.001)));
  {
    grove::Timeout never{std::chrono::duration<double>(INFINITY)};
    EXPECT_FALSE(never.pending());
    grove::Timeout huge(std::chrono::hours::max());
    EXPECT_EQ(huge.duration(), grove::Duration::max());
    grove::this_fiber::sleep(1ms);
  }
  auto f = grove::spawn([] { grove::this_fiber::sleep(2ms); });
  EXPECT_TRUE(f.join(std::chrono::hours::max()));
}

TEST_F(Misuse, HandleUsedFromAnotherThread) {
  grove::Event ev;
  auto f = grove::spawn([&] {
    ev.wait();
    return 1;
  });
  grove::this_fiber::yield();
  std::string join_msg, kill_msg, get_msg, link_msg;
  std::atomic<bool> thread_done{false};
  std::thread t([&, f]() mutable {
    join_msg = usage_error_of([&] { f.join(); });
    kill_msg = usage_error_of([&] { f.kill(); });
    get_msg = usage_error_of([&] { (void)f.get(); });
    link_msg = usage_error_of([&] { f.link([](grove::Fiber<>) {}); });
    thread_done = true;
  });
  t.join();
  EXPECT_TRUE(thread_done);
  for (const std::string* m : {&join_msg, &kill_msg, &get_msg, &link_msg}) {
    EXPECT_NE(m->find("another OS thread"), std::string::npos) << *m;
    EXPECT_EQ(m->find("<"), std::string::npos) << *m;
  }
  EXPECT_NE(join_msg.find("join"), std::string::npos) << join_msg;
  EXPECT_NE(kill_msg.find("kill"), std::string::npos) << kill_msg;
  // The fiber was not disturbed.
  EXPECT_FALSE(f.dead());
  ev.set();
  EXPECT_EQ(f.get(), 1);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(Misuse, HandleUsedFromAnotherThreadThatHasItsOwnHub) {
  auto f = grove::spawn([] { grove::this_fiber::sleep(10ms); });
  std::string msg;
  bool other_hub_fine = false;
  std::thread t([&] {
    auto own = grove::spawn([] { return 2; });  // this thread's own hub
    other_hub_fine = own.get() == 2;
    msg = usage_error_of([&] { f.join(); });
    grove::Hub::destroy_current();
  });
  t.join();
  EXPECT_TRUE(other_hub_fine);
  EXPECT_NE(msg.find("another OS thread"), std::string::npos) << msg;
  f.join();
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(Misuse, SpawningAfterShutdown) {
  grove::hub().shutdown();
  EXPECT_USAGE_ERROR(grove::spawn([] {}), "shut down");
  EXPECT_USAGE_ERROR(grove::spawn([](int) { return 1; }, 1), "shut down");
  EXPECT_USAGE_ERROR(grove::spawn_later(1ms, [] {}), "shut down");
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  // A fresh hub accepts spawns again.
  grove::Hub::destroy_current();
  EXPECT_EQ(grove::spawn([] { return 3; }).get(), 3);
}

TEST_F(Misuse, BlockingInsideAnAsioHandler) {
  std::vector<std::string> msgs;
  bool handler_ran = false;
  bool spawned_ran = false;
  grove::Event ev;
  auto f = grove::spawn([] { grove::this_fiber::sleep(50ms); });
  boost::asio::post(grove::hub().io_context(), [&] {
    handler_ran = true;
    msgs.push_back(usage_error_of([] { grove::this_fiber::sleep(10ms); }));
    msgs.push_back(usage_error_of([] { grove::this_fiber::sleep(0ms); }));
    msgs.push_back(usage_error_of([] { grove::this_fiber::yield(); }));
    msgs.push_back(usage_error_of([&] { ev.wait(); }));
    msgs.push_back(usage_error_of([&] { f.join(); }));
    msgs.push_back(usage_error_of([&] { grove::Timeout t(10ms); }));
    msgs.push_back(usage_error_of([] { grove::hub().run(); }));
    // Non-blocking calls are fine there: spawn a fiber to do the blocking work.
    grove::spawn([&] {
      grove::this_fiber::sleep(1ms);
      spawned_ran = true;
    });
  });
  grove::this_fiber::sleep(20ms);
  ASSERT_TRUE(handler_ran);
  ASSERT_EQ(msgs.size(), 7u);
  for (const auto& m : msgs) {
    EXPECT_NE(m.find("would block the hub"), std::string::npos) << m;
    EXPECT_NE(m.find("spawn a fiber"), std::string::npos) << m;
  }
  EXPECT_NE(msgs[0].find("this_fiber::sleep"), std::string::npos) << msgs[0];
  EXPECT_NE(msgs[3].find("Event::wait"), std::string::npos) << msgs[3];
  EXPECT_TRUE(spawned_ran);
  EXPECT_FALSE(ev.is_set());
  f.join();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(Misuse, EmptyHandle) {
  grove::Fiber<> empty;
  EXPECT_FALSE(empty);
  EXPECT_USAGE_ERROR(empty.join(), "empty handle");
  EXPECT_USAGE_ERROR((void)empty.join(10ms), "empty handle");
  EXPECT_USAGE_ERROR(empty.kill(), "empty handle");
  EXPECT_USAGE_ERROR(empty.set_name("x"), "empty handle");
  EXPECT_USAGE_ERROR(empty.link([](grove::Fiber<>) {}), "empty handle");
  EXPECT_USAGE_ERROR((void)empty.unlink(1), "empty handle");
  grove::Fiber<int> typed;
  EXPECT_USAGE_ERROR((void)typed.get(), "empty handle");
  EXPECT_USAGE_ERROR(typed.join(), "join");
}

TEST_F(Misuse, StartingACopyOfATimeout) {
  grove::Timeout t(1s);
  grove::Timeout copy(t);
  EXPECT_TRUE(copy == t);
  EXPECT_FALSE(copy.pending());
  EXPECT_USAGE_ERROR(copy.start(), "copy");
  EXPECT_USAGE_ERROR(copy.start(), "Timeout::start");
  // The original is unaffected and can still be restarted and cancelled.
  EXPECT_TRUE(t.pending());
  EXPECT_NO_THROW(t.start());
  t.cancel();
  EXPECT_FALSE(t.pending());
}

TEST_F(Misuse, StartingTheThrownTimeout) {
  std::string msg;
  try {
    grove::Timeout t(5ms);
    grove::this_fiber::sleep(1s);
  } catch (grove::Timeout& thrown) {
    msg = usage_error_of([&] { thrown.start(); });
  }
  EXPECT_NE(msg.find("copy"), std::string::npos) << msg;
}

TEST_F(Misuse, DestroyingTheHubFromAFiber) {
  std::string msg;
  auto f = grove::spawn([&] { msg = usage_error_of([] { grove::Hub::destroy_current(); }); });
  f.join();
  EXPECT_NE(msg.find("main fiber"), std::string::npos) << msg;
  EXPECT_TRUE(grove::Hub::exists());
}

TEST_F(Misuse, CreatingASecondHub) {
  (void)grove::hub();
  EXPECT_USAGE_ERROR(grove::Hub::create(), "already has a hub");
}

TEST_F(Misuse, WaitingForNothingOrForYourself) {
  EXPECT_USAGE_ERROR((void)grove::wait_any(std::vector<grove::Fiber<>>{}), "no fibers");
  std::string msg;
  auto f = grove::spawn([&] {
    msg = usage_error_of([] { (void)grove::wait_any(std::vector<grove::Fiber<>>{grove::this_fiber::self()}); });
  });
  f.join();
  EXPECT_NE(msg.find("itself"), std::string::npos) << msg;
}
