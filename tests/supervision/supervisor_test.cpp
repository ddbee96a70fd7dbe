// supervisor_test.cpp — every Supervisor call, start/stop order, and restart intensity.

#include "supervisor_test_support.hpp"

namespace {

TEST_F(SupervisorTest, ChildrenStartInOrderAndStopInReverse) {
  auto log = std::make_shared<Log>();
  grove::Supervisor sup({.strategy = Strategy::one_for_one},
                        {worker_child(log, "a"), worker_child(log, "b"), worker_child(log, "c")});
  EXPECT_FALSE(sup.running());
  EXPECT_FALSE(sup.fiber());
  grove::Fiber<> f = sup.start();
  EXPECT_TRUE(sup.running());
  EXPECT_TRUE(f == sup.fiber());
  EXPECT_EQ(f.name(), "supervisor");
  settle();
  sup.stop();
  EXPECT_EQ(log->lines, (std::vector<std::string>{"start a", "start b", "start c", "stop c", "stop b", "stop a"}));
  EXPECT_EQ(log->stop_reasons["a"], grove::ExitReason::shutdown());
  EXPECT_FALSE(sup.running());
  EXPECT_TRUE(f.dead());
  EXPECT_EQ(f.exit_reason(), grove::ExitReason::normal());
  EXPECT_EQ(sup.count_children().active, 0u);
  EXPECT_EQ(sup.count_children().specs, 3u);
}

TEST_F(SupervisorTest, ConfigIsDesignatedInitialisers) {
  grove::Supervisor sup({.strategy = Strategy::one_for_all, .intensity = 3, .period = 5s, .name = "root"});
  EXPECT_EQ(sup.config().strategy, Strategy::one_for_all);
  EXPECT_EQ(sup.config().intensity, 3);
  EXPECT_EQ(sup.config().period, grove::Duration(5s));
  EXPECT_EQ(sup.config().name, "root");
  EXPECT_THROW(grove::Supervisor({.intensity = -1}), grove::UsageError);
  EXPECT_THROW(grove::Supervisor({.period = 0s}), grove::UsageError);
  EXPECT_THROW(grove::Supervisor({.backoff = {.initial = -1ms}}), grove::UsageError);  // not a silent "off"
  EXPECT_THROW(grove::Supervisor({.backoff = {.initial = 1ms, .max = -1ms}}), grove::UsageError);
  EXPECT_THROW(grove::Supervisor({.strategy = Strategy::simple_one_for_one}), grove::UsageError);
  auto log = std::make_shared<Log>();
  EXPECT_THROW(grove::Supervisor({}, {worker_child(log, "x"), worker_child(log, "x")}), grove::SupervisorError);
  EXPECT_THROW(grove::Supervisor({}, grove::child_template<>("t", [] { return grove::ChildSpec{}; })),
               grove::UsageError);
}

TEST_F(SupervisorTest, WhichChildrenAndCountChildren) {
  auto log = std::make_shared<Log>();
  grove::Supervisor inner({.name = "inner"}, {worker_child(log, "i1")});
  grove::Supervisor sup(
      {}, {worker_child(log, "w1", {.restart = Restart::transient}), grove::supervisor_child("inner", inner),
           worker_child(log, "w2", {.restart = Restart::temporary})});
  auto before = sup.count_children();
  EXPECT_EQ(before.specs, 3u);
  EXPECT_EQ(before.active, 0u);
  sup.start();
  settle();
  auto kids = sup.which_children();
  ASSERT_EQ(kids.size(), 3u);
  EXPECT_EQ(kids[0].id, "w1");
  EXPECT_EQ(kids[0].restart, Restart::transient);
  EXPECT_EQ(kids[0].type, grove::ChildType::worker);
  EXPECT_TRUE(kids[0].running());
  EXPECT_EQ(kids[1].id, "inner");
  EXPECT_EQ(kids[1].type, grove::ChildType::supervisor);
  EXPECT_TRUE(kids[1].fiber == inner.fiber());
  EXPECT_EQ(kids[2].restart, Restart::temporary);
  auto n = sup.count_children();
  EXPECT_EQ(n.specs, 3u);
  EXPECT_EQ(n.active, 3u);
  EXPECT_EQ(n.supervisors, 1u);
  EXPECT_EQ(n.workers, 2u);
  EXPECT_TRUE(inner.running());
  sup.stop();
  EXPECT_FALSE(inner.running());
  EXPECT_EQ(log->lines.back(), "stop w1");
}

TEST_F(SupervisorTest, StartChildAddsAfterTheOthers) {
  auto log = std::make_shared<Log>();
  grove::Supervisor sup({}, {worker_child(log, "a")});
  EXPECT_THROW(sup.start_child(worker_child(log, "b")), grove::SupervisorError);  // not running
  sup.start();
  auto info = sup.start_child(worker_child(log, "b"));
  EXPECT_EQ(info.id, "b");
  EXPECT_TRUE(info.running());
  EXPECT_THROW(sup.start_child(worker_child(log, "b")), grove::SupervisorError);  // already present
  grove::ChildSpec broken;
  broken.id = "broken";
  broken.start = []() -> grove::Fiber<> { throw std::runtime_error("no"); };
  EXPECT_THROW(sup.start_child(broken), std::runtime_error);
  EXPECT_EQ(sup.count_children().specs, 2u);
  EXPECT_THROW(sup.start_child(1, 2), grove::UsageError);  // no template
  settle();
  sup.stop();
  EXPECT_EQ(log->lines, (std::vector<std::string>{"start a", "start b", "stop b", "stop a"}));
}

TEST_F(SupervisorTest, TerminateRestartDeleteChild) {
  auto log = std::make_shared<Log>();
  grove::Supervisor sup({}, {worker_child(log, "a"), worker_child(log, "b")});
  sup.start();
  settle();
  EXPECT_THROW(sup.restart_child("a"), grove::SupervisorError);  // running
  EXPECT_THROW(sup.delete_child("a"), grove::SupervisorError);   // running
  EXPECT_THROW(sup.terminate_child("zz"), grove::SupervisorError);
  EXPECT_THROW(sup.restart_child("zz"), grove::SupervisorError);
  EXPECT_THROW(sup.delete_child("zz"), grove::SupervisorError);

  grove::Fiber<> a = child_fiber(sup, "a");
  sup.terminate_child("a");
  EXPECT_TRUE(a.dead());
  EXPECT_EQ(log->stop_reasons["a"], grove::ExitReason::shutdown());
  settle();
  EXPECT_FALSE(child_fiber(sup, "a"));  // not restarted: the supervisor stopped it
  EXPECT_EQ(sup.restart_count(), 0u);
  EXPECT_EQ(sup.count_children().active, 1u);

  auto info = sup.restart_child("a");
  EXPECT_TRUE(info.running());
  settle();
  EXPECT_EQ(log->starts["a"], 2);

  sup.terminate_child("b");
  sup.delete_child("b");
  EXPECT_EQ(sup.count_children().specs, 1u);
  EXPECT_THROW(sup.restart_child("b"), grove::SupervisorError);
  sup.stop();
  EXPECT_THROW(sup.terminate_child("a"), grove::SupervisorError);  // not running
}

TEST_F(SupervisorTest, CallsFromTheSupervisorsOwnFiberAreRejected) {
  grove::Supervisor sup({});
  std::optional<grove::Supervisor> self_ref(sup);
  bool rejected = false;
  sup.start();
  sup.start_child(grove::fiber_child("x", {.restart = Restart::temporary}, [] {}));
  grove::ChildSpec nasty;
  nasty.id = "nasty";
  nasty.restart = Restart::temporary;
  nasty.start = [&]() -> grove::Fiber<> {
    try {
      self_ref->which_children();  // reads are fine
      self_ref->terminate_child("x");
    } catch (const grove::UsageError&) {
      rejected = true;
    }
    return grove::spawn([] {});
  };
  sup.start_child(nasty);
  EXPECT_TRUE(rejected);
  sup.stop();
}

TEST_F(SupervisorTest, StartFailureStopsTheStartedChildren) {
  auto log = std::make_shared<Log>();
  grove::ChildSpec broken;
  broken.id = "broken";
  broken.start = []() -> grove::Fiber<> { throw std::runtime_error("cannot start"); };
  grove::Supervisor sup({}, {worker_child(log, "a"), broken, worker_child(log, "c")});
  EXPECT_THROW(sup.start(), std::runtime_error);
  EXPECT_FALSE(sup.running());
  settle();
  EXPECT_EQ(log->starts["c"], 0);
  EXPECT_EQ(sup.count_children().active, 0u);
  EXPECT_THROW(sup.start(), std::runtime_error);  // may be retried
}

TEST_F(SupervisorTest, StartTwiceIsAnError) {
  grove::Supervisor sup({});
  sup.start();
  EXPECT_THROW(sup.start(), grove::SupervisorError);
  sup.stop();
  sup.start();  // a stopped supervisor starts again
  EXPECT_TRUE(sup.running());
  sup.stop();
}

TEST_F(SupervisorTest, DefaultIntensityIsOneRestartInFiveSeconds) {
  auto log = std::make_shared<Log>();
  auto trigger = std::make_shared<grove::Event>();
  grove::Supervisor sup(
      {}, {worker_child(log, "a"), grove::fiber_child("c", {.shutdown = 50ms}, crasher, log, "c", trigger)});
  EXPECT_EQ(sup.config().intensity, 1);
  EXPECT_EQ(sup.config().period, grove::Duration(5s));
  grove::Fiber<> f = sup.start();
  settle();
  trigger->set();
  settle();
  EXPECT_EQ(log->starts["c"], 2);
  EXPECT_TRUE(sup.running());
  trigger->set();
  settle();
  EXPECT_FALSE(sup.running());
  ASSERT_TRUE(f.dead());
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::exception);
  EXPECT_THROW(std::rethrow_exception(f.exit_reason().exception()), grove::SupervisorGaveUp);
  EXPECT_EQ(log->lines.back(), "stop a");  // the others were stopped
  EXPECT_EQ(log->stop_reasons["a"], grove::ExitReason::shutdown());
  EXPECT_NO_THROW(sup.stop());  // stopping one that gave up only retires its children
}

