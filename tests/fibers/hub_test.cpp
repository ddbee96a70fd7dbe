// hub_test.cpp — the hub: creation and configuration, Asio integration,
// run(), fiber counting, pooled stacks, LoopExit, shutdown, scale, and the
// unhandled-exception policy.

#include <grove/hub.hpp>  // first: proves the header is self-contained

#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>
#include "log_capture.hpp"
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override { grove::Hub::destroy_current(); }
  void TearDown() override { grove::Hub::destroy_current(); }
};

using HubDeathTest = HubTest;

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

using grove::test::LogCapture;

struct SetOnDestroy {
  bool* flag;
  ~SetOnDestroy() { *flag = true; }
};

// Uses about 8 KiB of stack per 32 levels (256-byte frames plus overhead).
[[gnu::noinline]] int recurse(int depth) {
  volatile char buf[256];
  for (auto& c : buf) c = static_cast<char>(depth);
  if (depth == 0) return buf[17];
  return recurse(depth - 1) + (buf[255] == static_cast<char>(depth) ? 1 : 0);
}

}  // namespace

// --------------------------------------------------------------- creation

TEST_F(HubTest, HubIsCreatedOnFirstUseAndIsTheSameObjectAfterwards) {
  EXPECT_FALSE(grove::Hub::exists());
  grove::Hub& first = grove::hub();
  EXPECT_TRUE(grove::Hub::exists());
  grove::Hub& second = grove::hub();
  EXPECT_EQ(&first, &second);
  // Default configuration.
  EXPECT_EQ(first.config().stack_size, grove::default_stack_size);
  EXPECT_TRUE(first.config().guard_pages);
  EXPECT_EQ(first.unhandled_policy(), grove::UnhandledPolicy::log);
  EXPECT_FALSE(first.is_shut_down());
  EXPECT_EQ(first.fiber_count(), 0u);
}

TEST_F(HubTest, DestroyCurrentMakesTheNextCallCreateAFreshHub) {
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::Hub::destroy_current();
  EXPECT_FALSE(grove::Hub::exists());
  // A fresh hub starts from the defaults again.
  EXPECT_EQ(grove::hub().unhandled_policy(), grove::UnhandledPolicy::log);
  grove::Hub::destroy_current();
  grove::Hub::destroy_current();  // no hub: a no-op
  EXPECT_FALSE(grove::Hub::exists());
}

TEST_F(HubTest, CreateWithConfigAppliesIt) {
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  grove::HubConfig cfg;
  cfg.stack_size = 128 * 1024 + 100;  // rounded up to whole pages
  cfg.guard_pages = false;
  cfg.unhandled = grove::UnhandledPolicy::ignore;
  grove::Hub& h = grove::Hub::create(cfg);
  EXPECT_EQ(&h, &grove::hub());
  EXPECT_EQ(h.config().stack_size, 128u * 1024 + 100);
  EXPECT_FALSE(h.config().guard_pages);
  EXPECT_EQ(h.unhandled_policy(), grove::UnhandledPolicy::ignore);
  EXPECT_EQ(h.stack_size(), (128 * 1024 + 100 + page - 1) / page * page);

  // Deep recursion that needs most of the 128 KiB stack works.
  auto f = grove::spawn([] { return recurse(200); });  // ~60 KiB
  EXPECT_EQ(f.get(), 200);
  EXPECT_EQ(h.stacks_guarded(), 0u);  // guard_pages = false

  h.set_unhandled_policy(grove::UnhandledPolicy::log);
  EXPECT_EQ(h.unhandled_policy(), grove::UnhandledPolicy::log);
  EXPECT_EQ(h.fiber_count(), 0u);
}

TEST_F(HubTest, DefaultHubPutsGuardPagesUnderStacks) {
  auto f = grove::spawn([] { return 1; });
  EXPECT_EQ(f.get(), 1);
  EXPECT_GT(grove::hub().stacks_guarded(), 0u);
}

TEST_F(HubTest, CreateThrowsUsageErrorWhenTheThreadAlreadyHasAHub) {
  grove::Hub& h = grove::hub();
  try {
    grove::Hub::create();
    FAIL() << "create() succeeded although a hub exists";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("already has a hub"), std::string::npos) << e.what();
  }
  boost::asio::io_context io;
  EXPECT_THROW(grove::Hub::create(io), grove::UsageError);
  // The existing hub is untouched.
  EXPECT_EQ(&grove::hub(), &h);
  EXPECT_NE(&grove::hub().io_context(), &io);
}

