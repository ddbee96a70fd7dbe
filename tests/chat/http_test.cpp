// http_test.cpp — HTTP on the chat server: the embedded page, /stats, and
// the seed's long poll (POST /put/ROOM/NICK, POST /poll/NICK).
#include <grove/chat/chat_server.hpp>

#include "chat_test_support.hpp"

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

using namespace grove;
using namespace grove::chat;
using namespace grove::chat::test;

namespace {

class ChatHttp : public ChatTest {};
class ChatLongPoll : public ChatTest {};

TEST_F(ChatHttp, ServesTheEmbeddedPage) {
  start();
  auto res = http_call(http_port(), http::verb::get, "/");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.content_type.rfind("text/html", 0), 0u);
  EXPECT_EQ(res.body, std::string(chat_page()));
  EXPECT_NE(res.body.find("<html"), std::string::npos);
  EXPECT_GT(chat_page().size(), 100u);
}

TEST_F(ChatHttp, UnknownPathIs404AndWrongMethod405) {
  start();
  EXPECT_EQ(http_call(http_port(), http::verb::get, "/nothing-here").status, 404u);
  EXPECT_EQ(http_call(http_port(), http::verb::post, "/stats").status, 405u);
  EXPECT_EQ(http_call(http_port(), http::verb::get, "/poll/x").status, 405u);
  EXPECT_EQ(http_call(http_port(), http::verb::get, "/ws").status, 400u);  // no upgrade
}

TEST_F(ChatHttp, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  auto sock = TcpSocket::connect("127.0.0.1", http_port(), kWait);
  sock.set_timeout(kWait);
  boost::beast::flat_buffer buffer;
  for (int i = 0; i < 3; ++i) {
    http::request<http::empty_body> req{http::verb::get, "/stats", 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(sock, req);
    http::response<http::string_body> res;
    http::read(sock, buffer, res);
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_TRUE(res.keep_alive());
  }
}

TEST_F(ChatHttp, StatsCountRoomsMembersMessagesAndDisconnects) {
  start();
  {
    LineClient a(tcp_port()), b(tcp_port());
    a.login("alice", "lobby");
    b.login("bob", "den");
    a.send("one");
    a.line();
    a.send("two");
    a.line();
    auto s = http_call(http_port(), http::verb::get, "/stats");
    EXPECT_EQ(s.status, 200u);
    EXPECT_EQ(s.content_type, "application/json");
    json j = s.parsed();
    EXPECT_EQ(j["rooms"], 2);
    EXPECT_EQ(j["members"]["lobby"], 1);
    EXPECT_EQ(j["members"]["den"], 1);
    EXPECT_EQ(j["messages"], 2);
    EXPECT_TRUE(j["dead_letters"].is_number());
    EXPECT_EQ(j["connections"]["tcp"], 2);
    a.send("/quit");
    EXPECT_EQ(a.line(), "* bye");
  }
  this_fiber::sleep(50ms);
  json j = http_call(http_port(), http::verb::get, "/stats").parsed();
  EXPECT_EQ(j["disconnects"]["quit"], 1);
  EXPECT_EQ(j["disconnects"]["client_closed"], 1);
  EXPECT_EQ(j["members"]["lobby"], 0);
}

TEST_F(ChatLongPoll, PutPublishesAndPollReturnsTheMessagesSinceTheLastPoll) {
  start();
  LineClient tcp_client(tcp_port());
  tcp_client.login("tina", "lobby");
  auto put = http_call(http_port(), http::verb::post, "/put/lobby/paul", "message=hello+from%20http%21");
  ASSERT_EQ(put.status, 200u) << put.body;
  EXPECT_EQ(put.parsed()["seq"], 1);
  EXPECT_EQ(tcp_client.line(), "[lobby] paul: hello from http!");
  tcp_client.send("hi paul");
  tcp_client.line();
  tcp_client.send("how are you");
  tcp_client.line();
  auto poll = http_call(http_port(), http::verb::post, "/poll/paul");
  ASSERT_EQ(poll.status, 200u);
  json got = poll.parsed();
  ASSERT_TRUE(got.is_array());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0]["text"], "hello from http!");
  EXPECT_EQ(got[1], (json{{"type", "message"}, {"room", "lobby"}, {"from", "tina"}, {"text", "hi paul"}, {"seq", 2}}));
  EXPECT_EQ(got[2]["seq"], 3);
}

