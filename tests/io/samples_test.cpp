// samples_test.cpp — the green I/O samples run end to end: grove-telnet,
// grove-echo, grove-zmq-reqrep and grove-fetch, started as processes and
// talked to over 127.0.0.1.
#include <grove/fiber.hpp>
#include <grove/stream_server.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait_fd.hpp>

#include "io_test_support.hpp"

#include <csignal>
#include <string>
#include <vector>

using namespace grove;
using namespace grove::test;

#ifdef GROVE_ECHO_BIN
namespace {

// Child is a sample started with its stdout and stderr on one pipe.
struct Child {
  pid_t pid = -1;
  int out = -1;

  Child(const char* bin, std::vector<std::string> args) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> argv{const_cast<char*>(bin)};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin, argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out = fds[0];
  }
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (out >= 0) ::close(out);
  }
  // read_until(stop, timeout) reads output (parking only this fiber) until
  // it contains stop, the pipe ends, or the time is up.
  std::string read_until(const std::string& stop, Duration timeout) {
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until && (stop.empty() || text.find(stop) == std::string::npos)) {
      if (!wait_readable(out, until - Clock::now())) break;
      char buf[1024];
      ssize_t n = ::read(out, buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    return text;
  }
  std::uint16_t listening_port() {
    read_until("\n", 2s);
    auto colon = text.find(':');
    auto nl = text.find('\n');
    if (colon == std::string::npos || nl == std::string::npos) return 0;
    return static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1, nl - colon - 1)));
  }
  // wait_exit() is the exit status (-1 if it did not exit in time).
  int wait_exit(Duration timeout) {
    const auto until = Clock::now() + timeout;
    int status = 0;
    while (Clock::now() < until) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      this_fiber::sleep(2ms);
    }
    return -1;
  }
  std::string text;
};

class SamplesTest : public HubTest {};

TEST_F(SamplesTest, TelnetGreetsCountsAndCloses) {
  Child telnet(GROVE_TELNET_BIN, {"--port", "0"});
  const auto port = telnet.listening_port();
  ASSERT_NE(port, 0) << telnet.text;
  for (int client = 0; client < 2; ++client) {
    auto sock = TcpSocket::connect("127.0.0.1", port, 1s);
    sock.set_timeout(1s);
    std::string all;
    for (std::string chunk; !(chunk = sock.recv()).empty();) all += chunk;
    EXPECT_EQ(all, "Hello from a telnet!\n0\n1\n2\n3\n4\n");
  }
  ::kill(telnet.pid, SIGTERM);
  EXPECT_EQ(telnet.wait_exit(1s), 0);
}

TEST_F(SamplesTest, EchoEchoesUntilSigterm) {
  Child echo(GROVE_ECHO_BIN, {"--port", "0"});
  const auto port = echo.listening_port();
  ASSERT_NE(port, 0) << echo.text;
  std::vector<Fiber<bool>> clients;
  for (int c = 0; c < 10; ++c)
    clients.push_back(spawn([port, c] {
      auto sock = TcpSocket::connect("127.0.0.1", port, 1s);
      sock.set_timeout(1s);
      for (int i = 0; i < 50; ++i) {
        const std::string msg(64, static_cast<char>('a' + (c + i) % 26));
        sock.send_all(msg);
        if (sock.read_exactly(msg.size()) != msg) return false;
      }
      return true;
    }));
  for (auto& c : clients) EXPECT_TRUE(c.get());
  ::kill(echo.pid, SIGTERM);
  EXPECT_EQ(echo.wait_exit(2s), 0);
}

std::string expected_reqrep() {
  std::string out;
  for (int n = 1; n <= 9; ++n)
    out += "Switched to Server for " + std::to_string(n) + "\nSwitched to Client for " + std::to_string(n) + "\n";
  return out;
}

TEST_F(SamplesTest, ZmqReqRepAlternatesInOrder) {
  Child inproc(GROVE_ZMQ_REQREP_BIN, {});
  inproc.read_until("", 2s);
  EXPECT_EQ(inproc.wait_exit(1s), 0);
  EXPECT_EQ(inproc.text, expected_reqrep());
  Child tcp(GROVE_ZMQ_REQREP_BIN, {"tcp://127.0.0.1:" + std::to_string(free_port())});
  tcp.read_until("", 2s);
  EXPECT_EQ(tcp.wait_exit(1s), 0);
  EXPECT_EQ(tcp.text, expected_reqrep());
}

// A tiny HTTP/1.1 server for grove-fetch: /slow answers after 300 ms,
// /hang never answers, anything else at once.
void http_handler(Stream& s) {
  std::string request_line = s.read_line(8192);
  while (s.read_line(8192) != "\r\n") {
  }
  std::string path = request_line.substr(4, request_line.find(' ', 4) - 4);
  if (path == "/hang") this_fiber::sleep(10s);
  if (path == "/slow") this_fiber::sleep(300ms);
  std::string body = "body of " + path;
  s.send_all("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\nConnection: close\r\n\r\n" + body);
}

TEST_F(SamplesTest, FetchGetsSeveralUrlsConcurrently) {
  StreamServer server(tcp_endpoint("127.0.0.1", 0), http_handler);
  server.start();
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  Child fetch(GROVE_FETCH_BIN, {base + "/slow", base + "/a", "http://localhost:" + std::to_string(server.port()) + "/b"});
  fetch.read_until("", 2s);
  EXPECT_EQ(fetch.wait_exit(1s), 0) << fetch.text;
  const auto slow = fetch.text.find(base + "/slow 200 " + std::to_string(std::string("body of /slow").size()));
  const auto a = fetch.text.find(base + "/a 200 10");
  const auto b = fetch.text.find("/b 200 10");
  ASSERT_NE(slow, std::string::npos) << fetch.text;
  ASSERT_NE(a, std::string::npos) << fetch.text;
  ASSERT_NE(b, std::string::npos) << fetch.text;
  EXPECT_LT(a, slow);  // concurrent: the quick ones finish first
  EXPECT_LT(b, slow);
  server.stop(0ms);
}

TEST_F(SamplesTest, FetchReportsFailuresAndTimeouts) {
  StreamServer server(tcp_endpoint("127.0.0.1", 0), http_handler);
  server.start();
  const std::string refused = "http://127.0.0.1:" + std::to_string(free_port()) + "/x";
  const std::string hang = "http://127.0.0.1:" + std::to_string(server.port()) + "/hang";
  Child fetch(GROVE_FETCH_BIN, {"--timeout", "0.2", refused, hang});
  fetch.read_until("", 2s);
  EXPECT_EQ(fetch.wait_exit(1s), 1);
  EXPECT_NE(fetch.text.find(refused + " error: "), std::string::npos) << fetch.text;
  EXPECT_NE(fetch.text.find(hang + " error: timed out"), std::string::npos) << fetch.text;
  server.stop(0ms);
}

}  // namespace
#endif
