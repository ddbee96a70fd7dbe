// links_across_hubs_test.cpp — links and monitors between actors and fibers
// of two hubs of a Runtime (detail/cross_hub_links.hpp): exit and down
// signals on normal and abnormal exit, delivered on the partner's hub,
// also when the partner is dead at link time; unlink and demonitor.

#include <grove/runtime.hpp>

#include <grove/actor.hpp>
#include <grove/event.hpp>
#include <grove/links.hpp>
#include <grove/this_fiber.hpp>

#include "hub_fixture.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::ActorRef;
using grove::HubId;
using grove::Runtime;
using LinksAcrossHubsTest = grove::test::HubTest;

struct Crash {};
struct Quit {};
using WorkMsg = std::variant<Crash, Quit>;

// Worker throws on Crash (an abnormal exit) and stops on Quit (normal).
class Worker : public grove::Actor<WorkMsg> {
 protected:
  void receive(WorkMsg& m) override {
    grove::match(
        m, [&](Crash&) { throw std::runtime_error("crashed on hub " + std::to_string(grove::this_hub().index)); },
        [&](Quit&) { stop(); });
  }
};

// Seen is one exit or down signal as the watcher got it, and where.
struct Seen {
  std::string kind;  // "exit" or "down"
  grove::ExitReason::Kind reason;
  std::string reason_text;
  std::size_t hub;
};

struct LinkTo {
  ActorRef<WorkMsg> ref;
};
struct MonitorOf {
  ActorRef<WorkMsg> ref;
};
struct Report {};
using WatchMsg = std::variant<LinkTo, MonitorOf, Report>;

// Watcher links to or monitors workers, traps exits when told to, and
// answers Report once it has seen a signal.
class Watcher : public grove::Actor<WatchMsg> {
 public:
  explicit Watcher(bool trap) : trap_(trap) {}

 protected:
  void on_start() override { trap_exits(trap_); }
  void receive(WatchMsg& m) override {
    grove::match(
        m,
        [&](LinkTo& l) {
          link(l.ref);
          reply();
        },
        [&](MonitorOf& o) { reply(monitor(o.ref)); },
        [&](Report&) {
          pending_.push_back(defer_reply());
          flush();
        });
  }
  void on_exit(const grove::ExitSignal& s) override { record("exit", s.reason); }
  void on_down(const grove::Down& d) override { record("down", d.reason); }

 private:
  void record(const char* kind, const grove::ExitReason& r) {
    seen_.push_back(Seen{kind, r.kind(), r.to_string(), grove::this_hub().index});
    flush();
  }
  void flush() {
    if (seen_.empty()) return;
    for (auto& p : pending_) p.reply(seen_);
    pending_.clear();
  }
  bool trap_;
  std::vector<Seen> seen_;
  std::vector<Deferred> pending_;
};

std::vector<Seen> report(const ActorRef<WatchMsg>& w) { return w.ask<std::vector<Seen>>(Report{}, 10s).get(); }

// wait_dead(ref) waits (bounded) until the actor has stopped for good.
template <class M>
bool wait_dead(const ActorRef<M>& ref) {
  for (int i = 0; i < 10'000 && ref.alive(); ++i) std::this_thread::sleep_for(1ms);
  return !ref.alive();
}

Runtime::Config quiet() { return {.hubs = 2, .hub = {.unhandled = grove::UnhandledPolicy::ignore}}; }

TEST_F(LinksAcrossHubsTest, AnAbnormalExitReachesATrappingActorOnItsOwnHub) {
  Runtime rt(quiet());
  auto worker = rt.spawn_actor_on<Worker>(HubId{1});
  auto watcher = rt.spawn_actor_on<Watcher>(HubId{0}, true);
  watcher.ask(LinkTo{worker}, 10s).get();
  worker.send(Crash{});
  const auto seen = report(watcher);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, "exit");
  EXPECT_EQ(seen[0].reason, grove::ExitReason::Kind::exception);
  EXPECT_NE(seen[0].reason_text.find("crashed on hub 1"), std::string::npos) << seen[0].reason_text;
  EXPECT_EQ(seen[0].hub, 0u);  // delivered on the partner's hub
  EXPECT_TRUE(watcher.alive());
}

TEST_F(LinksAcrossHubsTest, ANormalExitReachesATrappingActorAndSparesAnotherOne) {
  Runtime rt(quiet());
  auto worker = rt.spawn_actor_on<Worker>(HubId{1});
  auto trapping = rt.spawn_actor_on<Watcher>(HubId{0}, true);
  auto plain = rt.spawn_actor_on<Watcher>(HubId{0}, false);
  trapping.ask(LinkTo{worker}, 10s).get();
  plain.ask(LinkTo{worker}, 10s).get();
  worker.send(Quit{});
  const auto seen = report(trapping);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].reason, grove::ExitReason::Kind::normal);
  EXPECT_EQ(seen[0].hub, 0u);
  // A normal exit does not kill a linked actor that does not trap exits.
  EXPECT_TRUE(plain.alive());
}

