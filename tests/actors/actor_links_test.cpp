// actor_links_test.cpp — actors on the fiber-level links and monitors:
// trap_exits + on_exit, monitor + on_down on the system lane (which
// overtakes queued ordinary messages), links between actors.

#include <grove/actor.hpp>

#include <grove/links.hpp>

#include "actors_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::test::ActorTest;
using grove::test::Msg;
using grove::test::Probe;
using grove::test::ProbeConfig;
namespace t = grove::test;

// Watcher monitors or links to `target` in on_start, optionally trapping
// exits, and logs what reaches it.
struct WatchConfig {
  grove::ActorRef<Msg> target;
  std::vector<std::string>* log = nullptr;
  bool link = false;
  bool monitor = false;
  bool trap = false;
};

class Watcher final : public grove::Actor<Msg> {
 public:
  explicit Watcher(WatchConfig c) : c_(std::move(c)) {}
  void on_start() override {
    if (c_.trap) trap_exits();
    if (c_.link) link(c_.target);
    if (c_.monitor) id_ = monitor(c_.target);
  }
  void on_exit(const grove::ExitSignal& s) override {
    c_.log->push_back("exit " + s.reason.to_string() + " from " + s.from.name());
  }
  void on_down(const grove::Down& d) override {
    c_.log->push_back("down " + d.reason.to_string() + (d.monitor_id == id_ ? " (mine)" : " (other)"));
  }
  void receive(Msg& m) override {
    grove::match(
        m, [&](int v) { c_.log->push_back("int " + std::to_string(v)); },
        [&](t::Hold& h) {
          c_.log->push_back("hold");
          h.gate->wait();
        },
        [&](t::Stop&) { stop(); }, [](auto&) {});
  }

 private:
  WatchConfig c_;
  grove::MonitorId id_ = 0;
};

TEST_F(ActorTest, MonitorDeliversDownThatOvertakesQueuedMessages) {
  std::vector<std::string> log;
  grove::Event gate;
  auto target = grove::spawn_actor<Probe>(grove::ActorOptions{.name = "target", .mailbox = {}});
  auto watcher = grove::spawn_actor<Watcher>(WatchConfig{.target = target, .log = &log, .monitor = true});
  watcher.send(t::Hold{&gate});
  grove::this_fiber::yield();  // the watcher is busy holding
  watcher.send(1);
  watcher.send(2);
  target.send(t::Fail{});  // the target crashes: Down goes on the system lane
  target.fiber().join();
  gate.set();
  watcher.send(t::Stop{});
  watcher.fiber().join();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0], "hold");
  EXPECT_EQ(log[1].rfind("down exception", 0), 0u) << log[1];
  EXPECT_NE(log[1].find("(mine)"), std::string::npos);
  EXPECT_EQ(log[2], "int 1");
  EXPECT_EQ(log[3], "int 2");
}

TEST_F(ActorTest, MonitorSeesNormalStopsToo) {
  std::vector<std::string> log;
  auto target = grove::spawn_actor<Probe>();
  auto watcher = grove::spawn_actor<Watcher>(WatchConfig{.target = target, .log = &log, .monitor = true});
  grove::this_fiber::yield();
  target.send(t::Stop{});
  target.fiber().join();
  watcher.send(t::Stop{});
  watcher.fiber().join();
  EXPECT_EQ(log, (std::vector<std::string>{"down normal (mine)"}));
}

TEST_F(ActorTest, LinkedActorDiesWithItsPartnersAbnormalExit) {
  std::vector<std::string> log;
  auto target = grove::spawn_actor<Probe>();
  auto partner = grove::spawn_actor<Watcher>(WatchConfig{.target = target, .log = &log, .link = true});
  grove::this_fiber::yield();
  target.send(t::Fail{});
  target.fiber().join();
  partner.fiber().join();
  EXPECT_FALSE(partner.alive());
  EXPECT_EQ(partner.fiber().exit_reason().kind(), grove::ExitReason::Kind::exception);
  EXPECT_TRUE(log.empty());
}

