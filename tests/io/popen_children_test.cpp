// popen_children_test.cpp — grove::Popen with many children and with other
// code's children: 50 at once while the hub keeps running, the polling
// fallback without pidfd_open, a child forked by the test itself that grove
// must not reap, children left running by a destroyed Popen, and the
// descriptors a child inherits.
#include <grove/popen.hpp>

#include <grove/fiber.hpp>
#include <grove/file_object.hpp>
#include <grove/tcp_listener.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/this_fiber.hpp>
#include <grove/udp_socket.hpp>
#include <grove/wait.hpp>

#include "io_test_support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace grove;
using namespace grove::test;

namespace {

using PopenChildrenTest = HubTest;

// 50 children of 0.2 s each: serially 10 s; at once, well under 3 s, while
// a ticker fiber keeps running every 10 ms (the hub never blocks).
TEST_F(PopenChildrenTest, FiftyChildrenAtOnceWhileTheHubRuns) {
  int ticks = 0;
  bool done = false;
  auto ticker = spawn([&] {
    while (!done) {
      this_fiber::sleep(10ms);
      ++ticks;
    }
  });
  const auto t0 = Clock::now();
  std::vector<Fiber<int>> children;
  for (int i = 0; i < 50; ++i) children.push_back(spawn([] { return Popen({"sleep", "0.2"}).wait(10s); }));
  for (auto& c : children) EXPECT_EQ(c.get(), 0);
  const Duration elapsed = since(t0);
  done = true;
  ticker.join();
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 3s) << "50 children of 0.2 s ran one after the other";
  EXPECT_GE(ticks, 10) << "the ticker fiber starved while children ran";
}

// Without pidfd_open, wait() polls waitpid(pid, WNOHANG): the same results,
// deadlines included.
TEST_F(PopenChildrenTest, PollingFallbackWithoutPidfd) {
  detail::set_pidfd_enabled(false);
  struct Restore {
    ~Restore() { detail::set_pidfd_enabled(true); }
  } restore;
  const auto t0 = Clock::now();
  std::vector<Fiber<int>> children;
  for (int i = 0; i < 10; ++i)
    children.push_back(spawn([i] { return Popen({"sh", "-c", "sleep 0.1; exit " + std::to_string(i)}).wait(10s); }));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(children[i].get(), i);
  EXPECT_LT(since(t0), 3s);

  Popen p({"sleep", "5"});
  EXPECT_THROW((void)p.wait(100ms), TimeoutExpired);
  EXPECT_EQ(p.poll(), std::nullopt);
  p.kill();
  EXPECT_EQ(p.wait(5s), -SIGKILL);

  Popen cat({"cat"}, {.std_in = Stdio::pipe(), .std_out = Stdio::pipe()});
  EXPECT_EQ(cat.communicate("polled\n", 5s).out, "polled\n");
  EXPECT_EQ(cat.returncode(), 0);
}

// A child the test forks itself (no grove) exits while grove waits for its
// own children: grove must leave it for the test's own waitpid.
TEST_F(PopenChildrenTest, AChildOfOtherCodeIsNotReaped) {
  const pid_t foreign = ::fork();
  ASSERT_GE(foreign, 0);
  if (foreign == 0) {
    ::usleep(20000);
    ::_exit(7);
  }
  std::vector<Fiber<int>> children;
  for (int i = 0; i < 5; ++i) children.push_back(spawn([] { return Popen({"sleep", "0.2"}).wait(10s); }));
  for (auto& c : children) EXPECT_EQ(c.get(), 0);
  Popen last({"true"});  // a construction reaps abandoned children: only its own
  EXPECT_EQ(last.wait(), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(foreign, &status, WNOHANG), foreign) << "grove reaped (or lost) a child it did not start";
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
}

