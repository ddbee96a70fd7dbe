// read_write_test.cpp — the hooked read, write, readv and writev from
// fibers: on sockets (the socket path) and on pipes and files (poll, then
// the real call; the descriptor's flags never change), each with proof
// that the hub ran other fibers meanwhile (docs/hook.md).

#include "hook_test_support.hpp"

#include <hub_fixture.hpp>

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::test::Pair;
using grove::test::Ticker;

class HookReadWrite : public grove::test::HubTest {};

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

TEST_F(HookReadWrite, ReadAndWriteOnASocket) {
  Pair p;
  Ticker ticker;
  auto reader = grove::spawn([&] {
    char buf[8] = {};
    const ssize_t n = ::read(p.a, buf, sizeof buf);
    return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
  });
  grove::this_fiber::sleep(20ms);
  EXPECT_EQ(::write(p.b, "sock", 4), 4);
  EXPECT_EQ(reader.get(), "sock");
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
}

TEST_F(HookReadWrite, ReadvAndWritevOnASocket) {
  Pair p;
  auto reader = grove::spawn([&] {
    char x[2] = {}, y[2] = {};
    iovec iov[2] = {{x, 2}, {y, 2}};
    const ssize_t n = ::readv(p.a, iov, 2);
    return n == 4 ? std::string(x, 2) + std::string(y, 2) : std::string("short");
  });
  grove::this_fiber::sleep(10ms);
  iovec out[2] = {{const_cast<char*>("ab"), 2}, {const_cast<char*>("cd"), 2}};
  EXPECT_EQ(::writev(p.b, out, 2), 4);
  EXPECT_EQ(reader.get(), "abcd");
}

TEST_F(HookReadWrite, ReadFromAPipeParksWithoutTouchingItsFlags) {
  Pipe pipe;
  Ticker ticker;
  auto reader = grove::spawn([&] {
    char buf[8] = {};
    const ssize_t n = ::read(pipe.r, buf, sizeof buf);
    return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
  });
  grove::this_fiber::sleep(20ms);
  EXPECT_FALSE(grove::test::nonblocking(pipe.r));
  EXPECT_EQ(::write(pipe.w, "pipe", 4), 4);
  EXPECT_EQ(reader.get(), "pipe");
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
  EXPECT_FALSE(grove::test::nonblocking(pipe.r));
  EXPECT_FALSE(grove::test::nonblocking(pipe.w));
}

TEST_F(HookReadWrite, AWriteBiggerThanThePipeWaitsForTheReaderAndGoesWhole) {
  Pipe pipe;
  const std::vector<char> big(1 << 20, 'p');
  size_t received = 0;
  auto reader = grove::spawn([&] {
    grove::this_fiber::sleep(20ms);  // the writer fills the pipe first
    std::vector<char> buf(1 << 16);
    while (received < big.size()) {
      const ssize_t n = ::read(pipe.r, buf.data(), buf.size());
      if (n <= 0) break;
      received += static_cast<size_t>(n);
    }
  });
  EXPECT_EQ(::write(pipe.w, big.data(), big.size()), static_cast<ssize_t>(big.size()));
  reader.join();
  EXPECT_EQ(received, big.size());
}

TEST_F(HookReadWrite, ReadvAndWritevOnAPipe) {
  Pipe pipe;
  auto reader = grove::spawn([&] {
    char x[3] = {}, y[3] = {};
    iovec iov[2] = {{x, 3}, {y, 3}};
    const ssize_t n = ::readv(pipe.r, iov, 2);
    return n == 6 ? std::string(x, 3) + std::string(y, 3) : std::string("short");
  });
  grove::this_fiber::sleep(10ms);
  iovec out[2] = {{const_cast<char*>("123"), 3}, {const_cast<char*>("456"), 3}};
  EXPECT_EQ(::writev(pipe.w, out, 2), 6);
  EXPECT_EQ(reader.get(), "123456");
}

TEST_F(HookReadWrite, ARegularFileIsReadAndWrittenAsUsual) {
  char path[] = "/tmp/grove_hook_rw_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  auto f = grove::spawn([&] {
    const std::string text(100000, 'f');
    EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    EXPECT_EQ(::lseek(fd, 0, SEEK_SET), 0);
    std::string back(text.size(), '\0');
    EXPECT_EQ(::read(fd, back.data(), back.size()), static_cast<ssize_t>(back.size()));
    EXPECT_EQ(back, text);
  });
  f.join();
  ::close(fd);
  ::unlink(path);
}

TEST_F(HookReadWrite, EndOfStreamAndErrorsAreTheRealOnes) {
  Pipe pipe;
  ::close(pipe.w);
  pipe.w = -1;
  char c = 0;
  EXPECT_EQ(::read(pipe.r, &c, 1), 0);  // end of file
  errno = 0;
  EXPECT_EQ(::read(-1, &c, 1), -1);
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