TEST_F(HubTest, CreateThrowsAfterAnImplicitHubWasMadeBySpawn) {
  auto f = grove::spawn([] {});
  EXPECT_THROW(grove::Hub::create(), grove::UsageError);
  f.join();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, EachThreadHasItsOwnHub) {
  grove::Hub* mine = &grove::hub();
  grove::Hub* theirs = nullptr;
  bool existed_there = true;
  int value_there = 0;
  std::thread t([&] {
    existed_there = grove::Hub::exists();
    theirs = &grove::hub();
    value_there = grove::spawn([] { return 5; }).get();
    grove::Hub::destroy_current();
  });
  t.join();
  EXPECT_FALSE(existed_there);
  EXPECT_NE(theirs, nullptr);
  EXPECT_NE(theirs, mine);
  EXPECT_EQ(value_there, 5);
  EXPECT_EQ(&grove::hub(), mine);
}

// ----------------------------------------------------------------- Asio

TEST_F(HubTest, AdoptsAnExternalIoContextAndRunsPostedHandlersWhileMainSleeps) {
  boost::asio::io_context io;
  {
    grove::Hub& h = grove::Hub::create(io);
    EXPECT_EQ(&h.io_context(), &io);
    EXPECT_EQ(&grove::hub().io_context(), &io);

    bool ran = false;
    std::thread::id ran_on;
    grove::TimePoint ran_at{};
    boost::asio::post(io, [&] {
      ran = true;
      ran_on = std::this_thread::get_id();
      ran_at = grove::hub().now();
    });
    EXPECT_FALSE(ran);  // not run until the hub gets control
    const auto start = grove::hub().now();
    grove::this_fiber::sleep(30ms);
    const auto end = grove::hub().now();
    EXPECT_TRUE(ran);
    EXPECT_EQ(ran_on, std::this_thread::get_id());
    // It ran while main was asleep, not after.
    EXPECT_GE(ran_at, start);
    EXPECT_LT(ran_at, start + 25ms);
    EXPECT_GE(end - start, 30ms);
  }
  grove::Hub::destroy_current();  // the adopted io_context must outlive the hub
  EXPECT_FALSE(grove::Hub::exists());
}

TEST_F(HubTest, AdoptedIoContextWorksAgainForAFreshHub) {
  boost::asio::io_context io;
  for (int round = 0; round < 2; ++round) {
    grove::Hub::create(io);
    int hits = 0;
    boost::asio::post(io, [&] { ++hits; });
    auto f = grove::spawn([] { grove::this_fiber::sleep(5ms); return 3; });
    EXPECT_EQ(f.get(), 3);
    EXPECT_EQ(hits, 1) << "round " << round;
    grove::Hub::destroy_current();
  }
}