// A Popen destroyed while its child runs does not block; the child is
// reaped by a later Popen once it has exited (no zombie stays).
TEST_F(PopenChildrenTest, ADestroyedPopenLeavesItsChildToBeReapedLater) {
  pid_t pid = -1;
  const auto t0 = Clock::now();
  {
    Popen p({"sleep", "0.3"});
    pid = p.pid();
  }
  EXPECT_LT(since(t0), 250ms) << "the destructor waited for the child";
  EXPECT_EQ(::kill(pid, 0), 0) << "the child should still run (or be a zombie)";
  this_fiber::sleep(600ms);
  Popen next({"true"});
  EXPECT_EQ(next.wait(), 0);
  errno = 0;
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD) << "the abandoned child was not reaped";
}

// fds() is the set of this process's open descriptors.
std::set<int> fds() {
  std::set<int> out;
  DIR* d = ::opendir("/proc/self/fd");
  const int own = ::dirfd(d);
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.' && std::stoi(e->d_name) != own) out.insert(std::stoi(e->d_name));
  ::closedir(d);
  return out;
}

// child_fds(close_fds) is the set of descriptors a child sees, read from
// `ls -l /proc/self/fd` without ls's own directory descriptor.
std::set<int> child_fds(bool close_fds) {
  Popen ls({"ls", "-l", "/proc/self/fd"}, {.std_out = Stdio::pipe(), .close_fds = close_fds});
  std::istringstream lines(ls.communicate({}, 10s).out);
  std::set<int> out;
  for (std::string line; std::getline(lines, line);) {
    const auto arrow = line.find(" -> ");
    if (arrow == std::string::npos) continue;
    if (line.compare(arrow + 4, 6, "/proc/") == 0) continue;  // ls's own
    const auto space = line.rfind(' ', arrow - 1);
    out.insert(std::stoi(line.substr(space + 1, arrow - space - 1)));
  }
  return out;
}

// Every descriptor grove opens is O_CLOEXEC, so even with close_fds off a
// child gets none of the hub's, a socket's, a pipe's or a pidfd; with
// close_fds on (the default) it gets 0, 1 and 2 only.
TEST_F(PopenChildrenTest, ChildrenInheritNoGroveDescriptor) {
  const std::set<int> before = fds();
  TcpListener listener(tcp_endpoint("127.0.0.1", 0));
  auto client = spawn([port = listener.local_endpoint().port()] { return TcpSocket::connect("127.0.0.1", port, 5s); });
  TcpSocket accepted = listener.accept();
  TcpSocket connected = client.get();
  UdpSocket udp(udp_endpoint("127.0.0.1", 0));
  auto [in, out] = FileObject::pipe();
  Popen sleeper({"sleep", "5"}, {.std_in = Stdio::pipe(), .std_out = Stdio::pipe()});  // its pidfd and pipes
  this_fiber::sleep(1ms);                                                              // the reactor runs

  std::set<int> grove_fds;
  for (int fd : fds())
    if (!before.count(fd)) grove_fds.insert(fd);
  EXPECT_GE(grove_fds.size(), 8u);
  for (int fd : grove_fds) EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC) << "descriptor " << fd << " is not O_CLOEXEC";

  for (int fd : child_fds(false)) EXPECT_FALSE(grove_fds.count(fd)) << "a child inherited grove's descriptor " << fd;
  EXPECT_EQ(child_fds(true), (std::set<int>{0, 1, 2}));
  sleeper.kill();
  EXPECT_EQ(sleeper.wait(5s), -SIGKILL);
}

// A child that ignores SIGPIPE's default in the parent (grove ignores it)
// still dies of SIGPIPE, as a shell pipeline expects.
TEST_F(PopenChildrenTest, TheChildGetsTheDefaultSigpipe) {
  Popen yes({"yes"}, {.std_out = Stdio::pipe()});
  EXPECT_FALSE(yes.std_out().read(100).empty());
  yes.std_out().close();
  EXPECT_EQ(yes.wait(5s), -SIGPIPE);
}

}  // namespace
