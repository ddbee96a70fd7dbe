// greenlet_test.cpp — fibers written as a class (greenlet.hpp): create<G>() constructs one unstarted and the
// handle reaches the object before and after it starts, as gevent's tutorial Actor keeps its inbox on the
// greenlet.

#include <grove/greenlet.hpp>  // first: proves the header is self-contained

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/queue.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <string>
#include <type_traits>
#include <vector>

using namespace std::chrono_literals;

namespace {

using GreenletTest = grove::test::HubTest;

// The tutorial's Actor ("gevent For the Working Python Developer", Actors):
// a Greenlet subclass with a Queue inbox, whose run() hands each message to
// receive(). Here each actor stops after `limit` messages, so the ping-pong
// ends (the tutorial's runs forever).
class Actor : public grove::Greenlet<> {
 public:
  Actor(std::string name, int limit, std::vector<std::string>* log)
      : name_(std::move(name)), limit_(limit), log_(log) {}
  grove::Queue<std::string> inbox;
  Actor* peer = nullptr;

 protected:
  virtual void receive(const std::string& message) = 0;
  void send_to_peer(const std::string& message) {
    peer->inbox.put(message);
    grove::this_fiber::yield();  // the tutorial's gevent.sleep(0)
  }
  void run() override {
    running_ = true;
    while (running_) {
      const std::string message = inbox.get();
      log_->push_back(name_ + " got " + message);
      if (++received_ == limit_) running_ = false;
      receive(message);
    }
  }

 private:
  std::string name_;
  int limit_;
  int received_ = 0;
  bool running_ = false;
  std::vector<std::string>* log_;
};

class Pinger : public Actor {
 public:
  using Actor::Actor;

 protected:
  void receive(const std::string&) override { send_to_peer("ping"); }
};

class Ponger : public Actor {
 public:
  using Actor::Actor;

 protected:
  void receive(const std::string&) override { send_to_peer("pong"); }
};

class Doubler : public grove::Greenlet<int> {
 public:
  explicit Doubler(int x) : x(x) {}
  int x;
  int runs = 0;

 protected:
  int run() override {
    ++runs;
    return 2 * x;
  }
};

}  // namespace

TEST_F(GreenletTest, TutorialActorsPingPongThroughInboxesOnTheGreenlets) {
  std::vector<std::string> log;
  auto ping = grove::create<Pinger>("ping", 3, &log);
  auto pong = grove::create<Ponger>("pong", 3, &log);
  static_assert(std::is_same_v<decltype(ping), grove::GreenletPtr<Pinger>>);
  ping->peer = &*pong;
  pong->peer = &*ping;
  EXPECT_FALSE(ping.started());
  ping.start();
  pong.start();
  ping->inbox.put("start");  // reached through the handle after start
  grove::joinall(std::vector<grove::Fiber<>>{ping, pong});
  EXPECT_EQ(log, (std::vector<std::string>{"ping got start", "pong got ping", "ping got pong", "pong got ping",
                                           "ping got pong", "pong got ping"}));
  EXPECT_TRUE(ping.successful());
  EXPECT_TRUE(pong.successful());
  EXPECT_EQ(ping->inbox.size(), 1u);  // pong's last reply, never read: the object outlives its fiber
}

TEST_F(GreenletTest, CreatedGreenletRunsOnlyOnceStartedAndKeepsItsState) {
  auto d = grove::create<Doubler>(21);
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(d->runs, 0);
  d->x = 5;  // configured between construction and start
  d.start();
  EXPECT_EQ(d.get(), 10);
  EXPECT_EQ(d->runs, 1);
  EXPECT_EQ((*d).x, 5);
  grove::Fiber<int> as_fiber = d;  // an ordinary handle too
  EXPECT_EQ(as_fiber.value(), 10);
}

TEST_F(GreenletTest, SpawnOfAGreenletClassReturnsAHandleThatReachesTheObject) {
  auto d = grove::spawn<Doubler>(4);
  EXPECT_TRUE(d.started());
  EXPECT_EQ(d.get(), 8);
  EXPECT_EQ(d.object().runs, 1);
}

TEST_F(GreenletTest, KillingAnUnstartedGreenletMeansRunNeverRuns) {
  auto d = grove::create<Doubler>(1);
  d.kill();
  EXPECT_TRUE(d.dead());
  EXPECT_EQ(d->runs, 0);
  EXPECT_THROW((void)d.get(), grove::FiberKilled);
}

TEST_F(GreenletTest, StartLaterOnAGreenlet) {
  auto d = grove::create<Doubler>(3);
  d.start_later(1ms);
  EXPECT_TRUE(d.started());
  EXPECT_EQ(d.get(), 6);
}

TEST_F(GreenletTest, EmptyHandleIsAUsageError) {
  grove::GreenletPtr<Doubler> empty;
  EXPECT_THROW((void)empty.object(), grove::UsageError);
  EXPECT_THROW(empty.start(), grove::UsageError);
}
