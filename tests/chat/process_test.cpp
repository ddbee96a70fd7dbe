// process_test.cpp — the grove-chat program: started as a process on port
// 0 (with --hubs 1 and --hubs 2), it prints where it listens, serves, and
// drains on SIGTERM, exiting 0 within 5 s. And the chat on several hubs of
// a Runtime in-process: clients served by different hubs share a room and
// see its messages in one order.
#include "chat_process_support.hpp"

#include <grove/fiber.hpp>
#include <grove/runtime.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait_fd.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <atomic>
#include <csignal>
#include <map>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

using namespace grove;
using namespace grove::chat::test;

namespace {

// ChatProcess runs with --hubs 1 and --hubs 2 (the chat's state on hub 0,
// connections on whichever hub the kernel gives them).
class ChatProcess : public ChatTest, public ::testing::WithParamInterface<const char*> {};

INSTANTIATE_TEST_SUITE_P(Hubs, ChatProcess, ::testing::Values("1", "2"));

TEST_P(ChatProcess, ServesAllProtocolsAndDrainsOnSigterm) {
  Child child({"--host", "127.0.0.1", "--port", "0", "--http-port", "0", "--backlog", "5", "--log-level", "warn",
               "--hubs", GetParam()});
  const std::uint16_t tcp = listening_port(child, "tcp");
  const std::uint16_t http_port = listening_port(child, "http");
  ASSERT_NE(tcp, 0) << child.output();
  ASSERT_NE(http_port, 0) << child.output();

  LineClient a(tcp);
  a.login("alice", "lobby");
  WsClient w(http_port);
  w.login("wendy", "lobby");
  a.send("hello from a process");
  EXPECT_EQ(a.line(), "[lobby] alice: hello from a process");
  EXPECT_EQ(w.recv()["seq"], 1);
  auto stats = http_call(http_port, http::verb::get, "/stats").parsed();
  EXPECT_EQ(stats["members"]["lobby"], 2);
  EXPECT_EQ(http_call(http_port, http::verb::get, "/").status, 200u);

  // A client that never reads is still connected when the signal comes.
  auto lazy = TcpSocket::connect("127.0.0.1", tcp, kWait);
  lazy.send_all("/nick lazy\n/join lobby\n");

  const auto t0 = Clock::now();
  child.signal(SIGTERM);
  EXPECT_EQ(a.line(), "* server shutting down");
  EXPECT_TRUE(a.closed());
  EXPECT_EQ(child.wait_exit(6s), 0) << child.output();
  EXPECT_LT(Clock::now() - t0, 5s);
}

TEST_P(ChatProcess, SigintAlsoExitsZero) {
  Child child({"--port", "0", "--http-port", "0", "--hubs", GetParam()});
  ASSERT_NE(listening_port(child, "tcp"), 0) << child.output();
  ASSERT_NE(listening_port(child, "http"), 0) << child.output();
  child.signal(SIGINT);
  EXPECT_EQ(child.wait_exit(6s), 0) << child.output();
}

TEST_P(ChatProcess, BadArgumentsExitTwo) {
  Child child({"--port", "not-a-port", "--hubs", GetParam()});
  EXPECT_EQ(child.wait_exit(5s), 2);
}

// TwoHubChat is a ChatServer on hub 0 of a 2-hub Runtime and a TCP
// StreamServer on each hub, each on a port of its own, so a test picks the
// hub that serves each client.
struct TwoHubChat {
  TwoHubChat() {
    rt.spawn_on(HubId{0}, [this] { chat = std::make_unique<chat::ChatServer>(chat::ChatConfig{}); }).get();
    for (const HubId h : rt.hubs())
      rt.spawn_on(h, [this, i = h.index] {
          tcp[i] = std::make_unique<StreamServer>(tcp_endpoint("127.0.0.1", 0), [this, i](Stream& s) {
            served[i].fetch_add(1);
            chat->handle_tcp(s);
          });
          tcp[i]->start();
          port[i] = tcp[i]->port();
        }).get();
  }
  ~TwoHubChat() {
    for (const HubId h : rt.hubs())
      rt.spawn_on(h, [this, i = h.index] {
          tcp[i]->stop(1s);
          tcp[i].reset();
        }).get();
    rt.spawn_on(HubId{0}, [this] {
        chat->stop(1s);
        chat.reset();
      }).get();
    rt.stop();
  }
  Runtime rt{{.hubs = 2}};
  std::unique_ptr<chat::ChatServer> chat;
  std::array<std::unique_ptr<StreamServer>, 2> tcp;
  std::array<std::uint16_t, 2> port{};
  std::array<std::atomic<int>, 2> served{};
};

using ChatOnHubs = ChatTest;

TEST_F(ChatOnHubs, ClientsOnDifferentHubsShareARoomInOneOrder) {
  TwoHubChat server;
  // alice on hub 0, bob and carol on hub 1 (the room runs on hub 0).
  const std::array<std::string, 3> nicks{"alice", "bob", "carol"};
  std::vector<std::unique_ptr<LineClient>> clients;
  for (std::size_t i = 0; i < nicks.size(); ++i) {
    clients.push_back(std::make_unique<LineClient>(server.port[i == 0 ? 0 : 1]));
    clients.back()->login(nicks[i], "lobby");
  }
  EXPECT_EQ(server.served[0].load(), 1);
  EXPECT_EQ(server.served[1].load(), 2);
  // Everyone talks at once; everyone reads every message.
  constexpr int kEach = 40;
  std::vector<Fiber<std::vector<std::string>>> readers;
  for (std::size_t i = 0; i < clients.size(); ++i)
    readers.push_back(spawn([&, i] {
      auto& c = *clients[i];
      auto talk = spawn([&] {
        for (int k = 0; k < kEach; ++k) c.send(nicks[i] + " " + std::to_string(k));
      });
      std::vector<std::string> seen;
      for (std::size_t k = 0; k < kEach * nicks.size(); ++k) seen.push_back(c.line());
      talk.join();
      return seen;
    }));
  std::vector<std::vector<std::string>> seen;
  for (auto& r : readers) seen.push_back(r.get());
  // One order for the room: every client saw the very same sequence...
  EXPECT_EQ(seen[1], seen[0]);
  EXPECT_EQ(seen[2], seen[0]);
  // ... holding each sender's messages once, in the order sent.
  std::map<std::string, int> next;
  for (const std::string& line : seen[0]) {
    const auto colon = line.find(": ");
    ASSERT_NE(colon, std::string::npos) << line;
    const std::string nick = line.substr(8, colon - 8);  // "[lobby] " NICK ": " NICK " " K
    EXPECT_EQ(line.substr(colon + 2), nick + " " + std::to_string(next[nick]++)) << line;
  }
  for (const auto& nick : nicks) EXPECT_EQ(next[nick], kEach) << nick;
  // The chat's state is one: /who from hub 1 lists the members of both hubs.
  clients[1]->send("/who");
  EXPECT_EQ(clients[1]->line(), "* in lobby: alice bob carol");
}

}  // namespace
