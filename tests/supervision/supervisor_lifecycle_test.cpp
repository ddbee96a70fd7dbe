// supervisor_lifecycle_test.cpp — escalation through nested supervisors, shutdown timeouts and brutal kills, 10,000
// children (and 10,000 temporary ones within 50x the cost of 1,000), backoff, simple_one_for_one.

#include "supervisor_test_support.hpp"

#include <cstdio>
#include <ctime>

namespace {

TEST_F(SupervisorTest, NestedSupervisorEscalatesAndIsRestarted) {
  auto log = std::make_shared<Log>();
  auto trigger = std::make_shared<grove::Event>();
  grove::Supervisor inner({.intensity = 0, .name = "inner"},
                          {worker_child(log, "iw"), grove::fiber_child("ic", {}, crasher, log, "ic", trigger)});
  grove::Supervisor outer({.strategy = Strategy::one_for_one, .intensity = 1, .period = 5s, .name = "outer"},
                          {worker_child(log, "ow"), grove::supervisor_child("inner", inner)});
  outer.start();
  settle();
  grove::Fiber<> first_inner = inner.fiber();
  EXPECT_EQ(log->starts["ic"], 1);
  trigger->set();  // inner gives up at once; outer restarts it
  settle();
  EXPECT_TRUE(first_inner.dead());
  EXPECT_EQ(first_inner.exit_reason().kind(), grove::ExitReason::Kind::exception);
  EXPECT_TRUE(inner.running());
  EXPECT_FALSE(inner.fiber() == first_inner);
  EXPECT_EQ(log->starts["ic"], 2);
  EXPECT_EQ(log->starts["iw"], 2);
  EXPECT_EQ(log->starts["ow"], 1);
  EXPECT_EQ(outer.restart_count(), 1u);
  EXPECT_TRUE(child_fiber(outer, "inner") == inner.fiber());

  trigger->set();  // again: now the outer one gives up too
  settle();
  EXPECT_FALSE(inner.running());
  EXPECT_FALSE(outer.running());
  EXPECT_EQ(outer.fiber().exit_reason().kind(), grove::ExitReason::Kind::exception);
  EXPECT_EQ(log->lines.back(), "stop ow");
}

TEST_F(SupervisorTest, KillingTheSupervisorStopsItsChildrenInReverse) {
  auto log = std::make_shared<Log>();
  grove::Supervisor sup({}, {worker_child(log, "a"), worker_child(log, "b")});
  grove::Fiber<> f = sup.start();
  settle();
  f.kill(grove::FiberExit(grove::ExitReason::shutdown()));
  EXPECT_EQ(log->lines, (std::vector<std::string>{"start a", "start b", "stop b", "stop a"}));
  EXPECT_EQ(f.exit_reason(), grove::ExitReason::shutdown());
  EXPECT_FALSE(sup.running());
}

TEST_F(SupervisorTest, ChildThatIgnoresStopIsKilledAfterItsShutdownTimeout) {
  auto seen = std::make_shared<std::vector<grove::ExitReason>>();
  auto stubborn = [seen] {
    for (;;) {
      try {
        grove::this_fiber::sleep(10s);
      } catch (const grove::FiberExit& e) {
        seen->push_back(e.reason());
        if (e.reason() == grove::ExitReason::killed()) throw;
        // ignore the request to stop and keep sleeping
      }
    }
  };
  grove::Supervisor sup({}, {grove::fiber_child("stubborn", {.shutdown = 60ms}, stubborn)});
  sup.start();
  settle();
  grove::Fiber<> child = child_fiber(sup, "stubborn");
  const auto t0 = grove::hub().now();
  sup.stop();
  const auto took = grove::hub().now() - t0;
  EXPECT_TRUE(child.dead());
  EXPECT_EQ(child.exit_reason(), grove::ExitReason::killed());
  EXPECT_EQ(*seen, (std::vector<grove::ExitReason>{grove::ExitReason::shutdown(), grove::ExitReason::killed()}));
  EXPECT_GE(took, 60ms);
  EXPECT_LT(took, 500ms);
}

TEST_F(SupervisorTest, BrutalKillDoesNotWait) {
  auto log = std::make_shared<Log>();
  grove::Supervisor sup({}, {worker_child(log, "a", {.shutdown = grove::brutal_kill})});
  sup.start();
  settle();
  sup.stop();
  EXPECT_EQ(log->stop_reasons["a"], grove::ExitReason::killed());
  EXPECT_EQ(grove::Shutdown::infinity().timeout, grove::Duration::max());
  EXPECT_TRUE(grove::brutal_kill.brutal);
}

TEST_F(SupervisorTest, TenThousandChildrenStartAndStop) {
  constexpr int n = 10'000;
  auto started = std::make_shared<int>(0);
  auto stopped = std::make_shared<int>(0);
  std::vector<grove::ChildSpec> specs;
  specs.reserve(n);
  for (int i = 0; i < n; ++i)
    specs.push_back(grove::fiber_child(std::to_string(i), {}, [started, stopped] {
      ++*started;
      struct Count {
        int* n;
        ~Count() { ++*n; }
      } c{stopped.get()};
      grove::Event never;
      never.wait();
    }));
  grove::Supervisor sup({}, std::move(specs));
  const auto t0 = grove::hub().now();
  sup.start();
  settle();
  EXPECT_EQ(*started, n);
  EXPECT_EQ(sup.count_children().active, static_cast<std::size_t>(n));
  sup.stop();
  EXPECT_EQ(*stopped, n);
  EXPECT_EQ(sup.count_children().active, 0u);
  EXPECT_LT(grove::hub().now() - t0, 2s);
}

// cpu_time() is this thread's CPU time: unlike the wall clock, other
// processes on the machine do not inflate it. The hub is an ordinary one:
// a Simulation's scheduler walks its ready queue at every pick, which
// would be measured instead of the supervisor.
std::chrono::nanoseconds cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

std::chrono::nanoseconds temporary_children_cost(int n) {
  auto release = std::make_shared<grove::Event>();
  auto tmpl = grove::child_template<>("tmp", [release] {
    return grove::fiber_child("tmp", {.restart = grove::Restart::temporary}, [release] { release->wait(); });
  });
  grove::Supervisor sup({.strategy = grove::Strategy::simple_one_for_one}, tmpl);
  const auto t0 = cpu_time();
  sup.start();
  for (int i = 0; i < n; ++i) sup.start_child();
  EXPECT_EQ(sup.count_children().active, static_cast<std::size_t>(n));
  release->set();  // they all end normally: temporary, so forgotten
  settle();
  sup.stop();
  return cpu_time() - t0;
}

// OTP supervisor_SUITE's simple_one_for_one_scale_many_temporary_children.
TEST_F(SupervisorTest, TenThousandTemporaryChildrenCostAtMostFiftyTimesAThousand) {
  // Warm up with the larger run: the allocators and the stack pool then
  // serve both runs alike, and what is compared is the supervisor's work.
  (void)temporary_children_cost(10'000);
  const auto small = temporary_children_cost(1'000);
  const auto large = temporary_children_cost(10'000);
  EXPECT_LE(large, 50 * small) << "1,000: " << small.count() << " ns, 10,000: " << large.count() << " ns";
  std::printf("temporary children: 1,000 in %lld us, 10,000 in %lld us\n", static_cast<long long>(small.count() / 1000),
              static_cast<long long>(large.count() / 1000));
}

TEST_F(SupervisorTest, BackoffDelaysRestarts) {
  auto log = std::make_shared<Log>();
  auto trigger = std::make_shared<grove::Event>();
  grove::Supervisor sup({.intensity = 10, .backoff = {.initial = 40ms, .max = 100ms, .multiplier = 2.0, .jitter = 0.0}},
                        {grove::fiber_child("c", {}, crasher, log, "c", trigger)});
  sup.start();
  settle();
  std::vector<grove::Duration> delays;
  for (int i = 0; i < 3; ++i) {
    trigger->set();
    grove::this_fiber::yield();
    const auto t0 = grove::hub().now();
    const int before = log->starts["c"];
    ASSERT_TRUE(eventually([&] { return log->starts["c"] > before; }));
    delays.push_back(grove::hub().now() - t0);
  }
  EXPECT_GE(delays[0], 40ms);
  EXPECT_LT(delays[0], 80ms);
  EXPECT_GE(delays[1], 80ms);   // doubled
  EXPECT_GE(delays[2], 100ms);  // capped at max
  EXPECT_LT(delays[2], 160ms);
  sup.stop();
}

TEST_F(SupervisorTest, BackoffJitterStaysInItsBand) {
  auto log = std::make_shared<Log>();
  auto trigger = std::make_shared<grove::Event>();
  grove::Supervisor sup({.intensity = 100, .backoff = {.initial = 20ms, .max = 20ms, .jitter = 0.5}},
                        {grove::fiber_child("c", {}, crasher, log, "c", trigger)});
  sup.start();
  settle();
  for (int i = 0; i < 5; ++i) {
    trigger->set();
    grove::this_fiber::yield();
    const auto t0 = grove::hub().now();
    const int before = log->starts["c"];
    ASSERT_TRUE(eventually([&] { return log->starts["c"] > before; }));
    EXPECT_GE(grove::hub().now() - t0, 10ms);
    EXPECT_LT(grove::hub().now() - t0, 60ms);
  }
  sup.stop();
}

TEST_F(SupervisorTest, StopDuringBackoffCancelsTheRestart) {
  auto log = std::make_shared<Log>();
  auto trigger = std::make_shared<grove::Event>();
  grove::Supervisor sup({.backoff = {.initial = 1s, .jitter = 0.0}},
                        {grove::fiber_child("c", {}, crasher, log, "c", trigger)});
  sup.start();
  settle();
  trigger->set();
  settle();
  EXPECT_FALSE(child_fiber(sup, "c"));  // waiting for its restart
  EXPECT_EQ(sup.count_children().active, 0u);
  const auto t0 = grove::hub().now();
  sup.stop();
  EXPECT_LT(grove::hub().now() - t0, 100ms);
  EXPECT_EQ(log->starts["c"], 1);
}

TEST_F(SupervisorTest, SimpleOneForOneStartsChildrenFromItsTemplate) {
  auto log = std::make_shared<Log>();
  grove::Supervisor sup({.strategy = Strategy::simple_one_for_one},
                        grove::child_template<std::string>("w", [log](std::string name) {
                          return worker_child(log, name, {.restart = Restart::transient});
                        }));
  EXPECT_THROW(sup.start_child(worker_child(log, "x")), grove::UsageError);
  sup.start();
  auto one = sup.start_child(std::string("one"));
  auto two = sup.start_child(std::string("two"));
  EXPECT_EQ(one.id, "w-1");
  EXPECT_EQ(two.id, "w-2");
  EXPECT_THROW(sup.start_child(42), grove::UsageError);  // the template takes a std::string
  EXPECT_THROW(sup.restart_child("w-1"), grove::SupervisorError);
  settle();
  EXPECT_EQ(sup.count_children().active, 2u);
  sup.terminate_child("w-1");  // dynamic children are removed when terminated
  EXPECT_EQ(sup.count_children().specs, 1u);
  sup.stop();
  EXPECT_EQ(sup.count_children().specs, 0u);  // and do not outlive the supervisor's run
  EXPECT_EQ(log->lines, (std::vector<std::string>{"start one", "start two", "stop one", "stop two"}));
}

TEST_F(SupervisorTest, AFailingRestartCountsAsAnotherCrash) {
  auto starts = std::make_shared<int>(0);
  grove::ChildSpec flaky;
  flaky.id = "flaky";
  flaky.start = [starts]() -> grove::Fiber<> {
    if (++*starts > 1) throw std::runtime_error("cannot restart");
    return grove::spawn([] { throw std::runtime_error("first crash"); });
  };
  grove::Supervisor sup({.intensity = 3, .period = 5s}, {flaky});
  grove::Fiber<> f = sup.start();
  settle();
  EXPECT_FALSE(sup.running());
  EXPECT_EQ(*starts, 4);  // the first start, then three failed restarts; the fourth exceeds 3
  EXPECT_EQ(sup.restart_count(), 4u);
  EXPECT_THROW(std::rethrow_exception(f.exit_reason().exception()), grove::SupervisorGaveUp);
}

TEST_F(SupervisorTest, HubShutdownStopsTheTree) {
  auto log = std::make_shared<Log>();
  grove::Supervisor inner({.name = "inner"}, {worker_child(log, "i")});
  grove::Supervisor sup({}, {worker_child(log, "a"), grove::supervisor_child("inner", inner)});
  grove::Fiber<> f = sup.start();
  settle();
  grove::hub().shutdown(200ms);
  EXPECT_TRUE(f.dead());
  EXPECT_FALSE(sup.running());
  EXPECT_FALSE(inner.running());
  EXPECT_EQ(log->lines.size(), 4u);
}

TEST_F(SupervisorTest, AbnormalExitOfALinkedNonChildStopsTheSupervisor) {
  auto log = std::make_shared<Log>();
  grove::Supervisor sup({}, {worker_child(log, "a")});
  grove::Fiber<> f = sup.start();
  grove::Event go;
  auto parent = grove::spawn([&] {
    go.wait();
    throw std::runtime_error("parent died");
  });
  grove::link(parent, f);
  settle();
  go.set();
  settle();
  EXPECT_FALSE(sup.running());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::exception);
  EXPECT_EQ(log->lines.back(), "stop a");
  (void)parent.exception();
}

}  // namespace