TEST_F(HubTest, AsioSteadyTimerCompletesWhileMainIsBlockedInJoin) {
  grove::Event ev;
  bool fired_ok = false;
  boost::asio::steady_timer timer(grove::hub().io_context(), 40ms);
  timer.async_wait([&](const boost::system::error_code& ec) {
    fired_ok = !ec;
    ev.set();
  });
  auto f = grove::spawn([&] {
    ev.wait();
    return 7;
  });
  const auto start = std::chrono::steady_clock::now();
  f.join();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(fired_ok);
  EXPECT_EQ(f.get(), 7);
  EXPECT_GE(took, 35ms);
  EXPECT_LT(took, 500ms);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, RunReturnsWhenNothingIsLeftToDo) {
  int done = 0;
  bool handler_ran = false;
  for (int ms : {15, 5, 10}) {
    grove::spawn([&done, ms] {
      grove::this_fiber::sleep(std::chrono::milliseconds(ms));
      ++done;
    });
  }
  boost::asio::steady_timer timer(grove::hub().io_context(), 25ms);
  timer.async_wait([&](const boost::system::error_code& ec) { handler_ran = !ec; });
  const auto start = std::chrono::steady_clock::now();
  grove::hub().run();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(done, 3);
  EXPECT_TRUE(handler_ran);  // pending I/O counts as something to do
  EXPECT_GE(took, 20ms);
  EXPECT_LT(took, 500ms);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, RunWithNothingToDoReturnsAtOnce) {
  const auto start = std::chrono::steady_clock::now();
  grove::hub().run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, RunLeavesFibersBlockedOnEachOtherBlockedInsteadOfThrowing) {
  grove::Event ev;
  bool passed = false;
  auto f = grove::spawn([&] {
    ev.wait();
    passed = true;
  });
  EXPECT_NO_THROW(grove::hub().run());
  EXPECT_FALSE(passed);
  EXPECT_FALSE(f.dead());
  EXPECT_EQ(grove::hub().fiber_count(), 1u);
  ev.set();
  grove::hub().run();
  EXPECT_TRUE(passed);
  EXPECT_TRUE(f.dead());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, RunCalledFromTwoFibersReturnsInBoth) {
  // run() "blocks the calling fiber until nothing is left to do"; when a
  // spawned fiber and main both call it, both must return once idle.
  bool fiber_returned = false;
  auto waiter = grove::spawn([&] {
    grove::hub().run();
    fiber_returned = true;
  });
  waiter.set_name("run-caller");
  grove::this_fiber::yield();  // the fiber is now blocked in run()
  grove::hub().run();          // main too; returns once idle
  EXPECT_NO_THROW(waiter.join()) << "the fiber's run() was never woken";
  EXPECT_TRUE(fiber_returned);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, FiberCountCountsSpawnedFibersUntilTheyDie) {
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  grove::Event ev;
  std::vector<grove::Fiber<>> fibers;
  for (int i = 0; i < 3; ++i) fibers.push_back(grove::spawn([&] { ev.wait(); }));
  EXPECT_EQ(grove::hub().fiber_count(), 3u);  // spawned, not yet started
  grove::this_fiber::yield();
  EXPECT_EQ(grove::hub().fiber_count(), 3u);  // started and blocked
  auto quick = grove::spawn([] {});
  EXPECT_EQ(grove::hub().fiber_count(), 4u);
  quick.join();
  EXPECT_EQ(grove::hub().fiber_count(), 3u);
  ev.set();
  grove::joinall(fibers);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  // A handle kept alive does not keep the fiber counted.
  EXPECT_TRUE(fibers[0].dead());
}

TEST_F(HubTest, StacksArePooledAcrossManySequentialSpawns) {
  long sum = 0;
  for (int i = 0; i < 10000; ++i) sum += grove::spawn([i] { return i; }).get();
  EXPECT_EQ(sum, 10000L * 9999 / 2);
  auto& h = grove::hub();
  EXPECT_GE(h.stacks_allocated(), 1u);
  EXPECT_LE(h.stacks_allocated(), 32u);
  // Every stack but (maybe) the hub's own is back in the pool.
  EXPECT_GE(h.stacks_idle() + 1, h.stacks_allocated());
  EXPECT_EQ(h.fiber_count(), 0u);
}

// ------------------------------------------------------------- LoopExit