TEST_F(LinksAcrossHubsTest, AnAbnormalExitKillsALinkedActorOnTheOtherHub) {
  Runtime rt(quiet());
  auto worker = rt.spawn_actor_on<Worker>(HubId{1});
  auto plain = rt.spawn_actor_on<Watcher>(HubId{0}, false);
  plain.ask(LinkTo{worker}, 10s).get();
  worker.send(Crash{});
  EXPECT_TRUE(wait_dead(plain));
  EXPECT_THROW(plain.ask(Report{}, 10s).get(), grove::ActorDead);
}

TEST_F(LinksAcrossHubsTest, ActorsLinkedBothWaysKillEachOtherAcrossHubs) {
  // The link is one link, both ways: the watcher's crash reaches the
  // worker on hub 1 (which does not trap), and kills it.
  Runtime rt(quiet());
  auto worker = rt.spawn_actor_on<Worker>(HubId{1});
  auto plain = rt.spawn_actor_on<Watcher>(HubId{0}, false);
  auto observer = rt.spawn_actor_on<Watcher>(HubId{1}, true);
  plain.ask(LinkTo{worker}, 10s).get();
  // The observer (hub 1) monitors the worker: it sees why it died.
  (void)observer.ask<grove::MonitorId>(MonitorOf{worker}, 10s).get();
  auto killer = rt.spawn_actor_on<Worker>(HubId{0});
  plain.ask(LinkTo{killer}, 10s).get();  // killer is on plain's hub: a local link
  killer.send(Crash{});
  EXPECT_TRUE(wait_dead(plain));
  EXPECT_TRUE(wait_dead(worker));
  const auto seen = report(observer);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, "down");
  EXPECT_EQ(seen[0].reason, grove::ExitReason::Kind::exception);
  EXPECT_NE(seen[0].reason_text.find("crashed on hub 0"), std::string::npos) << seen[0].reason_text;
  EXPECT_EQ(seen[0].hub, 1u);
}

TEST_F(LinksAcrossHubsTest, MonitorsAcrossHubsSeeNormalAndAbnormalExits) {
  Runtime rt(quiet());
  auto normal = rt.spawn_actor_on<Worker>(HubId{1});
  auto crashing = rt.spawn_actor_on<Worker>(HubId{1});
  auto w1 = rt.spawn_actor_on<Watcher>(HubId{0}, false);
  auto w2 = rt.spawn_actor_on<Watcher>(HubId{0}, false);
  (void)w1.ask<grove::MonitorId>(MonitorOf{normal}, 10s).get();
  (void)w2.ask<grove::MonitorId>(MonitorOf{crashing}, 10s).get();
  normal.send(Quit{});
  crashing.send(Crash{});
  const auto s1 = report(w1);
  const auto s2 = report(w2);
  ASSERT_EQ(s1.size(), 1u);
  ASSERT_EQ(s2.size(), 1u);
  EXPECT_EQ(s1[0].kind, "down");
  EXPECT_EQ(s1[0].reason, grove::ExitReason::Kind::normal);
  EXPECT_EQ(s2[0].reason, grove::ExitReason::Kind::exception);
  EXPECT_EQ(s1[0].hub, 0u);
  EXPECT_EQ(s2[0].hub, 0u);
  // A monitor never harms the monitoring side.
  EXPECT_TRUE(w1.alive());
  EXPECT_TRUE(w2.alive());
}

TEST_F(LinksAcrossHubsTest, APartnerDeadAtLinkTimeSignalsAtOnce) {
  Runtime rt(quiet());
  auto crashed = rt.spawn_actor_on<Worker>(HubId{1});
  crashed.send(Crash{});
  ASSERT_TRUE(wait_dead(crashed));
  auto trapping = rt.spawn_actor_on<Watcher>(HubId{0}, true);
  trapping.ask(LinkTo{crashed}, 10s).get();
  const auto linked = report(trapping);
  ASSERT_EQ(linked.size(), 1u);
  EXPECT_EQ(linked[0].kind, "exit");
  EXPECT_EQ(linked[0].reason, grove::ExitReason::Kind::exception);
  EXPECT_EQ(linked[0].hub, 0u);
  // Monitoring a dead actor delivers its Down at once too.
  auto monitoring = rt.spawn_actor_on<Watcher>(HubId{0}, false);
  (void)monitoring.ask<grove::MonitorId>(MonitorOf{crashed}, 10s).get();
  const auto down = report(monitoring);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].kind, "down");
  EXPECT_EQ(down[0].reason, grove::ExitReason::Kind::exception);
  // A plain actor linking to a dead one dies of its reason (Erlang).
  auto plain = rt.spawn_actor_on<Watcher>(HubId{0}, false);
  plain.ask(LinkTo{crashed}, 10s).get();
  EXPECT_TRUE(wait_dead(plain));
}