TEST_F(ChatLongPoll, PollWaitsForTheNextMessage) {
  start();
  http_call(http_port(), http::verb::post, "/put/lobby/paul", "message=first");
  http_call(http_port(), http::verb::post, "/poll/paul");  // takes "first"
  auto poller = spawn([this] { return http_call(http_port(), http::verb::post, "/poll/paul"); });
  this_fiber::sleep(50ms);
  EXPECT_FALSE(poller.ready());
  LineClient c(tcp_port());
  c.login("tina", "lobby");
  c.send("wake up");
  auto res = poller.get();
  ASSERT_EQ(res.status, 200u);
  ASSERT_EQ(res.parsed().size(), 1u);
  EXPECT_EQ(res.parsed()[0]["text"], "wake up");
}

TEST_F(ChatLongPoll, PollTimesOutWithAnEmptyArray) {
  start({.poll_timeout = 200ms});
  http_call(http_port(), http::verb::post, "/put/lobby/paul", "message=first");
  http_call(http_port(), http::verb::post, "/poll/paul");
  const auto t0 = Clock::now();
  auto res = http_call(http_port(), http::verb::post, "/poll/paul");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.body, "[]");
  EXPECT_GE(Clock::now() - t0, 150ms);
  EXPECT_LT(Clock::now() - t0, 3s);
}

TEST_F(ChatLongPoll, BadPutsGetClearErrors) {
  start();
  LineClient c(tcp_port());
  c.login("tina", "lobby");
  EXPECT_EQ(http_call(http_port(), http::verb::post, "/put/lobby/tina", "message=x").status, 409u);  // nick taken
  EXPECT_EQ(http_call(http_port(), http::verb::post, "/put/lobby/bad.nick", "message=x").status, 400u);
  EXPECT_EQ(http_call(http_port(), http::verb::post, "/put/bad room/paul", "message=x").status, 400u);
  EXPECT_EQ(http_call(http_port(), http::verb::post, "/put/lobby/paul", "text=x").status, 400u);
  EXPECT_EQ(http_call(http_port(), http::verb::post, "/put/lobby/paul", "message=%zz").status, 400u);
  auto utf8 = http_call(http_port(), http::verb::post, "/put/lobby/paul", "message=%ff%fe");
  EXPECT_EQ(utf8.status, 400u);
  EXPECT_EQ(utf8.parsed()["error"], "invalid utf-8");
  EXPECT_EQ(http_call(http_port(), http::verb::post, "/poll/nobody").status, 404u);
  c.send("/who");
  EXPECT_EQ(c.line(), "* in lobby: tina");  // nothing was published
}

TEST_F(ChatLongPoll, MembersExpireWithoutPolls) {
  start({.poll_expiry = 200ms});
  ASSERT_EQ(http_call(http_port(), http::verb::post, "/put/lobby/paul", "message=hi").status, 200u);
  EXPECT_EQ(stats()["members"]["lobby"], 1);
  this_fiber::sleep(600ms);
  EXPECT_EQ(stats()["members"]["lobby"], 0);
  EXPECT_EQ(stats()["disconnects"]["poll_expired"], 1);
  LineClient c(tcp_port());
  c.line();
  c.send("/nick paul");  // the nick is free again
  EXPECT_EQ(c.line(), "* you are paul");
}

TEST_F(ChatLongPoll, PutToAnotherRoomMovesTheMember) {
  start();
  http_call(http_port(), http::verb::post, "/put/one/paul", "message=a");
  http_call(http_port(), http::verb::post, "/put/two/paul", "message=b");
  EXPECT_EQ(stats()["members"]["one"], 0);
  EXPECT_EQ(stats()["members"]["two"], 1);
}

}  // namespace