TEST_F(HubTest, JoiningAFiberBlockedForeverThrowsLoopExitNamingIt) {
  grove::Event never;
  auto f = grove::spawn([&] { never.wait(); });
  f.set_name("stuck-worker");
  const auto start = std::chrono::steady_clock::now();
  try {
    f.join();
    FAIL() << "join() returned although the fiber can never finish";
  } catch (const grove::LoopExit& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("stuck-worker"), std::string::npos) << what;
    EXPECT_NE(what.find("Event::wait"), std::string::npos) << what;
    EXPECT_NE(what.find("stuck-worker waits on Event::wait"), std::string::npos) << what;
    EXPECT_NE(what.find("main waits on join"), std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  // The hub is still usable: releasing the fiber lets the join succeed.
  EXPECT_FALSE(f.dead());
  never.set();
  f.join();
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, MainWaitingOnAnEventNobodySetsThrowsLoopExit) {
  grove::Event ev;
  try {
    ev.wait();
    FAIL() << "Event::wait returned although nobody can set the event";
  } catch (const grove::LoopExit& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("main waits on Event::wait"), std::string::npos) << what;
  }
  // Still usable afterwards.
  auto setter = grove::spawn([&] { ev.set(); });
  EXPECT_TRUE(ev.wait());
  setter.join();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, NoLoopExitWhileATimerIsPending) {
  grove::Event ev;
  auto setter = grove::spawn([&] {
    grove::this_fiber::sleep(20ms);
    ev.set();
  });
  EXPECT_NO_THROW(ev.wait());
  setter.join();
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// ------------------------------------------------------------- shutdown

TEST_F(HubTest, ShutdownKillsLiveFibersRunningTheirDestructors) {
  bool sleeper_unwound = false;
  bool waiter_unwound = false;
  bool never_started_ran = false;
  grove::Event ev;
  auto sleeper = grove::spawn([&] {
    SetOnDestroy guard{&sleeper_unwound};
    grove::this_fiber::sleep(10s);
  });
  auto waiter = grove::spawn([&] {
    SetOnDestroy guard{&waiter_unwound};
    ev.wait();
  });
  grove::this_fiber::yield();  // both are now blocked
  auto never_started = grove::spawn([&] { never_started_ran = true; });
  EXPECT_EQ(grove::hub().fiber_count(), 3u);

  const auto start = std::chrono::steady_clock::now();
  grove::hub().shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);

  EXPECT_TRUE(sleeper_unwound);
  EXPECT_TRUE(waiter_unwound);
  EXPECT_FALSE(never_started_ran);
  EXPECT_TRUE(grove::hub().is_shut_down());
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
  for (auto* f : {&sleeper, &waiter, &never_started}) {
    EXPECT_TRUE(f->dead());
    EXPECT_TRUE(f->successful());  // FiberExit ends a fiber successfully
    EXPECT_EQ(f->exit_reason().kind(), grove::ExitReason::Kind::shutdown);
  }
  EXPECT_THROW(grove::spawn([] {}), grove::UsageError);
  EXPECT_THROW(grove::spawn_later(1ms, [] {}), grove::UsageError);
}

TEST_F(HubTest, DestroyCurrentUnwindsLiveFibers) {
  bool unwound = false;
  grove::spawn([&] {
    SetOnDestroy guard{&unwound};
    grove::this_fiber::sleep(10s);
  });
  grove::this_fiber::yield();
  EXPECT_FALSE(unwound);
  grove::Hub::destroy_current();
  EXPECT_TRUE(unwound);
}

TEST_F(HubTest, DestroyCurrentForceUnwindsAFiberThatIgnoresFiberExit) {
  bool unwound = false;
  int ignored = 0;
  grove::spawn([&] {
    SetOnDestroy guard{&unwound};
    grove::Event never;
    for (;;) {
      try {
        never.wait();
      } catch (const grove::FiberExit&) {
        ++ignored;  // refuses to die
      }
    }
  });
  grove::this_fiber::yield();
  grove::hub().shutdown();
  EXPECT_GE(ignored, 1);
  EXPECT_FALSE(unwound);
  EXPECT_EQ(grove::hub().fiber_count(), 1u);  // shutdown() gave up on it
  const auto start = std::chrono::steady_clock::now();
  grove::Hub::destroy_current();  // unwinds it by force
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_TRUE(unwound);
}

// ----------------------------------------------------------------- scale

