// sockets_test.cpp — the hooked socket calls (connect, accept, accept4,
// recv, recvfrom, recvmsg, send, sendto, sendmsg, SO_RCVTIMEO/SO_SNDTIMEO,
// a grove::Timeout inside a call) from fibers on real loopback sockets,
// each with proof that the hub ran other fibers meanwhile, and the plain
// behaviour outside a fiber (docs/hook.md).

#include "hook_test_support.hpp"

#include <grove/hook.hpp>
#include <grove/timeout.hpp>

#include <hub_fixture.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using grove::test::elapsed_ms;
using grove::test::Pair;
using grove::test::Ticker;

class HookSockets : public grove::test::HubTest {};

// A failing hook must not hang the suite: every blocking socket gives up
// after 5 s on its own.
void bounded(int fd) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

TEST_F(HookSockets, HookIsEnabled) { EXPECT_TRUE(grove::hook::enabled()); }

TEST_F(HookSockets, RecvParksTheFiberWhileTheHubRunsOthers) {
  Pair p;
  bounded(p.a);
  Ticker ticker;
  std::string got;
  auto reader = grove::spawn([&] {
    char buf[16] = {};
    const ssize_t n = ::recv(p.a, buf, sizeof buf, 0);
    if (n > 0) got.assign(buf, static_cast<size_t>(n));
  });
  // The writer runs only if the reader's recv left the hub free.
  auto writer = grove::spawn([&] {
    grove::this_fiber::sleep(30ms);
    EXPECT_EQ(::send(p.b, "ping", 4, 0), 4);
  });
  reader.join();
  writer.join();
  ticker.stop();
  EXPECT_EQ(got, "ping");
  EXPECT_GE(ticker.ticks(), 1);
  EXPECT_FALSE(grove::test::nonblocking(p.a)) << "the owner's flags were changed";
}

TEST_F(HookSockets, TwoBlockingRecvsFinishInOneDelayNotTwo) {
  Pair p1, p2;
  bounded(p1.a);
  bounded(p2.a);
  const auto t0 = std::chrono::steady_clock::now();
  auto read_one = [](int fd) {
    char c = 0;
    return ::recv(fd, &c, 1, 0);
  };
  auto r1 = grove::spawn(read_one, p1.a);
  auto r2 = grove::spawn(read_one, p2.a);
  auto w = grove::spawn([&] {
    grove::this_fiber::sleep(100ms);
    (void)::send(p1.b, "x", 1, 0);
    (void)::send(p2.b, "y", 1, 0);
  });
  EXPECT_EQ(r1.get(), 1);
  EXPECT_EQ(r2.get(), 1);
  w.join();
  EXPECT_LT(elapsed_ms(t0), 190.0);  // serially: 200 ms and more
}