TEST_F(SupervisorTest, IntensityWindowSlidesOnTheHubClock) {
  auto log = std::make_shared<Log>();
  auto trigger = std::make_shared<grove::Event>();
  grove::Supervisor sup({.intensity = 1, .period = 40ms}, {grove::fiber_child("c", {}, crasher, log, "c", trigger)});
  sup.start();
  for (int i = 0; i < 3; ++i) {
    settle();
    trigger->set();
    grove::this_fiber::sleep(60ms);  // past the window: the earlier restart no longer counts
    EXPECT_TRUE(sup.running()) << i;
  }
  EXPECT_EQ(log->starts["c"], 4);
  EXPECT_EQ(sup.restart_count(), 3u);
  sup.stop();
}

TEST_F(SupervisorTest, ZeroIntensityGivesUpAtTheFirstRestart) {
  auto log = std::make_shared<Log>();
  grove::Supervisor sup({.intensity = 0}, {grove::fiber_child("t", {.restart = Restart::transient}, [] {}),
                                           grove::fiber_child("p", {}, [] {})});
  grove::Fiber<> f = sup.start();
  settle();
  EXPECT_FALSE(sup.running());  // t ended normally (kept), p's restart exceeded 0
  EXPECT_EQ(f.exit_reason().kind(), grove::ExitReason::Kind::exception);
}

}  // namespace
