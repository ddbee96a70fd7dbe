// http_limits_test.cpp — connection-level limits (issue 19, items 4 and
// 5): an HTTP client that pipelines requests and never reads is dropped
// after write_timeout; connections past max_connections are refused with a
// message; the TCP idle timeout defaults to 60 s.
#include <grove/chat/chat_server.hpp>

#include "chat_test_support.hpp"

#include <grove/this_fiber.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

using namespace grove;
using namespace grove::chat;
using namespace grove::chat::test;

namespace {

class ChatConnectionLimits : public ChatTest {
 protected:
  int disconnects(const char* reason) { return stats()["disconnects"].value(reason, 0); }
  int open(const char* kind) { return stats()["connections"][kind].get<int>(); }
};

// raw_client(port, rcvbuf) is a plain socket with a small receive buffer,
// for a client that never reads.
int raw_client(std::uint16_t port, int rcvbuf) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Issue 19, item 4: the session used to block in http::write forever.
TEST_F(ChatConnectionLimits, HttpClientThatNeverReadsIsDroppedAfterTheWriteTimeout) {
  on_accept = [](Stream& s) {
    if (auto* t = dynamic_cast<TcpSocket*>(&s)) {
      int size = 16 * 1024;
      ::setsockopt(t->native_handle(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
  };
  start({.write_timeout = 300ms});
  const int fd = raw_client(http_port(), 4096);
  ASSERT_GE(fd, 0);
  std::string requests;
  for (int i = 0; i < 100; ++i) requests += "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";  // 100 pages: > 1 MB
  ASSERT_EQ(::send(fd, requests.data(), requests.size(), 0), static_cast<ssize_t>(requests.size()));
  EXPECT_TRUE(wait_until([&] { return disconnects("http_write_timeout") == 1; }, 3s)) << stats().dump();
  EXPECT_EQ(open("http"), 0);
  EXPECT_EQ(http_call(http_port(), http::verb::get, "/stats").status, 200u);
  ::close(fd);
}

// The long-poll answer goes through the same bounded write: a poller that
// never reads its answers is dropped too.
TEST_F(ChatConnectionLimits, LongPollClientThatNeverReadsIsDroppedAfterTheWriteTimeout) {
  on_accept = [](Stream& s) {
    if (auto* t = dynamic_cast<TcpSocket*>(&s)) {
      int size = 16 * 1024;
      ::setsockopt(t->native_handle(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
  };
  start({.write_timeout = 300ms});
  const std::string text(4000, 'm');
  ASSERT_EQ(http_call(http_port(), http::verb::post, "/put/lobby/poller", "message=" + text).status, 200u);
  const int fd = raw_client(http_port(), 4096);
  ASSERT_GE(fd, 0);
  // Each put answers its 4 KB message: 400 of them are 1.6 MB.
  std::string put = "POST /put/lobby/poller HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    "Content-Length: " + std::to_string(text.size() + 8) + "\r\n\r\nmessage=" + text;
  for (int i = 0; i < 400; ++i)  // until the server stops reading and the socket is full
    if (::send(fd, put.data(), put.size(), MSG_DONTWAIT) != static_cast<ssize_t>(put.size())) break;
  EXPECT_TRUE(wait_until([&] { return disconnects("http_write_timeout") == 1; }, 3s)) << stats().dump();
  EXPECT_EQ(open("http"), 0);
  ::close(fd);
}

// Issue 19, item 5: max_connections was 0 (no cap) in main.cpp.
TEST_F(ChatConnectionLimits, ConnectionsPastTheCapAreRefused) {
  start({.max_connections = 3});
  LineClient a(tcp_port()), b(tcp_port());
  a.login("a", "lobby");
  b.login("b", "lobby");
  WsClient w(http_port());
  w.login("w", "lobby");
  LineClient late(tcp_port());
  EXPECT_EQ(late.line(), "! server full, try again later");
  EXPECT_TRUE(late.closed());
  EXPECT_EQ(http_call(http_port(), http::verb::get, "/stats").status, 503u);
  EXPECT_EQ(disconnects("server_full"), 2);
  a.send("/quit");
  EXPECT_EQ(a.line(), "* bye");
  EXPECT_TRUE(wait_until([&] { return open("tcp") == 1; }));
  LineClient next(tcp_port());  // room again
  next.login("next", "lobby");
}

TEST_F(ChatConnectionLimits, TcpIdleTimeoutDefaultsToSixtySeconds) {
  EXPECT_EQ(ChatConfig{}.idle_timeout, Duration(60s));  // nginx's default; it was 300 s
  EXPECT_GT(ChatConfig{}.max_connections, 0u);
}

}  // namespace
