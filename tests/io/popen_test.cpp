// popen_test.cpp — grove::Popen on real child processes: pipes both ways,
// communicate() with megabytes in every direction, exit codes and signals,
// deadlines (the child outlives them), stdio redirections, env and cwd, and
// the misuses that are UsageErrors. Many children at once, the pidfd-less
// fallback and descriptor inheritance are in popen_children_test.cpp.
#include <grove/popen.hpp>

#include <grove/fiber.hpp>
#include <grove/file_object.hpp>
#include <grove/io_error.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "io_test_support.hpp"
#include "temp_dir.hpp"
#include "usage_error_of.hpp"

#include <csignal>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>

using namespace grove;
using namespace grove::test;

namespace {

constexpr Stdio pipe_ = Stdio::pipe();

using PopenTest = HubTest;

TEST_F(PopenTest, EchoThroughAStdoutPipe) {
  Popen p({"echo", "hello", "world"}, {.std_out = pipe_});
  EXPECT_GT(p.pid(), 0);
  auto [out, err] = p.communicate();
  EXPECT_EQ(out, "hello world\n");
  EXPECT_EQ(err, "");
  EXPECT_EQ(p.returncode(), 0);
  EXPECT_EQ(p.wait(), 0);  // already reaped: returns at once
}

TEST_F(PopenTest, CatRoundTripThroughTheFileObjects) {
  Popen p({"cat"}, {.std_in = pipe_, .std_out = pipe_});
  p.std_in().write("line one\nline two\n");
  EXPECT_EQ(p.std_out().readline(), "line one\n");  // cat answered before stdin closed
  p.std_in().close();
  EXPECT_EQ(p.std_out().read_all(), "line two\n");
  EXPECT_EQ(p.wait(), 0);
}

TEST_F(PopenTest, CommunicateKeepsWhatReadlineReadAhead) {
  Popen p({"printf", "a\\nb\\nc\\n"}, {.std_out = pipe_});
  EXPECT_EQ(p.std_out().readline(), "a\n");
  EXPECT_EQ(p.communicate().out, "b\nc\n");
}

// 4 MiB in, 4 MiB out on stdout and 4 MiB on stderr at the same time: a
// communicate() that wrote everything before reading would deadlock on the
// full pipes (tee blocks writing while we block writing).
TEST_F(PopenTest, LargeOutputsBothWaysDoNotDeadlock) {
  std::string input(4u << 20, '\0');
  for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>('a' + i % 26);
  Popen p({"tee", "/dev/stderr"}, {.std_in = pipe_, .std_out = pipe_, .std_err = pipe_});
  auto [out, err] = p.communicate(input, 60s);
  EXPECT_EQ(out.size(), input.size());
  EXPECT_TRUE(out == input);
  EXPECT_TRUE(err == input);
  EXPECT_EQ(p.returncode(), 0);
}

TEST_F(PopenTest, ExitCodes) {
  EXPECT_EQ(Popen({"true"}).wait(), 0);
  EXPECT_EQ(Popen({"false"}).wait(), 1);
  Popen p({"sh", "-c", "exit 3"});
  EXPECT_EQ(p.wait(), 3);
  EXPECT_EQ(p.returncode(), 3);
  EXPECT_EQ(p.poll(), 3);
}

TEST_F(PopenTest, PollIsNulloptWhileRunning) {
  Popen p({"sleep", "0.2"});
  EXPECT_EQ(p.poll(), std::nullopt);
  EXPECT_EQ(p.returncode(), std::nullopt);
  EXPECT_EQ(p.wait(), 0);
  EXPECT_EQ(p.poll(), 0);
}

TEST_F(PopenTest, KillAndTerminateGiveMinusTheSignal) {
  Popen k({"sleep", "30"});
  k.kill();
  EXPECT_EQ(k.wait(5s), -SIGKILL);
  Popen t({"sleep", "30"});
  t.terminate();
  EXPECT_EQ(t.wait(5s), -SIGTERM);
  Popen u({"sleep", "30"});
  u.send_signal(SIGUSR1);
  EXPECT_EQ(u.wait(5s), -SIGUSR1);
  // Signals to a reaped child are ignored: its pid may be someone else's.
  k.kill();
  k.send_signal(SIGTERM);
  EXPECT_EQ(k.returncode(), -SIGKILL);
}

TEST_F(PopenTest, WaitDeadlineThrowsTimeoutExpiredAndTheChildRuns) {
  Popen p({"sleep", "5"});
  const auto t0 = Clock::now();
  try {
    (void)p.wait(100ms);
    ADD_FAILURE() << "wait(100ms) on sleep 5 returned";
  } catch (const TimeoutExpired& e) {
    EXPECT_EQ(e.cmd().at(0), "sleep");
    EXPECT_NE(std::string(e.what()).find("sleep 5"), std::string::npos) << e.what();
  }
  EXPECT_GE(since(t0), 100ms);
  EXPECT_LT(since(t0), 2s);
  EXPECT_EQ(p.poll(), std::nullopt) << "the child must outlive the deadline (Python's semantics)";
  p.kill();
  EXPECT_EQ(p.wait(5s), -SIGKILL);
  EXPECT_LT(since(t0), 3s);
}

TEST_F(PopenTest, TimeoutExpiredIsATimeoutError) {
  Popen p({"sleep", "5"});
  EXPECT_THROW((void)p.wait(10ms), grove::TimeoutError);
  EXPECT_THROW((void)p.wait(10ms), grove::Error);
  p.kill();
  (void)p.wait();
}

TEST_F(PopenTest, CommunicateDeadlineKeepsTheOutputAndCanContinue) {
  Popen p({"sh", "-c", "echo first; exec sleep 5"}, {.std_out = pipe_});
  try {
    (void)p.communicate({}, 300ms);
    ADD_FAILURE() << "communicate returned before the child ended";
  } catch (const TimeoutExpired& e) {
    EXPECT_EQ(e.output(), "first\n");
  }
  // Python's recipe: kill, then communicate() again for the rest.
  p.kill();
  auto [out, err] = p.communicate({}, 5s);
  EXPECT_EQ(out, "first\n");
  EXPECT_EQ(p.returncode(), -SIGKILL);
}

TEST_F(PopenTest, AnEnclosingTimeoutInterruptsWait) {
  Popen p({"sleep", "5"});
  EXPECT_THROW(
      {
        grove::Timeout t(50ms);
        (void)p.wait();
      },
      grove::Timeout);
  EXPECT_EQ(p.poll(), std::nullopt);
  p.kill();
  EXPECT_EQ(p.wait(), -SIGKILL);
}

TEST_F(PopenTest, StderrMergedIntoStdout) {
  Popen p({"sh", "-c", "echo out; echo err >&2"}, {.std_out = pipe_, .std_err = Stdio::to_stdout()});
  auto [out, err] = p.communicate();
  EXPECT_EQ(out, "out\nerr\n");
  EXPECT_EQ(err, "");
}

TEST_F(PopenTest, DevnullAndCallerDescriptors) {
  // stdin from /dev/null: cat ends at once; stderr to /dev/null.
  Popen cat({"cat"}, {.std_in = Stdio::devnull(), .std_out = pipe_, .std_err = Stdio::devnull()});
  EXPECT_EQ(cat.communicate({}, 5s).out, "");
  EXPECT_EQ(cat.returncode(), 0);
  // stdout into a pipe of the caller's.
  auto [in, out] = FileObject::pipe();
  Popen echo({"echo", "via fd"}, {.std_out = Stdio::fd(out.fileno())});
  EXPECT_EQ(echo.wait(5s), 0);
  out.close();
  EXPECT_EQ(in.read_all(), "via fd\n");
}

TEST_F(PopenTest, EnvAndCwd) {
  TempDir dir;
  Popen p({"sh", "-c", "echo \"$GROVE_X\"; pwd; echo \"${HOME:-unset}\""},
          {.std_out = pipe_,
           .env = std::map<std::string, std::string>{{"GROVE_X", "42"}, {"PATH", "/usr/bin:/bin"}},
           .cwd = dir.path().string()});
  const std::string expected = "42\n" + std::filesystem::canonical(dir.path()).string() + "\nunset\n";
  EXPECT_EQ(p.communicate().out, expected);
}

TEST_F(PopenTest, AMissingProgramIsAnIoError) {
  try {
    Popen p({"grove-no-such-program-xyz"});
    ADD_FAILURE() << "started a program that does not exist";
  } catch (const IoError& e) {
    EXPECT_EQ(e.code().value(), ENOENT) << e.what();
    EXPECT_NE(std::string(e.what()).find("grove-no-such-program-xyz"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Popen({"true"}, {.cwd = "/nonexistent/grove"}), IoError);
}

TEST_F(PopenTest, MisuseIsAUsageError) {
  EXPECT_NE(usage_error_of([] { Popen p({}); }).find("argv is empty"), std::string::npos);
  EXPECT_NE(usage_error_of([] { Popen p({"true"}, {.std_out = Stdio::to_stdout()}); }).find("std_err only"),
            std::string::npos);

  Popen p({"echo", "x"}, {.std_out = pipe_});
  EXPECT_NE(usage_error_of([&] { (void)p.communicate("input"); }).find("stdin is not a pipe"), std::string::npos);
  EXPECT_NE(usage_error_of([&] { (void)p.std_in(); }).find("Stdio::pipe()"), std::string::npos);
  EXPECT_EQ(p.communicate().out, "x\n");
  EXPECT_NE(usage_error_of([&] { (void)p.communicate(); }).find("already returned"), std::string::npos);
  EXPECT_NE(usage_error_of([&] { (void)p.wait(-1s); }).find("Popen::wait"), std::string::npos);

  Popen moved = std::move(p);
  EXPECT_EQ(moved.returncode(), 0);
  // NOLINTNEXTLINE(bugprone-use-after-move): using the moved-from Popen is the point
  EXPECT_NE(usage_error_of([&] { (void)p.poll(); }).find("moved from"), std::string::npos);

  // From another thread (and so another hub).
  std::string msg;
  std::thread([&] { msg = usage_error_of([&] { (void)moved.wait(); }); }).join();
  EXPECT_NE(msg.find("thread of the hub"), std::string::npos) << msg;
}

TEST_F(PopenTest, InputAfterATimeoutIsAUsageError) {
  Popen p({"sh", "-c", "exec sleep 5"}, {.std_in = pipe_, .std_out = pipe_});
  EXPECT_THROW((void)p.communicate("x", 50ms), TimeoutExpired);
  EXPECT_NE(usage_error_of([&] { (void)p.communicate("again"); }).find("without input"), std::string::npos);
  p.kill();
  EXPECT_EQ(p.communicate({}, 5s).out, "");
}

TEST_F(PopenTest, InputToAClosedStdinIsAUsageError) {
  Popen p({"cat"}, {.std_in = pipe_, .std_out = pipe_});
  p.std_in().close();
  EXPECT_NE(usage_error_of([&] { (void)p.communicate("late"); }).find("was closed"), std::string::npos);
  EXPECT_EQ(p.communicate({}, 5s).out, "");
  EXPECT_EQ(p.returncode(), 0);
}

TEST_F(PopenTest, TwoFibersInCommunicateIsAUsageError) {
  Popen p({"sleep", "0.2"}, {.std_out = pipe_});
  auto first = spawn([&] { return p.communicate({}, 5s).out; });
  this_fiber::yield();
  EXPECT_NE(usage_error_of([&] { (void)p.communicate(); }).find("another fiber"), std::string::npos);
  EXPECT_EQ(first.get(), "");
}

TEST_F(PopenTest, SeveralFibersWaitForOneChild) {
  Popen p({"sleep", "0.1"});
  std::vector<Fiber<int>> waiters;
  for (int i = 0; i < 3; ++i) waiters.push_back(spawn([&p] { return p.wait(5s); }));
  for (auto& w : waiters) EXPECT_EQ(w.get(), 0);
}

}  // namespace