TEST_F(HubTest, HundredThousandFibersAliveAtOnce) {
  constexpr std::size_t kFibers = 100000;
  grove::Hub::create(grove::HubConfig{});
  grove::Event go;
  std::size_t woke = 0;
  std::vector<grove::Fiber<>> fibers;
  fibers.reserve(kFibers);
  for (std::size_t i = 0; i < kFibers; ++i)
    fibers.push_back(grove::spawn([&] {
      go.wait();
      ++woke;
    }));
  grove::this_fiber::yield();  // every fiber runs once and blocks on `go`
  EXPECT_EQ(grove::hub().fiber_count(), kFibers);
  EXPECT_GE(grove::hub().stacks_allocated(), kFibers);
  EXPECT_EQ(woke, 0u);
  go.set();
  auto done = grove::joinall(fibers);
  EXPECT_EQ(done.size(), kFibers);
  EXPECT_EQ(woke, kFibers);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(HubTest, FiberCanRecurseUsingSeveralKilobytesOfStack) {
  auto f = grove::spawn([] { return recurse(32); });  // >= 8 KiB
  EXPECT_EQ(f.get(), 32);
  auto g = grove::spawn([] { return recurse(128); });  // >= 32 KiB, within the 64 KiB default
  EXPECT_EQ(g.get(), 128);
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

// ------------------------------------------------------ unhandled policy

TEST_F(HubTest, UnhandledExceptionIsLoggedOnceWithPolicyLog) {
  LogCapture log;
  ASSERT_EQ(grove::hub().unhandled_policy(), grove::UnhandledPolicy::log);
  auto f = grove::spawn([] { throw std::runtime_error("boom-unjoined"); });
  f.set_name("unjoined-worker-7");
  grove::this_fiber::sleep(5ms);  // let it run and die; nobody joins it
  ASSERT_TRUE(f.dead());
  EXPECT_FALSE(f.successful());
  // Looking at it afterwards, or tearing the hub down, logs nothing more.
  EXPECT_TRUE(f.exception());
  grove::Hub::destroy_current();
  const std::string out = log.text();
  EXPECT_EQ(count_of(out, "unjoined-worker-7"), 1u) << out;
  EXPECT_EQ(count_of(out, "boom-unjoined"), 1u) << out;
}

TEST_F(HubTest, UnhandledExceptionOfAnUnnamedFiberIsLoggedWithItsDefaultName) {
  LogCapture log;
  auto f = grove::spawn([] { throw std::runtime_error("nameless-boom"); });
  const std::string name = f.name();
  grove::hub().run();
  const std::string out = log.text();
  EXPECT_EQ(count_of(out, "'" + name + "'"), 1u) << out;
  EXPECT_EQ(count_of(out, "nameless-boom"), 1u) << out;
}

TEST_F(HubTest, UnhandledExceptionIsNotLoggedWithPolicyIgnore) {
  LogCapture log;
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto f = grove::spawn([] { throw std::runtime_error("boom-ignored"); });
  f.set_name("ignored-worker");
  grove::hub().run();
  EXPECT_TRUE(f.dead());
  EXPECT_FALSE(f.successful());
  EXPECT_EQ(log.text(), "");
}

TEST_F(HubTest, ExceptionOfAJoinedFiberIsNotLogged) {
  LogCapture log;
  auto f = grove::spawn([] {
    grove::this_fiber::sleep(2ms);
    throw std::runtime_error("boom-joined");
  });
  f.set_name("joined-worker");
  f.join();  // the joiner is waiting when it dies
  EXPECT_FALSE(f.successful());
  EXPECT_THROW(f.get(), std::runtime_error);
  EXPECT_EQ(count_of(log.text(), "joined-worker"), 0u) << log.text();
}

TEST_F(HubTest, ExceptionOfALinkedFiberIsNotLogged) {
  LogCapture log;
  bool told = false;
  auto f = grove::spawn([] { throw std::runtime_error("boom-linked"); });
  f.set_name("linked-worker");
  f.link([&](grove::Fiber<> dead) { told = !dead.successful(); });
  grove::hub().run();
  EXPECT_TRUE(told);
  EXPECT_EQ(count_of(log.text(), "linked-worker"), 0u) << log.text();
}

TEST_F(HubTest, KilledFiberIsNotLoggedAsUnhandled) {
  LogCapture log;
  auto f = grove::spawn([] { grove::this_fiber::sleep(10s); });
  f.set_name("killed-worker");
  grove::this_fiber::yield();
  f.kill(false);  // nobody joins it
  grove::hub().run();
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(count_of(log.text(), "killed-worker"), 0u) << log.text();
}

TEST_F(HubDeathTest, UnhandledExceptionAbortsWithPolicyAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        grove::Hub::destroy_current();
        spdlog::set_default_logger(std::make_shared<spdlog::logger>(
            "death-stderr", std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cerr, true)));
        grove::HubConfig cfg;
        cfg.unhandled = grove::UnhandledPolicy::abort;
        grove::Hub::create(cfg);
        auto f = grove::spawn([] { throw std::runtime_error("fatal-boom"); });
        f.set_name("doomed-fiber");
        grove::this_fiber::sleep(20ms);
        std::cerr << "still alive\n";
      },
      "doomed-fiber.*fatal-boom");
}

TEST_F(HubDeathTest, JoinedFiberDoesNotAbortWithPolicyAbort) {
  grove::HubConfig cfg;
  cfg.unhandled = grove::UnhandledPolicy::abort;
  grove::Hub::create(cfg);
  auto f = grove::spawn([] { throw std::runtime_error("handled-boom"); });
  EXPECT_THROW(f.get(), std::runtime_error);  // we are still alive
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}
