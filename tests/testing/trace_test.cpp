// trace_test.cpp — Trace records every send, receive and drop of a
// Pinger/Ponger program and matches a golden file on the FIFO hub; payloads
// come from to_json() (member or nlohmann's ADL); golden diffs, golden
// updates and GROVE_TRACE_DIR.
#include <grove/testing/trace.hpp>

#include <grove/actor.hpp>
#include <grove/fiber.hpp>

#include "testing_test_support.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <variant>

using namespace grove;
using namespace grove::test;
using grove::testing::Trace;
using nlohmann::json;

namespace {

// ---------------------------------------------------------- the program

struct Ping {
  int n;
  std::string to_json() const { return "{\"n\":" + std::to_string(n) + "}"; }  // JSON text
};
struct Pong {
  int n;
};
void to_json(json& j, const Pong& p) { j = json{{"n", p.n}}; }  // nlohmann's ADL form
struct Stop {};
using Message = std::variant<Ping, Pong, Stop>;

struct Table {
  ActorRef<Message> pinger, ponger;
  int rounds = 0;
};

class Pinger : public Actor<Message> {
 public:
  explicit Pinger(Table& t) : t_(t) {}

 protected:
  void receive(Message& m) override {
    match(
        m,
        [&](Pong& p) {
          if (p.n == t_.rounds) {
            t_.ponger.send(Stop{});
            stop();
          } else {
            t_.ponger.send(Ping{p.n + 1});
          }
        },
        [](auto&) {});
  }

 private:
  Table& t_;
};

class Ponger : public Actor<Message> {
 public:
  explicit Ponger(Table& t) : t_(t) {}

 protected:
  void receive(Message& m) override {
    match(
        m, [&](Ping& p) { t_.pinger.send(Pong{p.n}); }, [&](Stop&) { stop(); }, [](auto&) {});
  }