// far_fiber(rt, hub, fn) starts fn in a fiber on hub and hands its handle
// back (a Fiber handle may cross hubs; only its own hub may join it).
template <class F>
grove::Fiber<> far_fiber(Runtime& rt, HubId hub, F fn) {
  return rt.call_on(hub, [fn] { return grove::Fiber<>(grove::spawn(fn)); }).get();
}

TEST_F(LinksAcrossHubsTest, FibersLinkAcrossHubsOnNormalAndAbnormalExit) {
  Runtime rt(quiet());
  auto crashing = far_fiber(rt, HubId{1}, [] {
    grove::this_fiber::sleep(20ms);
    throw std::runtime_error("fiber crash");
  });
  auto finishing = far_fiber(rt, HubId{1}, [] { grove::this_fiber::sleep(20ms); });
  // A trapping fiber on hub 0 gets both exits there, as ExitSignals.
  auto trapped = rt.spawn_on(HubId{0}, [crashing, finishing] {
    std::vector<std::pair<grove::ExitReason::Kind, std::size_t>> got;
    grove::Event done;
    grove::this_fiber::trap_exits([&](const grove::ExitSignal& s) {
      got.emplace_back(s.reason.kind(), grove::this_hub().index);
      if (got.size() == 2) done.set();
    });
    grove::this_fiber::link(crashing);
    grove::this_fiber::link(finishing);
    (void)done.wait(10s);
    return got;
  });
  const auto& got = trapped.get();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].second, 0u);
  EXPECT_EQ(got[1].second, 0u);
  const bool crash_seen =
      got[0].first == grove::ExitReason::Kind::exception || got[1].first == grove::ExitReason::Kind::exception;
  const bool normal_seen =
      got[0].first == grove::ExitReason::Kind::normal || got[1].first == grove::ExitReason::Kind::normal;
  EXPECT_TRUE(crash_seen);
  EXPECT_TRUE(normal_seen);
  // A plain fiber linked to a fiber that crashes on another hub is killed.
  auto victim_target = far_fiber(rt, HubId{1}, [] {
    grove::this_fiber::sleep(20ms);
    throw std::runtime_error("second crash");
  });
  auto victim = rt.spawn_on(HubId{0}, [victim_target] {
    grove::this_fiber::link(victim_target);
    grove::this_fiber::sleep(10s);
  });
  try {
    victim.get();
    ADD_FAILURE() << "the linked fiber survived";
  } catch (const grove::FiberKilled& e) {
    EXPECT_EQ(e.reason().kind(), grove::ExitReason::Kind::exception);
  }
}

TEST_F(LinksAcrossHubsTest, UnlinkAndDemonitorAcrossHubsStopTheSignals) {
  Runtime rt(quiet());
  auto target = far_fiber(rt, HubId{1}, [] {
    grove::this_fiber::sleep(50ms);
    throw std::runtime_error("late crash");
  });
  auto survivor = rt.spawn_on(HubId{0}, [target] {
    int downs = 0;
    const grove::MonitorId id = grove::monitor(target, [&](const grove::Down&) { ++downs; });
    grove::this_fiber::link(target);
    grove::unlink(grove::this_fiber::self(), target);
    const bool cancelled = grove::demonitor(target, id);
    // Outlive the target: neither the kill nor the Down arrives.
    grove::Event never;
    (void)never.wait(300ms);
    return std::make_pair(cancelled, downs);
  });
  const auto [cancelled, downs] = survivor.get();
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(downs, 0);
}

TEST_F(LinksAcrossHubsTest, LinkingToAFiberOutsideTheRuntimeIsAUsageError) {
  Runtime rt(quiet());
  auto mine = grove::spawn([] { grove::this_fiber::sleep(1ms); });  // main's own hub
  auto r = rt.spawn_on(HubId{0}, [mine] { grove::this_fiber::link(mine); });
  try {
    r.get();
    ADD_FAILURE() << "no UsageError";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("one Runtime"), std::string::npos) << e.what();
  }
  mine.join();
}

}  // namespace
