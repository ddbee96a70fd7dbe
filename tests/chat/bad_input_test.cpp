// bad_input_test.cpp — bad input gets a clear error and loses nothing, and
// the server stays up: slowloris, oversized line/head, invalid UTF-8, a
// client that never reads, abrupt disconnects, 1,000 connections dropped.
#include <grove/chat/chat_server.hpp>
#include <grove/detail/sanitizer.hpp>

#include "chat_test_support.hpp"

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace grove;
using namespace grove::chat;
using namespace grove::chat::test;

namespace {

#if defined(GROVE_ASAN)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

class ChatBadInput : public ChatTest {};

// rss_bytes() is this process's resident set size.
std::size_t rss_bytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

TEST_F(ChatBadInput, SlowlorisHeadIsClosedAndOthersAreServed) {
  start({.head_timeout = 300ms});
  std::vector<Fiber<bool>> lorises;
  for (int i = 0; i < 20; ++i)
    lorises.push_back(spawn([this] {
      auto sock = TcpSocket::connect("127.0.0.1", http_port(), kWait);
      sock.send_all("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      boost::system::error_code ec;
      for (int n = 0; n < 40 && !ec; ++n) {  // one header byte every 50 ms, for at most 2 s
        this_fiber::sleep(50ms);
        sock.send_all("X", ec);
      }
      // The server answered 408 and closed, or reset: either way it is gone.
      sock.set_timeout(kWait);
      std::string rest;
      while (!ec) {
        auto got = sock.recv(4096, ec);
        if (got.empty()) break;
        rest += got;
      }
      return rest.empty() || rest.rfind("HTTP/1.1 408", 0) == 0;
    }));
  this_fiber::sleep(100ms);
  const auto t0 = Clock::now();
  EXPECT_EQ(http_call(http_port(), http::verb::get, "/stats").status, 200u);  // served meanwhile
  EXPECT_LT(Clock::now() - t0, 1s);
  for (auto& f : lorises) EXPECT_TRUE(f.get());
  EXPECT_EQ(stats()["disconnects"]["head_timeout"], 20);
}

TEST_F(ChatBadInput, OversizedLineIsRefusedAndClosed) {
  start();
  LineClient ok(tcp_port());
  ok.login("fits", "lobby");
  const std::string longest(4096, 'a');
  ok.send(longest);  // exactly 4096 bytes: a message
  EXPECT_EQ(ok.line(), "[lobby] fits: " + longest);
  ok.send_raw(longest + "\r\n");
  EXPECT_EQ(ok.line(), "[lobby] fits: " + longest);

  LineClient big(tcp_port());
  big.login("toolong", "elsewhere");
  big.send(std::string(4097, 'b'));
  EXPECT_EQ(big.line(), "! line too long");
  EXPECT_TRUE(big.closed());

  LineClient endless(tcp_port());  // no newline at all
  endless.line();
  endless.send_raw(std::string(100000, 'c'));
  EXPECT_EQ(endless.line(), "! line too long");
  EXPECT_TRUE(endless.closed());

  ok.send("/who");
  EXPECT_EQ(ok.line(), "* in lobby: fits");  // nothing of the long lines was published
  EXPECT_EQ(stats()["disconnects"]["line_too_long"], 2);
}

TEST_F(ChatBadInput, OversizedRequestHeadIsRefused) {
  start();
  auto sock = TcpSocket::connect("127.0.0.1", http_port(), kWait);
  sock.set_timeout(kWait);
  http::request<http::empty_body> req{http::verb::get, "/stats", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set("X-Padding", std::string(9000, 'p'));
  boost::system::error_code ec;
  http::write(sock, req, ec);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(sock, buffer, res, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(res.result_int() == 431u || res.result_int() == 400u) << res.result_int();
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(http_call(http_port(), http::verb::get, "/stats").status, 200u);
  EXPECT_EQ(stats()["disconnects"]["head_too_large"], 1);
}

TEST_F(ChatBadInput, InvalidUtf8LineIsDroppedAndTheConnectionKept) {
  start();
  LineClient a(tcp_port()), b(tcp_port());
  a.login("alice", "lobby");
  b.login("bob", "lobby");
  for (const char* bad : {"\xff\xfe", "caf\xc3", "\xc0\xaf overlong", "\xed\xa0\x80 surrogate",
                          "\xf4\x90\x80\x80 too big", "/nick \xff"}) {
    a.send(bad);
    EXPECT_EQ(a.line(), "! invalid utf-8") << bad;
  }
  a.send("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");  // valid: é € 😀
  EXPECT_EQ(a.line(), "[lobby] alice: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(b.line(), "[lobby] alice: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");  // and nothing before it
}

// A client that never reads while 100 others chat: the room never waits
// for it, the others' round trips stay short, and once it has more than
// 1 MiB unsent it is disconnected and counted.
TEST_F(ChatBadInput, NeverReadingClientDoesNotSlowTheOthers) {
  on_accept = [](Stream& s) {  // small kernel buffers, so our own queue is what fills up
    if (auto* t = dynamic_cast<TcpSocket*>(&s)) {
      int size = 16 * 1024;
      ::setsockopt(t->native_handle(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
  };
  start();
  // The lazy client: a plain socket with a tiny receive buffer, never read.
  int lazy = ::socket(AF_INET, SOCK_STREAM, 0);
  int size = 4096;
  ::setsockopt(lazy, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(tcp_port());
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(lazy, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  const std::string hello = "/nick lazy\n/join lobby\n";
  ASSERT_EQ(::send(lazy, hello.data(), hello.size(), 0), static_cast<ssize_t>(hello.size()));

  constexpr int kOthers = 100;
  std::vector<std::unique_ptr<LineClient>> others;
  for (int i = 0; i < kOthers; ++i) {
    others.push_back(std::make_unique<LineClient>(tcp_port()));
    others.back()->login("user" + std::to_string(i), "lobby");
  }
  // The flood: 300 lines of 4 KB (1.2 MB) said while everyone but lazy reads.
  const std::string big(4000, 'f');
  constexpr int kFlood = 300;
  std::vector<Fiber<>> readers;
  for (int i = 0; i < kOthers; ++i)
    readers.push_back(spawn([&, i] {
      for (int n = 0; n < kFlood; ++n)
        ASSERT_EQ(others[i]->line().size(), big.size() + 15);  // "[lobby] user0: " + text
    }));
  const auto flood_start = Clock::now();
  for (int n = 0; n < kFlood; ++n) others[0]->send(big);
  joinall(readers);
  const Duration flood = Clock::now() - flood_start;
  EXPECT_LT(flood, kSanitized ? 40s : 10s);

  // Round trips of the others now: each says a line and waits for its echo.
  Duration worst{};
  std::vector<Fiber<Duration>> rtts;
  for (int i = 0; i < kOthers; ++i)
    rtts.push_back(spawn([&, i]() -> Duration {
      Duration w{};
      for (int n = 0; n < 3; ++n) {
        const auto t0 = Clock::now();
        others[i]->send("ping " + std::to_string(n));
        for (;;) {  // skip the others' pings
          std::string l = others[i]->line();
          if (l == "[lobby] user" + std::to_string(i) + ": ping " + std::to_string(n)) break;
        }
        w = std::max(w, Clock::now() - t0);
      }
      return w;
    }));
  for (auto& f : rtts) worst = std::max(worst, f.get());
  EXPECT_LT(worst, kSanitized ? 10s : 2s);

  json s = stats();
  EXPECT_EQ(s["disconnects"]["slow_consumer"], 1);
  EXPECT_EQ(s["members"]["lobby"], kOthers);
  ::close(lazy);
}

TEST_F(ChatBadInput, AbruptDisconnectsLeaveNothingBehind) {
  start({.poll_timeout = 2s});
  for (int round = 0; round < 5; ++round) {
    {
      LineClient t(tcp_port());
      t.login("t" + std::to_string(round), "lobby");
      t.send_raw("half a li");  // then reset, mid-line
      linger l{1, 0};
      ::setsockopt(t.socket().native_handle(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    {
      WsClient w(http_port());
      w.login("w" + std::to_string(round), "lobby");
      w.socket().close();  // no close frame
    }
    ASSERT_EQ(http_call(http_port(), http::verb::post, "/put/polls/p" + std::to_string(round), "message=hi").status,
              200u);
    auto poll = spawn([&, round] {
      auto sock = TcpSocket::connect("127.0.0.1", http_port(), kWait);
      sock.send_all("POST /poll/p" + std::to_string(round) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
      this_fiber::sleep(10ms);  // the poll is waiting: hang up on it
    });
    poll.join();
  }
  this_fiber::sleep(100ms);
  json s = stats();
  EXPECT_EQ(s["connections"]["tcp"], 0);
  EXPECT_EQ(s["connections"]["websocket"], 0);
  LineClient c(tcp_port());
  c.login("survivor", "lobby");
  c.send("/who");
  std::string who = c.line();
  EXPECT_EQ(who.find(" t"), std::string::npos) << who;  // no TCP or WebSocket ghosts
  EXPECT_EQ(who.find(" w"), std::string::npos) << who;
  c.send("still here");
  EXPECT_EQ(c.line(), "[lobby] survivor: still here");
}

// 1,000 connections opened and dropped, several times: the server keeps
// serving and its memory stays flat.
TEST_F(ChatBadInput, ThousandConnectionsOpenedAndDroppedKeepMemoryFlat) {
  start();
  auto round = [this] {
    for (int batch = 0; batch < 5; ++batch) {
      std::vector<Fiber<>> clients;
      for (int i = 0; i < 200; ++i)
        clients.push_back(spawn([this, i] {
          LineClient c(tcp_port());
          c.line();
          if (i % 2 == 0) {
            c.send("/nick n" + std::to_string(i));
            c.line();
            c.send("/join churn");
            c.line();
          }
        }));  // dropped without /quit
      joinall(clients);
    }
  };
  round();  // warm up: pools, buffers, the room
  this_fiber::sleep(50ms);
  const std::size_t before = rss_bytes();
  for (int i = 0; i < 3; ++i) round();
  this_fiber::sleep(50ms);
  const std::size_t after = rss_bytes();
  const std::size_t growth = after > before ? after - before : 0;
  std::printf("RSS %zu KiB -> %zu KiB after 3,000 more connections\n", before / 1024, after / 1024);
  EXPECT_LT(growth, (kSanitized ? 256u : 16u) << 20);  // ASan's quarantine holds freed memory
  EXPECT_EQ(stats()["connections"]["tcp"], 0);
  EXPECT_EQ(stats()["members"]["churn"], 0);
  LineClient c(tcp_port());
  c.login("after", "churn");
  c.send("served");
  EXPECT_EQ(c.line(), "[churn] after: served");
}

}  // namespace