 private:
  Table& t_;
};

// play() runs `rounds` of ping-pong, then sends the stopped pinger one more
// Ping (a dead letter).
void play(int rounds) {
  Table t;
  t.rounds = rounds;
  t.pinger = spawn_actor<Pinger>(ActorOptions{.name = "pinger", .mailbox = {}}, t);
  t.ponger = spawn_actor<Ponger>(ActorOptions{.name = "ponger", .mailbox = {}}, t);
  t.ponger.send(Ping{1});
  t.pinger.fiber().join();
  t.ponger.fiber().join();
  t.pinger.send(Ping{99});
}

std::filesystem::path golden(const std::string& name) { return std::filesystem::path(GROVE_GOLDEN_DIR) / name; }

// ScopedEnv sets (or unsets, with nullptr) an environment variable for a scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::filesystem::path scratch_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("grove_trace_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

class DeterministicTrace : public HubTest {};
class TestingTrace : public HubTest {};

// ------------------------------------------------------------ the golden

TEST_F(DeterministicTrace, PingPongMatchesTheGoldenFile) {
  Trace trace;
  trace.describe<Pong>();
  play(2);
  EXPECT_TRUE(trace.compare_with_golden(golden("DeterministicTrace.PingPong.json")));
  trace.write_if_requested();
}

TEST_F(DeterministicTrace, TwoRunsLeaveIdenticalTraces) {
  json first, second;
  {
    Trace trace;
    play(5);
    first = trace.json();
  }
  Hub::destroy_current();
  {
    Trace trace;
    play(5);
    second = trace.json();
  }
  EXPECT_EQ(first, second);
  EXPECT_EQ(first.size(), 5u * 4 + 4);  // 4 a round, Stop sent and received, the last Ping sent and dropped
}

// ----------------------------------------------------------- the events

TEST_F(TestingTrace, RecordsSendReceiveAndDropWithTheirFields) {
  Trace trace;
  trace.describe<Pong>();
  play(1);
  const json events = trace.json();
  ASSERT_EQ(events.size(), 8u);
  EXPECT_EQ(events[0], (json{{"seq", 1}, {"event", "send"}, {"to", "ponger"}, {"type", "Ping"}, {"payload", {{"n", 1}}}}));
  EXPECT_EQ(events[1], (json{{"seq", 2}, {"event", "receive"}, {"to", "ponger"}, {"type", "Ping"}, {"payload", {{"n", 1}}}}));
  EXPECT_EQ(events[2], (json{{"seq", 3}, {"event", "send"}, {"from", "ponger"}, {"to", "pinger"}, {"type", "Pong"},
                             {"payload", {{"n", 1}}}}));
  EXPECT_EQ(events[4], (json{{"seq", 5}, {"event", "send"}, {"from", "pinger"}, {"to", "ponger"}, {"type", "Stop"}}));
  EXPECT_EQ(events[7], (json{{"seq", 8}, {"event", "drop"}, {"to", "pinger"}, {"type", "Ping"},
                             {"reason", "dead_actor"}, {"payload", {{"n", 99}}}}));
}

TEST_F(TestingTrace, PayloadsComeFromToJsonOnly) {
  struct Plain {
    int x;
  };
  struct Rich {
    int x;
    json to_json() const { return json{{"x", x}, {"kind", "rich"}}; }  // an object with dump()
  };
  struct NotJson {
    std::string to_json() const { return "not json"; }
  };
  using M = std::variant<Plain, Rich, NotJson>;
  struct Sink : Actor<M> {
    void receive(M&) override {}
  };
  Trace trace;
  auto sink = spawn_actor<Sink>(ActorOptions{.name = "sink", .mailbox = {}});
  sink.send(Plain{1});
  sink.send(Rich{2});
  sink.send(NotJson{});
  const json events = trace.json();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_FALSE(events[0].contains("payload"));
  EXPECT_EQ(events[0]["type"], "TestingTrace_PayloadsComeFromToJsonOnly_Test::TestBody()::Plain");
  EXPECT_EQ(events[1]["payload"], (json{{"x", 2}, {"kind", "rich"}}));
  EXPECT_EQ(events[2]["payload"], "not json");  // text that is not JSON is kept as a string
  sink.fiber().kill();
}

TEST_F(TestingTrace, AsksAndRepliesNameTheAsker) {
  struct Adder : Actor<int> {
    void receive(int& n) override { reply(n + 1); }
  };
  Trace trace;
  auto adder = spawn_actor<Adder>(ActorOptions{.name = "adder", .mailbox = {}});
  auto client = spawn([&] { return adder.ask<int>(41).get(); });
  client.set_name("client");
  EXPECT_EQ(client.get(), 42);
  const json events = trace.json();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], (json{{"seq", 1}, {"event", "send"}, {"from", "client"}, {"to", "adder"}, {"type", "int"},
                             {"ask", true}}));
  EXPECT_EQ(events[1], (json{{"seq", 2}, {"event", "receive"}, {"from", "client"}, {"to", "adder"}, {"type", "int"},
                             {"ask", true}}));
  EXPECT_EQ(events[2], (json{{"seq", 3}, {"event", "send"}, {"from", "adder"}, {"to", "client"}, {"type", "int"},
                             {"reply", true}}));
  adder.fiber().kill();
}

TEST_F(TestingTrace, DropsCarryTheirReason) {
  struct Slow : Actor<int> {
    void receive(int& n) override {
      if (n < 0) throw std::runtime_error("negative");
    }
  };
  Trace trace;
  auto slow = spawn_actor<Slow>(
      ActorOptions{.name = "slow", .mailbox = {.capacity = 2, .overflow = Overflow::drop_oldest}});
  slow.send(1);
  slow.send(2);
  slow.send(3);  // the mailbox is full (the actor has not run yet): 1 is shed
  slow.send(-1);  // 2 is shed
  slow.fiber().join();  // 3 is handled, -1 crashes it
  EXPECT_FALSE(slow.alive());
  const json events = trace.json();
  std::vector<std::string> drops;
  for (const auto& e : events)
    if (e["event"] == "drop") drops.push_back(e["reason"].get<std::string>());
  EXPECT_EQ(drops, (std::vector<std::string>{"shed", "shed", "crashed"}));
  const json& crash = events.back();
  EXPECT_EQ(crash["reason"], "crashed");
  EXPECT_NE(crash["detail"].get<std::string>().find("negative"), std::string::npos);
  EXPECT_FALSE(crash.contains("from"));  // a queued message's sender is not known
}

