// pitfalls_test.cpp — H6: one regression test per pitfall known from libgo
// and libco: F_DUPFD, SOCK_CLOEXEC/SOCK_NONBLOCK sockets, accept4,
// inherited stdio, close while another fiber waits, a call from the hub's
// own context, fork then resolve (docs/hook.md, "Pitfalls").

#include "hook_test_support.hpp"

#include <grove/hub.hpp>

#include <hub_fixture.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <fcntl.h>
#include <netdb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using grove::test::nonblocking;
using grove::test::Pair;
using grove::test::Ticker;

class HookPitfalls : public grove::test::HubTest {};

bool cloexec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

TEST_F(HookPitfalls, FDupfdCopiesAreGreenAndClosingOneLeavesTheOther) {
  Pair p;
  const int copy = ::fcntl(p.a, F_DUPFD, 100);
  ASSERT_GE(copy, 100);
  Ticker ticker;
  auto reader = grove::spawn([&] {
    char c = 0;
    return ::recv(copy, &c, 1, 0);
  });
  grove::this_fiber::sleep(20ms);
  ASSERT_EQ(::send(p.b, "1", 1, 0), 1);
  EXPECT_EQ(reader.get(), 1);
  EXPECT_EQ(::close(copy), 0);
  // The original still works, parked and woken as before.
  auto again = grove::spawn([&] {
    char c = 0;
    return ::recv(p.a, &c, 1, 0);
  });
  grove::this_fiber::sleep(10ms);
  ASSERT_EQ(::send(p.b, "2", 1, 0), 1);
  EXPECT_EQ(again.get(), 1);
  const int copy2 = ::fcntl(p.a, F_DUPFD_CLOEXEC, 0);
  EXPECT_TRUE(cloexec(copy2));
  ::close(copy2);
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
}

