// wait_fd_test.cpp — wait_readable/wait_writable on descriptors the test
// owns (pipes, loopback TCP), which grove must watch without taking, and on
// the descriptor of a grove socket, which its own Asio object watches too.
#include <grove/wait_fd.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/io_error.hpp>
#include <grove/iwait.hpp>
#include <grove/tcp_listener.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "io_test_support.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

using namespace grove;
using namespace grove::test;

namespace {

// lowest_free_fd() is the number the next open() gets: it moves if a
// descriptor leaks.
int lowest_free_fd() {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::close(fd);
  return fd;
}

class WaitFdTest : public HubTest {
 protected:
  void SetUp() override {
    HubTest::SetUp();
    ASSERT_EQ(::pipe(fds), 0);
  }
  void TearDown() override {
    ::close(fds[0]);
    ::close(fds[1]);
    HubTest::TearDown();
  }
  int fds[2] = {-1, -1};
};

TEST_F(WaitFdTest, ReadableWhenWritten) {
  auto writer = spawn([&] {
    this_fiber::sleep(10ms);
    EXPECT_EQ(::write(fds[1], "x", 1), 1);
  });
  const auto t0 = Clock::now();
  wait_readable(fds[0]);
  EXPECT_GE(since(t0), 9ms);
  char c;
  EXPECT_EQ(::read(fds[0], &c, 1), 1);
  writer.join();
  // The descriptor still belongs to us: it was not closed.
  EXPECT_NE(::fcntl(fds[0], F_GETFD), -1);
}

TEST_F(WaitFdTest, WritableAtOnceAndTimeouts) {
  wait_writable(fds[1]);
  EXPECT_FALSE(wait_readable(fds[0], 20ms));
  EXPECT_THROW(
      {
        Timeout t(20ms);
        wait_readable(fds[0]);
      },
      Timeout);
  EXPECT_TRUE(wait_writable(fds[1], 20ms));
}

TEST_F(WaitFdTest, SeveralWaitersOnOneDescriptorAndAKill) {
  int woken = 0;
  auto a = spawn([&] {
    wait_readable(fds[0]);
    ++woken;
  });
  auto b = spawn([&] {
    wait_readable(fds[0]);
    ++woken;
  });
  auto c = spawn([&] { wait_readable(fds[0]); });
  this_fiber::sleep(5ms);
  c.kill();  // cancels the shared watch: the others must keep waiting
  this_fiber::sleep(5ms);
  EXPECT_EQ(woken, 0);
  EXPECT_EQ(::write(fds[1], "y", 1), 1);
  a.join();
  b.join();
  EXPECT_EQ(woken, 2);
}

// The owner's blocking descriptors stay blocking: O_NONBLOCK is a flag of
// the open file, shared with every holder (a shell's terminal, a pipe to a
// parent process), and a wait must not change it.
TEST_F(WaitFdTest, AWaitLeavesTheDescriptorsFlagsAlone) {
  const int read_flags = ::fcntl(fds[0], F_GETFL);
  const int write_flags = ::fcntl(fds[1], F_GETFL);
  ASSERT_EQ(read_flags & O_NONBLOCK, 0);
  auto writer = spawn([&] {
    this_fiber::sleep(5ms);
    EXPECT_EQ(::fcntl(fds[0], F_GETFL), read_flags);  // while a fiber waits on it
    EXPECT_EQ(::write(fds[1], "z", 1), 1);
  });
  wait_readable(fds[0]);
  wait_writable(fds[1]);
  {
    FdWatch in = FdWatch::readable(fds[0]);
    EXPECT_EQ(grove::wait({in}, 1s).size(), 1u);
  }
  writer.join();
  EXPECT_EQ(::fcntl(fds[0], F_GETFL), read_flags);
  EXPECT_EQ(::fcntl(fds[1], F_GETFL), write_flags);
  char c;
  EXPECT_EQ(::read(fds[0], &c, 1), 1);  // the byte is still there for its owner
}

// A reader is not woken by the descriptor's being writable (one watch per
// direction), and a writer does not wait for it to be readable.
TEST_F(WaitFdTest, ReadersAndWritersOfOneSocketAreWatchedApart) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  bool read_done = false;
  auto reader = spawn([&] {
    wait_readable(sv[0]);
    read_done = true;
  });
  this_fiber::sleep(2ms);
  EXPECT_TRUE(wait_writable(sv[0], 100ms));  // writable at once while the reader waits
  this_fiber::sleep(5ms);
  EXPECT_FALSE(read_done);
  EXPECT_EQ(::write(sv[1], "r", 1), 1);
  reader.join();
  EXPECT_TRUE(read_done);
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST_F(WaitFdTest, BadDescriptors) {
  boost::system::error_code ec;
  wait_readable(-1, ec);
  EXPECT_TRUE(ec);
  EXPECT_THROW(wait_readable(-1), IoError);
}

// ------------------------------------------------- FdWatch: a waitable fd

TEST_F(WaitFdTest, FdWatchIsReadyWhenWrittenAmongOtherWaitables) {
  Event stop;
  FdWatch in = FdWatch::readable(fds[0]);
  EXPECT_FALSE(in.ready());
  auto writer = spawn([&] {
    this_fiber::sleep(10ms);
    EXPECT_EQ(::write(fds[1], "x", 1), 1);
  });
  auto ready = grove::wait({in, stop}, 5s, 1);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_TRUE(ready[0].is(in));
  EXPECT_TRUE(in.ready());
  EXPECT_FALSE(in.error());
  char c = 0;
  EXPECT_EQ(::read(fds[0], &c, 1), 1);  // the wait took nothing
  writer.join();
}

TEST_F(WaitFdTest, FdWatchTimesOutAndStopsWatchingWhenDestroyed) {
  {
    FdWatch in = FdWatch::readable(fds[0]);
    EXPECT_TRUE(grove::wait({in}, 20ms).empty());
  }
  // The descriptor is still the test's, and a plain wait on it still works.
  EXPECT_FALSE(wait_readable(fds[0], 10ms));
  EXPECT_EQ(::write(fds[1], "y", 1), 1);
  EXPECT_TRUE(wait_readable(fds[0], 1s));
}

// Regression: a destroyed FdWatch used to keep its table entry until its
// aborted handler ran; a descriptor closed at once and reopened under the
// same number then attached to the dead registration and never woke.
TEST_F(WaitFdTest, AClosedAndReusedNumberIsWatchedAfresh) {
  int p[2] = {-1, -1};
  ASSERT_EQ(::pipe(p), 0);
  {
    FdWatch in = FdWatch::readable(p[0]);
    EXPECT_TRUE(grove::wait({in}, 5ms).empty());
  }
  const int number = p[0];
  ::close(p[0]);
  ::close(p[1]);
  int q[2] = {-1, -1};
  ASSERT_EQ(::pipe(q), 0);
  ASSERT_EQ(q[0], number);  // the lowest free number comes back
  EXPECT_EQ(::write(q[1], "r", 1), 1);
  EXPECT_TRUE(wait_readable(q[0], 2s));
  FdWatch again = FdWatch::readable(q[0]);
  EXPECT_EQ(grove::wait({again}, 2s).size(), 1U);
  ::close(q[0]);
  ::close(q[1]);
}

TEST_F(WaitFdTest, WritableFdWatchAndIwait) {
  FdWatch out = FdWatch::writable(fds[1]);
  FdWatch in = FdWatch::readable(fds[0]);
  std::vector<int> order;
  for (const WaitableRef& r : grove::iwait({in, out}, 2s)) {
    order.push_back(r.is(out) ? 1 : 0);
    if (r.is(out)) {
      EXPECT_EQ(::write(fds[1], "z", 1), 1);
    }
  }
  EXPECT_EQ(order, (std::vector<int>{1, 0}));
}

TEST_F(WaitFdTest, FdWatchOnARegularFileIsReadyWithAnError) {
  int fd = ::open("/proc/self/exe", O_RDONLY);
  ASSERT_GE(fd, 0);
  FdWatch w = FdWatch::readable(fd);
  auto ready = grove::wait({w}, 1s);
  ::close(fd);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_TRUE(w.error());
  FdWatch moved = std::move(w);
  EXPECT_THROW((void)grove::wait({w}, 1s), UsageError);  // NOLINT(bugprone-use-after-move): the misuse under test
}

// ------------------------------------------- loopback TCP descriptors

// The descriptor of a grove TcpSocket is registered with the hub's reactor
// by the socket itself; wait_readable on it must still report the data the
// peer sent (it used to return false at once: the second registration of
// the fd failed with EEXIST and the error read as "not ready").
TEST_F(WaitFdTest, ReadableOnAGroveTcpSocketsDescriptor) {
  TcpListener listener(tcp_endpoint("127.0.0.1", 0));
  auto client = TcpSocket::connect(listener.local_endpoint(), 5s);
  auto server = listener.accept();
  const int next_fd = lowest_free_fd();
  auto writer = spawn([&] {
    this_fiber::sleep(10ms);
    client.send_all("ping");
  });
  const auto t0 = Clock::now();
  EXPECT_TRUE(wait_readable(server.native_handle(), 5s)) << "the peer's data was not seen";
  EXPECT_GE(since(t0), 9ms) << "returned before the peer sent anything";
  writer.join();
  EXPECT_TRUE(wait_readable(server.native_handle(), 5s)) << "data already there: ready at once";
  boost::system::error_code ec;
  wait_readable(server.native_handle(), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(wait_writable(client.native_handle(), 5s));
  EXPECT_EQ(server.recv(), "ping");  // the wait took nothing
  // Nothing more to read: a bounded wait times out, and the socket's own
  // reactor registration still parks and wakes the socket's calls.
  EXPECT_FALSE(wait_readable(server.native_handle(), 20ms));
  auto late = spawn([&] {
    this_fiber::sleep(10ms);
    client.send_all("pong");
  });
  EXPECT_EQ(server.recv(), "pong");
  late.join();
  FdWatch in = FdWatch::readable(server.native_handle());
  client.send_all("!");
  auto ready = grove::wait({in}, 5s);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_FALSE(in.error()) << in.error().message();
  EXPECT_EQ(server.recv(), "!");
  EXPECT_EQ(lowest_free_fd(), next_fd) << "a descriptor the waits opened was left open";
}

// A plain (not grove) TCP descriptor from a blocking connect.
TEST_F(WaitFdTest, ReadableOnAPlainTcpDescriptor) {
  TcpListener listener(tcp_endpoint("127.0.0.1", 0));
  const int fd = raw_connect(listener.local_endpoint().port());
  ASSERT_GE(fd, 0);
  auto server = listener.accept();
  EXPECT_FALSE(wait_readable(fd, 20ms));
  auto writer = spawn([&] {
    this_fiber::sleep(10ms);
    server.send_all("hello");
  });
  EXPECT_TRUE(wait_readable(fd, 5s));
  char buf[8] = {};
  EXPECT_EQ(::read(fd, buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "hello");
  writer.join();
  ::close(fd);
}

}  // namespace