TEST_F(TestingTrace, TimeIsRecordedOnlyWhenAsked) {
  struct Sink : Actor<int> {
    void receive(int&) override {}
  };
  auto sink = spawn_actor<Sink>(ActorOptions{.name = "sink", .mailbox = {}});
  {
    Trace trace;
    sink.send(1);
    EXPECT_FALSE(trace.json()[0].contains("t_us"));
  }
  Trace trace({.time = true});
  sink.send(1);
  this_fiber::sleep(2ms);
  sink.send(2);
  const json events = trace.json();
  ASSERT_GE(events.size(), 3u);
  EXPECT_GE(events.back()["t_us"].get<std::int64_t>(), 2000);
  sink.fiber().kill();
}

TEST_F(TestingTrace, RestoresThePreviousObserverAndSeesNothingWithout) {
  struct Sink : Actor<int> {
    void receive(int&) override {}
  };
  auto sink = spawn_actor<Sink>(ActorOptions{.name = "sink", .mailbox = {}});
  EXPECT_EQ(message_observer(), nullptr);
  {
    Trace outer;
    {
      Trace inner;
      EXPECT_EQ(message_observer(), &inner);
      sink.send(1);
      EXPECT_EQ(inner.size(), 1u);
    }
    EXPECT_EQ(message_observer(), &outer);
    EXPECT_EQ(outer.size(), 0u);
  }
  EXPECT_EQ(message_observer(), nullptr);
  sink.fiber().kill();
}

// ---------------------------------------------- golden files and the dir

TEST_F(TestingTrace, AMismatchShowsALineDiff) {
  ScopedEnv no_update("GROVE_UPDATE_GOLDEN", nullptr);
  const auto path = scratch_dir() / "mismatch.json";
  {
    std::ofstream out(path);
    out << "[\n  {\"seq\":1,\"event\":\"send\",\"to\":\"ponger\",\"type\":\"Ping\",\"payload\":{\"n\":7}}\n]\n";
  }
  Trace trace;
  play(1);
  auto result = trace.compare_with_golden(path);
  ASSERT_FALSE(result);
  const std::string message = result.message();
  EXPECT_NE(message.find("- {\"seq\":1,\"event\":\"send\",\"to\":\"ponger\",\"type\":\"Ping\",\"payload\":{\"n\":7}}"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("+ {\"seq\":1,\"event\":\"send\",\"to\":\"ponger\",\"type\":\"Ping\",\"payload\":{\"n\":1}}"),
            std::string::npos)
      << message;
  EXPECT_FALSE(trace.compare_with_golden(scratch_dir() / "missing.json"));
}

TEST_F(TestingTrace, GroveUpdateGoldenRewritesTheFile) {
  const auto path = scratch_dir() / "sub" / "updated.json";
  std::filesystem::remove(path);
  Trace trace;
  play(1);
  {
    ScopedEnv update("GROVE_UPDATE_GOLDEN", "1");
    EXPECT_TRUE(trace.compare_with_golden(path));
  }
  ScopedEnv no_update("GROVE_UPDATE_GOLDEN", nullptr);
  EXPECT_TRUE(trace.compare_with_golden(path));
}

TEST_F(TestingTrace, GroveTraceDirGetsAFileNamedAfterTheTest) {
  Trace trace;
  play(1);
  {
    ScopedEnv unset("GROVE_TRACE_DIR", nullptr);
    EXPECT_EQ(trace.write_if_requested(), std::nullopt);
  }
  const auto dir = scratch_dir() / "traces";
  ScopedEnv set("GROVE_TRACE_DIR", dir.c_str());
  EXPECT_EQ(grove::testing::current_test_name(), "TestingTrace.GroveTraceDirGetsAFileNamedAfterTheTest");
  auto written = trace.write_if_requested();
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, dir / "TestingTrace.GroveTraceDirGetsAFileNamedAfterTheTest.json");
  std::ifstream in(*written);
  EXPECT_EQ(json::parse(in), trace.json());
  EXPECT_EQ(trace.write_if_requested("Suite/Param.Test/1"), dir / "Suite_Param.Test_1.json");
}

}  // namespace