TEST_F(HookSockets, AcceptAndConnectAreGreen) {
  const int l = grove::test::listen_loopback();
  bounded(l);
  const auto port = grove::test::port_of(l);
  Ticker ticker;
  int accepted = -1;
  auto server = grove::spawn([&] { accepted = ::accept(l, nullptr, nullptr); });
  auto client = grove::spawn([&] {
    grove::this_fiber::sleep(20ms);
    const int c = ::socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in a = grove::test::loopback(port);
    EXPECT_EQ(::connect(c, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
    EXPECT_FALSE(grove::test::nonblocking(c));
    ::close(c);
  });
  server.join();
  client.join();
  ticker.stop();
  EXPECT_GE(accepted, 0);
  EXPECT_GE(ticker.ticks(), 1);
  EXPECT_FALSE(grove::test::nonblocking(l));
  ::close(accepted);
  ::close(l);
}

TEST_F(HookSockets, ConnectToAClosedPortFailsWithTheRealError) {
  const int l = grove::test::listen_loopback();
  const auto port = grove::test::port_of(l);
  ::close(l);
  const int c = ::socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in a = grove::test::loopback(port);
  errno = 0;
  EXPECT_EQ(::connect(c, reinterpret_cast<const sockaddr*>(&a), sizeof a), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  ::close(c);
}

TEST_F(HookSockets, UdpRecvfromWaitsForADelayedSendto) {
  const int r = ::socket(AF_INET, SOCK_DGRAM, 0);
  bounded(r);
  sockaddr_in a = grove::test::loopback(0);
  ASSERT_EQ(::bind(r, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const auto port = grove::test::port_of(r);
  const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  Ticker ticker;
  auto sender = grove::spawn([&] {
    grove::this_fiber::sleep(20ms);
    const sockaddr_in to = grove::test::loopback(port);
    EXPECT_EQ(::sendto(s, "dgram", 5, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to), 5);
  });
  char buf[16] = {};
  sockaddr_in from{};
  socklen_t len = sizeof from;
  EXPECT_EQ(::recvfrom(r, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len), 5);
  EXPECT_EQ(std::string(buf, 5), "dgram");
  EXPECT_EQ(from.sin_family, AF_INET);
  sender.join();
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
  ::close(r);
  ::close(s);
}

TEST_F(HookSockets, RecvmsgAndSendmsgGatherAndScatter) {
  Pair p;
  bounded(p.a);
  auto reader = grove::spawn([&] {
    char x[3] = {}, y[3] = {};
    iovec iov[2] = {{x, 3}, {y, 3}};
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    size_t got = 0;
    while (got < 6) {
      const ssize_t n = ::recvmsg(p.a, &m, MSG_WAITALL);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    EXPECT_EQ(got, 6u);
    EXPECT_EQ(std::string(x, 3) + std::string(y, 3), "abcdef");
  });
  grove::this_fiber::sleep(10ms);
  iovec out[2] = {{const_cast<char*>("abc"), 3}, {const_cast<char*>("def"), 3}};
  msghdr m{};
  m.msg_iov = out;
  m.msg_iovlen = 2;
  EXPECT_EQ(::sendmsg(p.b, &m, 0), 6);
  reader.join();
}

TEST_F(HookSockets, ABlockingSendOfMoreThanTheSocketHoldsSendsItAll) {
  Pair p;
  bounded(p.b);
  // More than the two sockets' buffers hold (tcp_wmem + tcp_rmem): the
  // send must park until the reader has drained some.
  const std::vector<char> big(32 << 20, 'z');
  size_t received = 0;
  auto reader = grove::spawn([&] {
    std::vector<char> buf(65536);
    while (received < big.size()) {
      const ssize_t n = ::read(p.a, buf.data(), buf.size());
      if (n <= 0) break;
      received += static_cast<size_t>(n);
    }
  });
  EXPECT_EQ(::send(p.b, big.data(), big.size(), 0), static_cast<ssize_t>(big.size()));
  reader.join();
  EXPECT_EQ(received, big.size());
}

TEST_F(HookSockets, SoRcvtimeoIsHonouredAsATimeout) {
  Pair p;
  timeval tv{0, 50000};
  ASSERT_EQ(::setsockopt(p.a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
  Ticker ticker;
  const auto t0 = std::chrono::steady_clock::now();
  char c = 0;
  errno = 0;
  EXPECT_EQ(::recv(p.a, &c, 1, 0), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_GE(elapsed_ms(t0), 45.0);
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
}

TEST_F(HookSockets, SoSndtimeoIsHonouredAsATimeout) {
  Pair p;
  timeval tv{0, 50000};
  ASSERT_EQ(::setsockopt(p.b, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv), 0);
  const std::vector<char> big(16 << 20, 'z');
  const auto t0 = std::chrono::steady_clock::now();
  const ssize_t n = ::send(p.b, big.data(), big.size(), 0);
  // Nobody reads: the kernel takes what fits, then the timeout ends it.
  EXPECT_GT(n, 0);
  EXPECT_LT(n, static_cast<ssize_t>(big.size()));
  EXPECT_GE(elapsed_ms(t0), 45.0);
}

TEST_F(HookSockets, NonBlockingDescriptorsKeepEagain) {
  Pair p;
  char c = 0;
  errno = 0;
  EXPECT_EQ(::recv(p.a, &c, 1, MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EAGAIN);
  ASSERT_EQ(::fcntl(p.a, F_SETFL, ::fcntl(p.a, F_GETFL) | O_NONBLOCK), 0);
  errno = 0;
  EXPECT_EQ(::recv(p.a, &c, 1, 0), -1);
  EXPECT_EQ(errno, EAGAIN);
  errno = 0;
  EXPECT_EQ(::read(p.a, &c, 1), -1);
  EXPECT_EQ(errno, EAGAIN);
}

TEST_F(HookSockets, AGroveTimeoutEndsTheCallAndReachesTheFiberAtItsCheckpoint) {
  Pair p;
  bounded(p.a);
  bool caught = false;
  int err = 0;
  ssize_t r = 0;
  try {
    grove::Timeout t(30ms);
    char c = 0;
    r = ::recv(p.a, &c, 1, 0);
    err = errno;
    grove::hook::checkpoint();
  } catch (const grove::Timeout&) {
    caught = true;
  }
  EXPECT_EQ(r, -1);
  EXPECT_EQ(err, ETIMEDOUT);
  EXPECT_TRUE(caught);
}

TEST_F(HookSockets, OutsideAFiberTheCallsArePlain) {
  Pair p;
  bounded(p.a);
  // A thread without a hub: recv really blocks that thread until data comes.
  std::string got;
  std::thread t([&] {
    char buf[8] = {};
    const ssize_t n = ::recv(p.a, buf, sizeof buf, 0);
    if (n > 0) got.assign(buf, static_cast<size_t>(n));
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(::send(p.b, "plain", 5, 0), 5);
  t.join();
  EXPECT_EQ(got, "plain");
}

}  // namespace
