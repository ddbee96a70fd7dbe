// simulation_test.cpp — the ChatServer, unchanged, inside the test kit's
// Simulation (virtual time, seeded scheduling) on the in-memory network:
// every member of a room sees the room's messages in one order under every
// seed, and a seed replays the same run, trace for trace.
#include <grove/chat/chat_server.hpp>

#include <grove/fiber.hpp>
#include <grove/group.hpp>
#include <grove/testing/explore.hpp>
#include <grove/testing/memory_network.hpp>
#include <grove/testing/memory_server.hpp>
#include <grove/testing/simulation.hpp>
#include <grove/testing/trace.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace grove;
using grove::chat::ChatServer;
using grove::testing::MemoryNetwork;
using grove::testing::MemoryServer;

namespace {

constexpr int kClients = 3;
constexpr int kEach = 4;

std::string line_of(Stream& s) {
  std::string l = s.read_line(8192);
  if (!l.empty() && l.back() == '\n') l.pop_back();
  return l;
}

// chat_room_run() is one run of a small room: kClients line clients join
// "room", each says kEach lines while the others do, and each collects the
// chat lines it receives. It returns what each client saw, in order.
std::vector<std::vector<std::string>> chat_room_run() {
  MemoryNetwork net({.latency = 1ms});
  ChatServer server;
  MemoryServer lines(net.listen("chat:5555"), [&](Stream& s) { server.handle_tcp(s); });
  lines.start();

  std::vector<std::vector<std::string>> seen(kClients);
  Group clients;
  for (int i = 0; i < kClients; ++i) {
    clients.spawn([&, i] {
      const std::string nick = "c" + std::to_string(i);
      auto c = net.connect("chat:5555", {.from = nick});
      c->set_timeout(60s);  // virtual time: costs nothing
      EXPECT_EQ(line_of(*c).rfind("* welcome", 0), 0u);
      c->send_all("/nick " + nick + "\n/join room\n");
      EXPECT_EQ(line_of(*c), "* you are " + nick);
      EXPECT_EQ(line_of(*c), "* joined room");
      for (int k = 0; k < kEach; ++k) {
        c->send_all(nick + " says " + std::to_string(k) + "\n");
        this_fiber::sleep(1ms);
      }
      // The backlog (messages said before this client joined) and the live
      // messages together are the room's whole history, in the room's order.
      while (seen[i].size() < static_cast<std::size_t>(kClients) * kEach) {
        std::string l = line_of(*c);
        if (l.empty()) break;
        if (l.rfind("[room] ", 0) == 0) seen[i].push_back(l);
      }
      c->send_all("/quit\n");
      while (!line_of(*c).empty()) {
      }
    });
  }
  clients.join();
  server.stop(1s);
  lines.stop(1s);
  return seen;
}

void expect_one_order(const std::vector<std::vector<std::string>>& seen) {
  for (int i = 0; i < kClients; ++i) {
    ASSERT_EQ(seen[i].size(), std::size_t(kClients * kEach)) << "client " << i;
    EXPECT_EQ(seen[i], seen[0]) << "client " << i << " saw another order";
  }
  // Each sender's lines keep the order it said them in.
  for (int s = 0; s < kClients; ++s) {
    int next = 0;
    for (const auto& l : seen[0]) {
      const std::string prefix = "[room] c" + std::to_string(s) + ": c" + std::to_string(s) + " says ";
      if (l.rfind(prefix, 0) == 0) {
        EXPECT_EQ(l.substr(prefix.size()), std::to_string(next++));
      }
    }
    EXPECT_EQ(next, kEach);
  }
}

TEST(DeterministicChat, EveryMemberSeesOneOrderUnderEverySeed) {
  grove::testing::explore(25, [] { expect_one_order(chat_room_run()); });
}

TEST(DeterministicChat, ASeedReplaysTheSameRunTraceForTrace) {
  auto traced = [](std::uint64_t seed) {
    std::string dump;
    std::vector<std::vector<std::string>> seen;
    auto result = grove::testing::run_seed(seed, [&] {
      grove::testing::Trace trace;
      seen = chat_room_run();
      dump = trace.dump();
    });
    EXPECT_TRUE(result.passed()) << result.failure;
    return std::make_pair(dump, seen);
  };
  auto first = traced(11);
  auto second = traced(11);
  EXPECT_FALSE(first.first.empty());
  EXPECT_EQ(first.first, second.first);
  EXPECT_EQ(first.second, second.second);
}

}  // namespace