TEST_F(ActorTest, LinkedActorSurvivesItsPartnersNormalExit) {
  std::vector<std::string> log;
  auto target = grove::spawn_actor<Probe>();
  auto partner = grove::spawn_actor<Watcher>(WatchConfig{.target = target, .log = &log, .link = true});
  grove::this_fiber::yield();
  target.send(t::Stop{});
  target.fiber().join();
  grove::this_fiber::yield();
  EXPECT_TRUE(partner.alive());
  partner.send(t::Stop{});
  partner.fiber().join();
}

TEST_F(ActorTest, TrappingActorGetsOnExitInsteadOfDying) {
  std::vector<std::string> log;
  auto target = grove::spawn_actor<Probe>(grove::ActorOptions{.name = "doomed", .mailbox = {}});
  auto partner =
      grove::spawn_actor<Watcher>(WatchConfig{.target = target, .log = &log, .link = true, .trap = true});
  grove::this_fiber::yield();
  target.fiber().kill();
  grove::this_fiber::yield();
  EXPECT_TRUE(partner.alive());
  partner.send(7);
  partner.send(t::Stop{});
  partner.fiber().join();
  EXPECT_EQ(log, (std::vector<std::string>{"exit killed from doomed", "int 7"}));
  EXPECT_TRUE(partner.fiber().exit_reason().is_normal());
}

TEST_F(ActorTest, ExitSignalOvertakesQueuedMessages) {
  std::vector<std::string> log;
  grove::Event gate;
  auto target = grove::spawn_actor<Probe>(grove::ActorOptions{.name = "t", .mailbox = {}});
  auto partner =
      grove::spawn_actor<Watcher>(WatchConfig{.target = target, .log = &log, .link = true, .trap = true});
  partner.send(t::Hold{&gate});
  grove::this_fiber::yield();
  partner.send(1);
  target.send(t::Fail{});
  target.fiber().join();
  gate.set();
  partner.send(t::Stop{});
  partner.fiber().join();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], "hold");
  EXPECT_EQ(log[1].rfind("exit exception", 0), 0u) << log[1];
  EXPECT_EQ(log[2], "int 1");
}

TEST_F(ActorTest, ProbeTrapsExitsFromAPlainFiber) {
  std::vector<std::string> log;
  auto ref = grove::spawn_actor<Probe>(ProbeConfig{.log = &log, .trap_exits = true});
  grove::this_fiber::yield();
  auto worker = grove::spawn([] { throw std::runtime_error("worker failed"); });
  grove::link(ref.fiber(), worker);
  worker.join();
  grove::this_fiber::yield();
  ref.send(t::Stop{});
  ref.fiber().join();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], "start");
  EXPECT_EQ(log[1], "exit exception: worker failed");
  EXPECT_EQ(log[2], "stop");
}

// FiberWatcher links to / monitors a plain fiber through the Fiber<>
// overloads of Actor::link and Actor::monitor.
class FiberWatcher final : public grove::Actor<int> {
 public:
  FiberWatcher(grove::Fiber<> target, std::vector<std::string>& log) : target_(std::move(target)), log_(log) {}
  void on_start() override {
    trap_exits();
    link(target_);
    monitor(target_);
  }
  void on_exit(const grove::ExitSignal& s) override { log_.push_back("exit " + s.reason.to_string()); }
  void on_down(const grove::Down& d) override { log_.push_back("down " + d.reason.to_string()); }
  void receive(int&) override { stop(); }

 private:
  grove::Fiber<> target_;
  std::vector<std::string>& log_;
};

TEST_F(ActorTest, ActorsLinkToAndMonitorPlainFibers) {
  std::vector<std::string> log;
  grove::Event go;
  auto worker = grove::spawn([&] {
    go.wait();
    throw std::runtime_error("bad");
  });
  auto ref = grove::spawn_actor<FiberWatcher>(worker, log);
  grove::this_fiber::yield();
  go.set();
  worker.join();
  grove::this_fiber::yield();
  ref.send(0);
  ref.fiber().join();
  ASSERT_EQ(log.size(), 2u);
  // Both arrive on the system lane; either order is fine.
  std::sort(log.begin(), log.end());
  EXPECT_EQ(log[0], "down exception: bad");
  EXPECT_EQ(log[1], "exit exception: bad");
}

}  // namespace
