// tcp_protocol_test.cpp — the TCP line protocol, bullet by bullet.
#include <grove/chat/chat_server.hpp>

#include "chat_test_support.hpp"

#include <grove/this_fiber.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace grove;
using namespace grove::chat;
using namespace grove::chat::test;

namespace {

class ChatTcp : public ChatTest {};

TEST_F(ChatTcp, WelcomeOnConnect) {
  start();
  LineClient c(tcp_port());
  EXPECT_EQ(c.line().rfind("* welcome", 0), 0u);
}

TEST_F(ChatTcp, NickAcceptsValidNamesAndRefusesTakenOrInvalid) {
  start();
  LineClient a(tcp_port()), b(tcp_port());
  a.line();
  b.line();
  a.send("/nick alice_01-X");
  EXPECT_EQ(a.line(), "* you are alice_01-X");
  b.send("/nick alice_01-X");
  EXPECT_EQ(b.line().rfind("! ", 0), 0u);
  for (const char* bad :
       {"/nick", "/nick bad name", "/nick caf\xc3\xa9", "/nick a.b", "/nick 123456789012345678901234567890123"}) {
    b.send(bad);
    EXPECT_EQ(b.line().rfind("! ", 0), 0u) << bad;
  }
  b.send("/nick 12345678901234567890123456789012");  // 32: the longest allowed
  EXPECT_EQ(b.line(), "* you are 12345678901234567890123456789012");
  // A renamed client frees its old nick.
  a.send("/nick alice2");
  EXPECT_EQ(a.line(), "* you are alice2");
  b.send("/nick alice_01-X");
  EXPECT_EQ(b.line(), "* you are alice_01-X");
}

TEST_F(ChatTcp, MessagesBeforeNickOrJoinAreRefused) {
  start();
  LineClient c(tcp_port());
  c.line();
  c.send("hello");
  EXPECT_EQ(c.line().rfind("! ", 0), 0u);
  c.send("/join lobby");  // no nick yet
  EXPECT_EQ(c.line().rfind("! ", 0), 0u);
  c.send("/nick carol");
  c.line();
  c.send("hello");
  EXPECT_EQ(c.line().rfind("! ", 0), 0u);
  c.send("/who");
  EXPECT_EQ(c.line().rfind("! ", 0), 0u);
}

TEST_F(ChatTcp, MessageReachesEveryMemberSenderIncluded) {
  start();
  LineClient a(tcp_port()), b(tcp_port()), other(tcp_port());
  a.login("alice", "lobby");
  b.login("bob", "lobby");
  other.login("olga", "elsewhere");
  a.send("hello there");
  EXPECT_EQ(a.line(), "[lobby] alice: hello there");
  EXPECT_EQ(b.line(), "[lobby] alice: hello there");
  b.send("hi\r");  // "\r\n" endings are accepted
  EXPECT_EQ(a.line(), "[lobby] bob: hi");
  EXPECT_EQ(b.line(), "[lobby] bob: hi");
  other.send("/who");
  EXPECT_EQ(other.line(), "* in elsewhere: olga");  // nothing from lobby came first
}

TEST_F(ChatTcp, JoinReplaysTheBacklogOldestFirstCappedAtBacklog) {
  start({.backlog = 3});
  LineClient a(tcp_port());
  a.login("alice", "lobby");
  for (const std::string text : {"m1", "m2", "m3", "m4", "m5"}) {
    a.send(text);
    EXPECT_EQ(a.line(), "[lobby] alice: " + text);
  }
  LineClient b(tcp_port());
  b.line();
  b.send("/nick bob");
  b.line();
  b.send("/join lobby");
  EXPECT_EQ(b.line(), "* joined lobby");
  EXPECT_EQ(b.line(), "[lobby] alice: m3");
  EXPECT_EQ(b.line(), "[lobby] alice: m4");
  EXPECT_EQ(b.line(), "[lobby] alice: m5");
  b.send("/who");
  EXPECT_EQ(b.line(), "* in lobby: alice bob");
}

TEST_F(ChatTcp, JoiningLeavesTheOldRoom) {
  start();
  LineClient a(tcp_port()), b(tcp_port());
  a.login("alice", "one");
  b.login("bob", "one");
  a.send("/join two");
  EXPECT_EQ(a.line(), "* joined two");
  b.send("still here?");
  EXPECT_EQ(b.line(), "[one] bob: still here?");
  b.send("/who");
  EXPECT_EQ(b.line(), "* in one: bob");
  a.send("/who");
  EXPECT_EQ(a.line(), "* in two: alice");  // bob's message did not reach alice
}

TEST_F(ChatTcp, RoomsListsNamesAndCountsSortedByName) {
  start();
  LineClient a(tcp_port()), b(tcp_port()), c(tcp_port());
  a.login("alice", "zeta");
  b.login("bob", "alpha");
  c.login("carol", "zeta");
  a.send("/rooms");
  EXPECT_EQ(a.line(), "* rooms: alpha(1) zeta(2)");
}

TEST_F(ChatTcp, WhoListsNicksSorted) {
  start();
  LineClient z(tcp_port()), a(tcp_port()), m(tcp_port());
  z.login("zed", "lobby");
  a.login("amy", "lobby");
  m.login("Mia", "lobby");
  z.send("/who");
  EXPECT_EQ(z.line(), "* in lobby: Mia amy zed");  // byte order
}

TEST_F(ChatTcp, QuitSaysByeAndCloses) {
  start();
  LineClient c(tcp_port());
  c.login("quitter", "lobby");
  c.send("/quit");
  EXPECT_EQ(c.line(), "* bye");
  EXPECT_TRUE(c.closed());
  this_fiber::sleep(20ms);
  EXPECT_EQ(stats()["disconnects"]["quit"], 1);
  EXPECT_EQ(stats()["members"]["lobby"], 0);
}

TEST_F(ChatTcp, UnknownCommand) {
  start();
  LineClient c(tcp_port());
  c.line();
  c.send("/dance");
  EXPECT_EQ(c.line(), "! unknown command");
  c.send("/nick still-works");
  EXPECT_EQ(c.line(), "* you are still-works");
}

TEST_F(ChatTcp, IdleConnectionIsClosed) {
  start({.idle_timeout = 200ms});
  LineClient c(tcp_port());
  c.line();
  c.send_raw("no newline yet");  // not a complete line: still idle
  const auto t0 = Clock::now();
  EXPECT_EQ(c.line().rfind("! ", 0), 0u);
  EXPECT_TRUE(c.closed());
  EXPECT_GE(Clock::now() - t0, 150ms);
  EXPECT_LT(Clock::now() - t0, 3s);
  EXPECT_EQ(stats()["disconnects"]["idle_timeout"], 1);
}

TEST_F(ChatTcp, NickIsFreedWhenTheConnectionEnds) {
  start();
  {
    LineClient a(tcp_port());
    a.login("ghost", "lobby");
  }
  this_fiber::sleep(50ms);
  LineClient b(tcp_port());
  b.line();
  b.send("/nick ghost");
  EXPECT_EQ(b.line(), "* you are ghost");
}

// Clients joining a room that does not exist yet, all at the same moment,
// all get in: the later ones wait for the first to start the room instead
// of starting a duplicate child ("child id 'room:fresh' is already present").
TEST_F(ChatTcp, ConcurrentJoinsOfANewRoomAllSucceed) {
  start();
  constexpr int kClients = 10;
  std::vector<std::unique_ptr<LineClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<LineClient>(tcp_port()));
    auto& c = *clients.back();
    EXPECT_EQ(c.line().rfind("* welcome", 0), 0u);
    c.send("/nick n" + std::to_string(i));
    EXPECT_EQ(c.line(), "* you are n" + std::to_string(i));
  }
  for (auto& c : clients) c->send("/join fresh");  // all before any answer
  for (auto& c : clients) EXPECT_EQ(c->line(), "* joined fresh");
  clients.front()->send("/who");
  EXPECT_EQ(clients.front()->line(), "* in fresh: n0 n1 n2 n3 n4 n5 n6 n7 n8 n9");
  EXPECT_EQ(stats()["rooms"], 1);
  EXPECT_EQ(stats()["members"]["fresh"], kClients);
}

// Lines that arrive together are sent to the room without waiting for each
// answer (pipelined); they still arrive in order, and a command after them
// is answered after them.
TEST_F(ChatTcp, LinesSentTogetherArriveInOrder) {
  start();
  LineClient a(tcp_port()), b(tcp_port());
  a.login("alice", "lobby");
  b.login("bob", "lobby");
  std::string burst;
  // Appended piece by piece: g++ 12 at -O2 reports a false -Wrestrict on
  // "m" + std::to_string(i) (GCC bug 105329).
  for (int i = 0; i < 300; ++i) {
    burst += 'm';
    burst += std::to_string(i);
    burst += '\n';
  }
  burst += "/who\n";
  a.send_raw(burst);
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(a.line(), "[lobby] alice: m" + std::to_string(i));
    EXPECT_EQ(b.line(), "[lobby] alice: m" + std::to_string(i));
  }
  EXPECT_EQ(a.line(), "* in lobby: alice bob");
  EXPECT_EQ(stats()["messages"], 300);
}

}  // namespace
