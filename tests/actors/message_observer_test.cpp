// message_observer_test.cpp — the seam Trace fills: which events an
// observer gets, with which fields, on which thread; nothing without one.
#include <grove/message_observer.hpp>

#include <grove/actor.hpp>
#include <grove/fiber.hpp>

#include "actors_test_support.hpp"

#include <string>
#include <thread>
#include <variant>
#include <vector>

using namespace grove;

namespace {

struct Seen {
  MessageEventKind kind;
  std::string from, to, type, json;
  bool ask, reply;
  DeadLetterReason reason;
};

// Recorder keeps copies of the events it is told of.
struct Recorder final : MessageObserver {
  Recorder() : previous(set_message_observer(this)) {}
  ~Recorder() override { set_message_observer(previous); }
  void on_event(const MessageEvent& e) noexcept override {
    events.push_back({e.kind, std::string(e.from), std::string(e.to), e.type ? e.type->name() : "",
                      e.json ? e.json(e.message) : "", e.ask, e.reply, e.reason});
  }
  MessageObserver* previous;
  std::vector<Seen> events;
};

struct Hello {
  std::string who;
  std::string to_json() const { return "{\"who\":\"" + who + "\"}"; }
};
struct Quiet {};
using Msg = std::variant<Hello, Quiet>;

struct Sink : Actor<Msg> {
  void receive(Msg&) override {}
};

class TestingMessageObserver : public grove::test::ActorTest {};

TEST_F(TestingMessageObserver, SendAndReceiveNameBothEndsAndTheHeldAlternative) {
  Recorder rec;
  auto sink = spawn_actor<Sink>(ActorOptions{.name = "sink", .mailbox = {}});
  auto sender = spawn([&] {
    sink.send(Hello{"ann"});
    sink.send(Quiet{});
  });
  sender.set_name("ann");
  sender.join();
  this_fiber::yield();
  ASSERT_EQ(rec.events.size(), 4u);
  EXPECT_EQ(rec.events[0].kind, MessageEventKind::send);
  EXPECT_EQ(rec.events[0].from, "ann");
  EXPECT_EQ(rec.events[0].to, "sink");
  EXPECT_EQ(rec.events[0].type, typeid(Hello).name());
  EXPECT_EQ(rec.events[0].json, "{\"who\":\"ann\"}");
  EXPECT_EQ(rec.events[1].type, typeid(Quiet).name());
  EXPECT_EQ(rec.events[1].json, "");  // no to_json(): no renderer
  EXPECT_EQ(rec.events[2].kind, MessageEventKind::receive);
  EXPECT_EQ(rec.events[2].from, "");  // a mailbox does not keep senders
  EXPECT_EQ(rec.events[2].to, "sink");
  EXPECT_EQ(rec.events[3].kind, MessageEventKind::receive);
  sink.fiber().kill();
}

TEST_F(TestingMessageObserver, DropsReportTheReasonAndTheSenderWhenItCausedThem) {
  Recorder rec;
  auto sink = spawn_actor<Sink>(
      ActorOptions{.name = "sink", .mailbox = {.capacity = 1, .overflow = Overflow::drop_newest}});
  auto bob = spawn([&] {
    sink.send(Quiet{});
    sink.send(Hello{"shed"});  // full: shed by this very send
  });
  bob.set_name("bob");
  bob.join();
  sink.send(Quiet{});
  sink.fiber().kill();  // before it ran again: the Quiet is left over
  sink.send(Quiet{});   // dead
  std::vector<Seen> drops;
  for (auto& e : rec.events)
    if (e.kind == MessageEventKind::drop) drops.push_back(e);
  ASSERT_EQ(drops.size(), 3u);
  EXPECT_EQ(drops[0].reason, DeadLetterReason::shed);
  EXPECT_EQ(drops[0].from, "bob");
  EXPECT_EQ(drops[0].type, typeid(Hello).name());
  EXPECT_EQ(drops[1].reason, DeadLetterReason::leftover);
  EXPECT_EQ(drops[1].from, "");  // a queued message's sender is not known
  EXPECT_EQ(drops[2].reason, DeadLetterReason::dead_actor);
  EXPECT_EQ(drops[2].to, "sink");
}

TEST_F(TestingMessageObserver, AnotherThreadsSendsGoToThatThreadsObserver) {
  Recorder rec;
  auto sink = spawn_actor<Sink>(ActorOptions{.name = "sink", .mailbox = {}});
  std::thread other([&] { sink.send(Quiet{}); });  // no observer there
  other.join();
  this_fiber::sleep(std::chrono::milliseconds(5));
  ASSERT_EQ(rec.events.size(), 1u);  // only the receive, on this thread
  EXPECT_EQ(rec.events[0].kind, MessageEventKind::receive);
  sink.fiber().kill();
}

TEST_F(TestingMessageObserver, NothingIsReportedWithoutAnObserver) {
  EXPECT_EQ(message_observer(), nullptr);
  auto sink = spawn_actor<Sink>(ActorOptions{.name = "sink", .mailbox = {}});
  sink.send(Quiet{});
  Recorder rec;
  this_fiber::yield();  // the receive happens now
  EXPECT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(to_string(rec.events[0].kind), "receive");
  sink.fiber().kill();
}

}  // namespace