TEST_F(HookPitfalls, SockNonblockAndSockCloexecSocketsKeepTheirFlagsAndSemantics) {
  const int l = grove::test::listen_loopback(SOCK_NONBLOCK | SOCK_CLOEXEC);
  EXPECT_TRUE(nonblocking(l));
  EXPECT_TRUE(cloexec(l));
  errno = 0;
  EXPECT_EQ(::accept(l, nullptr, nullptr), -1);  // nothing to accept: EAGAIN, not a park
  EXPECT_EQ(errno, EAGAIN);
  const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const sockaddr_in a = grove::test::loopback(grove::test::port_of(l));
  const int r = ::connect(c, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  EXPECT_TRUE(r == 0 || errno == EINPROGRESS);
  EXPECT_TRUE(nonblocking(c));
  EXPECT_TRUE(cloexec(c));
  char ch = 0;
  errno = 0;
  EXPECT_EQ(::recv(c, &ch, 1, 0), -1);
  EXPECT_EQ(errno, EAGAIN);
  // A blocking SOCK_CLOEXEC socket is blocking: it parks.
  const int b = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_FALSE(nonblocking(b));
  EXPECT_TRUE(cloexec(b));
  ::close(b);
  ::close(c);
  ::close(l);
}

TEST_F(HookPitfalls, Accept4ParksAndGivesTheAcceptedSocketItsOwnFlags) {
  const int l = grove::test::listen_loopback();
  const auto port = grove::test::port_of(l);
  Ticker ticker;
  auto server = grove::spawn([&] { return ::accept4(l, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC); });
  grove::this_fiber::sleep(20ms);
  const int c = grove::test::connect_loopback(port);
  const int s = server.get();
  ASSERT_GE(s, 0);
  EXPECT_TRUE(nonblocking(s));
  EXPECT_TRUE(cloexec(s));
  EXPECT_FALSE(nonblocking(l)) << "the listener's flags must be the owner's again";
  auto plain = grove::spawn([&] { return ::accept4(l, nullptr, nullptr, 0); });
  const int c2 = grove::test::connect_loopback(port);
  const int s2 = plain.get();
  ASSERT_GE(s2, 0);
  EXPECT_FALSE(nonblocking(s2));
  EXPECT_FALSE(cloexec(s2));
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
  for (int fd : {c, s, c2, s2, l}) ::close(fd);
}

TEST_F(HookPitfalls, InheritedStdioIsReadGreenlyAndKeepsItsFlags) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int saved = ::dup(0);
  ASSERT_EQ(::dup2(fds[0], 0), 0);  // stdin is now a blocking pipe, as a shell hands it over
  const int flags_before = ::fcntl(0, F_GETFL);
  Ticker ticker;
  auto reader = grove::spawn([] {
    char buf[8] = {};
    const ssize_t n = ::read(0, buf, sizeof buf);
    return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
  });
  grove::this_fiber::sleep(20ms);
  EXPECT_EQ(::fcntl(0, F_GETFL), flags_before) << "stdin's flags changed while a fiber read it";
  EXPECT_EQ(::write(fds[1], "line", 4), 4);
  EXPECT_EQ(reader.get(), "line");
  EXPECT_EQ(::fcntl(0, F_GETFL), flags_before);
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
  ::dup2(saved, 0);
  ::close(saved);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(HookPitfalls, CloseWhileAnotherFiberWaitsWakesItWithEbadf) {
  Pair p;
  auto reader = grove::spawn([&] {
    char c = 0;
    const ssize_t r = ::recv(p.a, &c, 1, 0);
    return r < 0 ? errno : 0;
  });
  grove::this_fiber::sleep(20ms);
  EXPECT_EQ(::close(p.a), 0);
  p.a = -1;
  EXPECT_EQ(reader.get(), EBADF);
  // A descriptor that dup2 closes wakes its waiters the same way.
  Pair q;
  auto reader2 = grove::spawn([&] {
    pollfd fd{q.a, POLLIN, 0};
    const int r = ::poll(&fd, 1, 5000);
    return r == 1 && (fd.revents & POLLNVAL) ? 0 : -1;
  });
  grove::this_fiber::sleep(20ms);
  int spare[2];
  ASSERT_EQ(::pipe(spare), 0);
  EXPECT_EQ(::dup2(spare[0], q.a), q.a);
  // The real poll sees the new descriptor (an empty pipe): the waiter waits on.
  grove::this_fiber::sleep(20ms);
  EXPECT_FALSE(reader2.dead());
  ::close(q.a);  // closed for good: the waiter's poll reports POLLNVAL
  q.a = -1;
  EXPECT_EQ(reader2.get(), 0);
  ::close(spare[0]);
  ::close(spare[1]);
}

TEST_F(HookPitfalls, Dup3OntoAWaitedDescriptorWakesItsWaiter) {
  Pair p;
  auto reader = grove::spawn([&] {
    char c = 0;
    const ssize_t r = ::recv(p.a, &c, 1, 0);
    return r < 0 ? errno : 0;
  });
  grove::this_fiber::sleep(20ms);
  int spare[2];
  ASSERT_EQ(::pipe(spare), 0);
  // The socket the reader waits on is closed by dup3: its recv fails with
  // EBADF, as if closed.
  EXPECT_EQ(::dup3(spare[0], p.a, O_CLOEXEC), p.a);
  EXPECT_EQ(reader.get(), EBADF);
  ::close(spare[0]);
  ::close(spare[1]);
}

TEST_F(HookPitfalls, ACallFromTheHubsContextFailsInsteadOfDeadlocking) {
  Pair p;
  ssize_t r = 0;
  int err = 0;
  unsigned slept = 0;
  int sleep_err = 0;
  boost::asio::post(grove::hub().io_context(), [&] {
    char c = 0;
    r = ::recv(p.a, &c, 1, 0);
    err = errno;
    slept = ::sleep(5);
    sleep_err = errno;
  });
  const auto t0 = std::chrono::steady_clock::now();
  grove::this_fiber::sleep(20ms);  // the handler runs on the hub meanwhile
  EXPECT_LT(grove::test::elapsed_ms(t0), 2000.0);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(err, EDEADLK);
  EXPECT_EQ(slept, 5u);  // nothing slept
  EXPECT_EQ(sleep_err, EDEADLK);
}

TEST_F(HookPitfalls, ForkThenResolve) {
  addrinfo* res = nullptr;
  ASSERT_EQ(::getaddrinfo("localhost", nullptr, nullptr, &res), 0);  // starts the resolver pool
  ::freeaddrinfo(res);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(20);  // never outlive the test
    // The child's copy of the pool has no threads: the hook makes a new one.
    addrinfo* r = nullptr;
    const int rc = ::getaddrinfo("localhost", nullptr, nullptr, &r);
    ::_exit(rc == 0 && r ? 0 : 1);
  }
  int status = -1;
  for (int i = 0; i < 2000; ++i) {
    if (::waitpid(child, &status, WNOHANG) == child) break;
    grove::this_fiber::sleep(10ms);
  }
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
