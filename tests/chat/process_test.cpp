// process_test.cpp — the grove-chat program: started as a process on port
// 0, it prints where it listens, serves, and drains on SIGTERM, exiting 0
// within 5 s.
#include "chat_test_support.hpp"

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait_fd.hpp>

#include <csignal>
#include <regex>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace grove;
using namespace grove::chat::test;

namespace {

class ChatProcess : public ChatTest {};

// Child is grove-chat with stdout and stderr on one pipe.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> argv{const_cast<char*>(GROVE_CHAT_BIN)};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(GROVE_CHAT_BIN, argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
  }
  // read_until(pattern) reads output until it matches (or kWait passes).
  bool read_until(const std::regex& pattern, std::smatch& match) {
    const auto until = Clock::now() + kWait;
    while (!std::regex_search(text_, match, pattern)) {
      if (Clock::now() >= until || !wait_readable(out_, until - Clock::now())) return false;
      char buf[1024];
      ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return false;
      text_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  void signal(int signo) { ::kill(pid_, signo); }
  // wait_exit(timeout) is the exit code, or -1 if it is still running.
  int wait_exit(Duration timeout) {
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      this_fiber::sleep(10ms);
    }
    return -1;
  }
  const std::string& output() const { return text_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string text_;
};

std::uint16_t listening_port(Child& child, const char* kind) {
  std::smatch m;
  const std::regex line(std::string("grove-chat: ") + kind + " listening on 127\\.0\\.0\\.1:([0-9]+)\n");
  if (!child.read_until(line, m)) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1].str()));
}

TEST_F(ChatProcess, ServesAllProtocolsAndDrainsOnSigterm) {
  Child child({"--host", "127.0.0.1", "--port", "0", "--http-port", "0", "--backlog", "5", "--log-level", "warn"});
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

TEST_F(ChatProcess, SigintAlsoExitsZero) {
  Child child({"--port", "0", "--http-port", "0"});
  ASSERT_NE(listening_port(child, "tcp"), 0) << child.output();
  ASSERT_NE(listening_port(child, "http"), 0) << child.output();
  child.signal(SIGINT);
  EXPECT_EQ(child.wait_exit(6s), 0) << child.output();
}

TEST_F(ChatProcess, BadArgumentsExitTwo) {
  Child child({"--port", "not-a-port"});
  EXPECT_EQ(child.wait_exit(5s), 2);
}

}  // namespace
