#pragma once
// chat_process_support.hpp — grove-chat started as a child process (Child)
// for the process suites: stdout and stderr on one pipe, killed if still
// running when the Child is destroyed.
#include "chat_test_support.hpp"

#include <grove/this_fiber.hpp>
#include <grove/wait_fd.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace grove::chat::test {

// Child is grove-chat with stdout and stderr on one pipe.
class Child {
 public:
  // Child(args, nofile): nofile > 0 runs it with RLIMIT_NOFILE = nofile
  // (soft and hard), as `ulimit -n` would.
  explicit Child(std::vector<std::string> args, rlim_t nofile = 0) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      if (nofile > 0) {
        rlimit lim{nofile, nofile};
        ::setrlimit(RLIMIT_NOFILE, &lim);
      }
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);  // the test's sockets stay with the test
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

inline std::uint16_t listening_port(Child& child, const char* kind) {
  std::smatch m;
  const std::regex line(std::string("grove-chat: ") + kind + " listening on 127\\.0\\.0\\.1:([0-9]+)\n");
  if (!child.read_until(line, m)) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1].str()));
}

}  // namespace grove::chat::test
