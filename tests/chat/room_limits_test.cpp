// room_limits_test.cpp — one client cannot flood the server with rooms
// (issue 19, item 2): rooms are capped per client and in all, empty rooms
// are removed after room_idle_timeout, and /rooms answers one bounded page.
#include <grove/chat/chat_server.hpp>

#include "chat_test_support.hpp"

#include <grove/this_fiber.hpp>

#include <string>
#include <vector>

using namespace grove;
using namespace grove::chat;
using namespace grove::chat::test;

namespace {

class ChatRoomLimits : public ChatTest {
 protected:
  bool has_room(const std::string& name) { return stats()["members"].contains(name); }
};

std::string room_name(int i) {
  std::string n = std::to_string(i);
  return "room-" + std::string(3 - std::min<std::size_t>(3, n.size()), '0') + n;
}

TEST_F(ChatRoomLimits, OneClientCreatesAtMostItsShare) {
  start({.max_rooms_per_client = 3});
  LineClient other(tcp_port());
  other.login("other", "elsewhere");

  LineClient maker(tcp_port());
  maker.login("maker", "r0");
  for (const char* r : {"r1", "r2"}) {
    maker.send(std::string("/join ") + r);
    EXPECT_EQ(maker.line(), std::string("* joined ") + r);
  }
  maker.send("/join r3");
  EXPECT_EQ(maker.line().rfind("! room limit", 0), 0u);
  maker.send("/join elsewhere");  // joining a room that exists is not creating one
  EXPECT_EQ(maker.line(), "* joined elsewhere");

  WsClient ws(http_port());  // each client has its own share
  ws.login("ws", "w0");
  ws.send({{"type", "join"}, {"room", "w1"}});
  EXPECT_EQ(ws.recv()["type"], "joined");
  ws.send({{"type", "join"}, {"room", "w2"}});
  EXPECT_EQ(ws.recv()["type"], "joined");
  ws.send({{"type", "join"}, {"room", "w3"}});
  json refused = ws.recv();
  EXPECT_EQ(refused["type"], "error");
  EXPECT_EQ(refused["error"].get<std::string>().rfind("room limit", 0), 0u) << refused.dump();
  EXPECT_FALSE(has_room("r3"));
  EXPECT_FALSE(has_room("w3"));
}

TEST_F(ChatRoomLimits, RoomsInAllAreCapped) {
  start({.max_rooms = 4});
  LineClient a(tcp_port()), b(tcp_port());
  a.login("a", "a0");
  a.send("/join a1");
  EXPECT_EQ(a.line(), "* joined a1");
  b.login("b", "b0");
  b.send("/join b1");
  EXPECT_EQ(b.line(), "* joined b1");
  b.send("/join b2");
  EXPECT_EQ(b.line().rfind("! room limit", 0), 0u);
  auto put = http_call(http_port(), http::verb::post, "/put/p0/poller", "message=hi");
  EXPECT_EQ(put.status, 503u) << put.body;
  EXPECT_EQ(stats()["rooms"], 4);
  b.send("/join a0");  // existing rooms stay open to everyone
  EXPECT_EQ(b.line(), "* joined a0");
}

// Rooms used to be kept for the life of the server (100,000 one-off rooms
// never freed their memory); an empty room is now removed once idle.
TEST_F(ChatRoomLimits, EmptyRoomsAreRemovedAfterTheirIdleTime) {
  start({.room_idle_timeout = 200ms});
  LineClient c(tcp_port());
  c.login("nomad", "first");
  c.send("said in first");
  EXPECT_EQ(c.line(), "[first] nomad: said in first");
  c.send("/join second");
  EXPECT_EQ(c.line(), "* joined second");
  EXPECT_TRUE(wait_until([&] { return !has_room("first"); }, 3s)) << stats().dump();
  EXPECT_TRUE(has_room("second"));  // not empty: kept
  EXPECT_EQ(stats()["rooms"], 1);
  c.send("/join first");  // made afresh, without the old backlog
  EXPECT_EQ(c.line(), "* joined first");
  c.send("/who");
  EXPECT_EQ(c.line(), "* in first: nomad");
}

// Past max_outbound, a /rooms answer listing every room disconnected the
// client that asked; answers are now pages of at most rooms_page rooms.
TEST_F(ChatRoomLimits, RoomsAnswerIsPagedAndNeverDisconnects) {
  constexpr int kRooms = 400;  // "room-000(0) " is 12 bytes: all of them are 4.8 KB
  start({.max_outbound = 4096, .max_rooms_per_client = kRooms, .rooms_page = 100});
  LineClient maker(tcp_port());
  maker.login("maker", room_name(0));
  for (int i = 1; i < kRooms; ++i) {
    maker.send("/join " + room_name(i));
    ASSERT_EQ(maker.line(), "* joined " + room_name(i));
  }
  LineClient asker(tcp_port());
  asker.line();
  std::vector<std::string> listed;
  std::string command = "/rooms";
  for (int page = 0; page < 10; ++page) {
    asker.send(command);
    std::string line = asker.line();
    ASSERT_EQ(line.rfind("* rooms: ", 0), 0u) << line;
    line.erase(0, 9);
    const auto more = line.find(" ... more: ");
    std::string next;
    if (more != std::string::npos) {
      next = line.substr(more + 11);
      line.erase(more);
    }
    std::size_t on_page = 0;
    for (std::size_t at = 0; at < line.size();) {
      auto space = line.find(' ', at);
      if (space == std::string::npos) space = line.size();
      listed.push_back(line.substr(at, line.find('(', at) - at));
      ++on_page;
      at = space + 1;
    }
    EXPECT_LE(on_page, 100u);
    if (next.empty()) break;
    ASSERT_EQ(next.rfind("/rooms ", 0), 0u) << next;
    command = next;
  }
  ASSERT_EQ(listed.size(), static_cast<std::size_t>(kRooms));
  for (int i = 0; i < kRooms; ++i) EXPECT_EQ(listed[i], room_name(i));

  WsClient ws(http_port());
  ws.send({{"type", "rooms"}});
  json first = ws.recv();
  ASSERT_EQ(first["type"], "rooms") << first.dump();
  EXPECT_EQ(first["rooms"].size(), 100u);
  EXPECT_EQ(first["rooms"][0], (json{{"room", room_name(0)}, {"members", 0}}));
  ASSERT_EQ(first["next"], room_name(99));
  ws.send({{"type", "rooms"}, {"after", room_name(99)}});
  json second = ws.recv();
  EXPECT_EQ(second["rooms"][0]["room"], room_name(100));
  EXPECT_EQ(stats()["disconnects"].value("slow_consumer", 0), 0);
}

}  // namespace
