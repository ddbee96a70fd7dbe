// crash_test.cpp — a crashed room restarts under its supervisor with its
// backlog, sequence and members kept, and loses no acknowledged message.
#include <grove/chat/chat_server.hpp>

#include "chat_test_support.hpp"

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

using namespace grove;
using namespace grove::chat;
using namespace grove::chat::test;

namespace {

class ChatCrash : public ChatTest {};

TEST_F(ChatCrash, RestartKeepsBacklogSeqAndMembers) {
  start();
  LineClient a(tcp_port()), b(tcp_port());
  a.login("alice", "lobby");
  b.login("bob", "lobby");
  a.send("before one");
  a.send("before two");
  for (int i = 0; i < 2; ++i) {
    a.line();
    b.line();
  }
  EXPECT_FALSE(chat->crash_room("no-such-room"));
  EXPECT_TRUE(chat->crash_room("lobby"));
  b.send("after the crash");  // no rejoin needed: the members survived
  EXPECT_EQ(a.line(), "[lobby] bob: after the crash");
  EXPECT_EQ(b.line(), "[lobby] bob: after the crash");
  WsClient w(http_port());
  json backlog = w.login("late", "lobby")["backlog"];
  ASSERT_EQ(backlog.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(backlog[i]["seq"], i + 1);
  EXPECT_EQ(backlog[2]["text"], "after the crash");
  json s = stats();
  EXPECT_EQ(s["room_restarts"], 1);
  EXPECT_GE(s["dead_letters"].get<int>(), 1);  // the Crash message itself
  a.send("/who");
  EXPECT_EQ(a.line(), "* in lobby: alice bob late");
}

// Eight WebSocket clients say 40 messages each, one in ten of which makes
// the room's actor throw (ChatConfig::fault) while the test also crashes
// the room every few milliseconds. Every message that was acknowledged
// (echoed back with a seq) reaches an observer, with seqs 1, 2, 3, ...
// without a gap; only the faulting ones are refused, with an error.
TEST_F(ChatCrash, CrashesUnderLoadLoseNoAcknowledgedMessage) {
  ChatConfig config;
  config.fault = [](const std::string&, const std::string& text) {
    if (text.rfind("boom", 0) == 0) throw std::runtime_error("injected fault");
  };
  start(std::move(config));
  WsClient observer(http_port());
  observer.login("observer", "lobby");

  constexpr int kSenders = 8;
  constexpr int kEach = 40;
  struct Outcome {
    std::vector<std::pair<std::uint64_t, std::string>> acked;  // seq, text
    int refused = 0;
    int booms = 0;
  };
  std::vector<Fiber<Outcome>> senders;
  for (int s = 0; s < kSenders; ++s)
    senders.push_back(spawn([this, s] {
      Outcome out;
      WsClient c(http_port());
      const std::string me = "sender" + std::to_string(s);
      c.login(me, "lobby");
      for (int n = 0; n < kEach; ++n) {
        const bool boom = n % 10 == 9;
        const std::string text = (boom ? "boom " : "msg ") + me + " " + std::to_string(n);
        out.booms += boom;
        c.send({{"type", "say"}, {"text", text}});
        for (;;) {  // the answer: our own message back, or an error
          json m = c.recv();
          if (m["type"] == "error") {
            ++out.refused;
            break;
          }
          if (m["type"] == "message" && m["from"] == me && m["text"] == text) {
            out.acked.emplace_back(m["seq"].get<std::uint64_t>(), text);
            break;
          }
        }
      }
      return out;
    }));
  auto crasher = spawn([this] {
    for (int i = 0; i < 10; ++i) {
      this_fiber::sleep(3ms);
      chat->crash_room("lobby");
    }
  });

  std::set<std::pair<std::uint64_t, std::string>> acked;
  int refused = 0, booms = 0;
  for (auto& f : senders) {
    Outcome o = f.get();
    acked.insert(o.acked.begin(), o.acked.end());
    refused += o.refused;
    booms += o.booms;
  }
  crasher.join();
  EXPECT_EQ(refused, booms);  // only the faulting messages were refused
  EXPECT_EQ(acked.size(), static_cast<std::size_t>(kSenders * kEach - booms));

  std::set<std::pair<std::uint64_t, std::string>> seen;
  std::uint64_t expected_seq = 1;
  while (seen.size() < acked.size()) {
    json m = observer.recv();
    if (m["type"] != "message") continue;
    ASSERT_EQ(m["seq"], expected_seq) << "a gap in the room's sequence";
    ++expected_seq;
    seen.emplace(m["seq"].get<std::uint64_t>(), m["text"].get<std::string>());
  }
  EXPECT_EQ(seen, acked);
  json s = stats();
  EXPECT_GE(s["room_restarts"].get<int>(), booms);
  EXPECT_EQ(s["messages"], acked.size());
}

// Past its restart intensity the room supervisor gives up: the rooms are
// gone, but the server stays up and says so.
TEST_F(ChatCrash, SupervisorGivingUpLeavesTheServerUp) {
  hub().set_unhandled_policy(UnhandledPolicy::ignore);  // the supervisor's own end is expected
  start({.room_restarts = 1});
  LineClient a(tcp_port());
  a.login("alice", "lobby");
  for (int i = 0; i < 3; ++i) {
    chat->crash_room("lobby");
    this_fiber::sleep(5ms);
  }
  a.send("anyone?");
  EXPECT_EQ(a.line().rfind("! room lobby", 0), 0u);
  a.send("/join fresh");
  EXPECT_EQ(a.line().rfind("! room fresh", 0), 0u);
  a.send("/nick still-served");
  EXPECT_EQ(a.line(), "* you are still-served");
  EXPECT_EQ(http_call(http_port(), http::verb::get, "/stats").status, 200u);
}

}  // namespace
