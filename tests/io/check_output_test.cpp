// check_output_test.cpp — call / check_call / check_output on real
// commands: captured output, input, CalledProcessError with the status and
// both outputs, signals, and deadlines that kill and reap the child.
#include <grove/check_output.hpp>

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include "io_test_support.hpp"
#include "usage_error_of.hpp"

#include <csignal>
#include <string>

using namespace grove;
using namespace grove::test;

namespace {

using CheckOutputTest = HubTest;

TEST_F(CheckOutputTest, ReturnsStdout) {
  EXPECT_EQ(check_output({"echo", "hi"}), "hi\n");
  EXPECT_EQ(check_output({"tr", "a-z", "A-Z"}, {.input = "abc"}), "ABC");
  EXPECT_EQ(check_output({"sh", "-c", "echo out; echo err >&2"}, {.popen = {.std_err = Stdio::to_stdout()}}),
            "out\nerr\n");
}

TEST_F(CheckOutputTest, CallAndCheckCall) {
  EXPECT_EQ(call({"sh", "-c", "exit 5"}), 5);
  EXPECT_EQ(call({"true"}), 0);
  EXPECT_NO_THROW(check_call({"true"}));
  EXPECT_THROW(check_call({"false"}), CalledProcessError);
}

TEST_F(CheckOutputTest, ANonZeroExitIsACalledProcessError) {
  try {
    (void)check_output({"sh", "-c", "echo partial; echo oops >&2; exit 4"}, {.popen = {.std_err = Stdio::pipe()}});
    ADD_FAILURE() << "exit 4 did not throw";
  } catch (const CalledProcessError& e) {
    EXPECT_EQ(e.returncode(), 4);
    EXPECT_EQ(e.output(), "partial\n");
    EXPECT_EQ(e.stderr_output(), "oops\n");
    EXPECT_EQ(e.cmd().at(0), "sh");
    EXPECT_NE(std::string(e.what()).find("exit status 4"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)check_output({"false"}), grove::Error);
}

TEST_F(CheckOutputTest, DeathBySignalIsACalledProcessError) {
  try {
    (void)check_output({"sh", "-c", "kill -9 $$"});
    ADD_FAILURE() << "a killed child did not throw";
  } catch (const CalledProcessError& e) {
    EXPECT_EQ(e.returncode(), -SIGKILL);
    EXPECT_NE(std::string(e.what()).find("signal 9"), std::string::npos) << e.what();
  }
}

// Unlike Popen::wait(), the run-to-end helpers kill and reap the child at
// the deadline (Python's subprocess.run): the pid it printed is gone.
TEST_F(CheckOutputTest, ADeadlineKillsAndReapsTheChild) {
  const auto t0 = Clock::now();
  std::string printed;
  try {
    (void)check_output({"sh", "-c", "echo $$; exec sleep 5"}, {.timeout = 200ms});
    ADD_FAILURE() << "sleep 5 finished within 200 ms";
  } catch (const TimeoutExpired& e) {
    printed = e.output();
  }
  EXPECT_LT(since(t0), 3s);
  ASSERT_FALSE(printed.empty());
  const pid_t pid = std::stoi(printed);
  errno = 0;
  EXPECT_EQ(::kill(pid, 0), -1) << "the timed-out child still exists (not killed, or a zombie)";
  EXPECT_EQ(errno, ESRCH);
  EXPECT_THROW(call({"sleep", "5"}, {.timeout = 50ms}), grove::TimeoutError);
}

TEST_F(CheckOutputTest, OtherFibersRunMeanwhile) {
  int ticks = 0;
  auto ticker = spawn([&] {
    for (int i = 0; i < 10; ++i) {
      this_fiber::sleep(10ms);
      ++ticks;
    }
  });
  EXPECT_EQ(check_output({"sh", "-c", "sleep 0.3; echo done"}), "done\n");
  EXPECT_EQ(ticks, 10);
  ticker.join();
}

TEST_F(CheckOutputTest, MisuseIsAUsageError) {
  EXPECT_NE(usage_error_of([] {
              (void)check_output({"true"}, {.popen = {.std_out = Stdio::devnull()}});
            }).find("capture pipe"),
            std::string::npos);
  EXPECT_NE(usage_error_of([] {
              (void)call({"cat"}, {.input = "x", .popen = {.std_in = Stdio::devnull()}});
            }).find("input and popen.std_in"),
            std::string::npos);
  EXPECT_NE(usage_error_of([] { (void)call({"true"}, {.timeout = -1s}); }).find("call"), std::string::npos);
}

}  // namespace
