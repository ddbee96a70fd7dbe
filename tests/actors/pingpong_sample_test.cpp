// pingpong_sample_test.cpp — runs samples/pinger_ponger (grove-pingpong) and
// checks its exact output and exit code.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace {

struct Outcome {
  std::string out;
  int exit_code = -1;
};

Outcome run(const std::string& args) {
  Outcome r;
  const std::string command = std::string(GROVE_PINGPONG_EXE) + " " + args + " 2>/dev/null";
  std::FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) r.out += buf;
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(PingPongSample, FiveRoundsAlternateExactlyAndExitCleanly) {
  const Outcome r = run("--rounds 5");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "ping\npong\nping\npong\nping\npong\nping\npong\nping\npong\n");
}

TEST(PingPongSample, OneRound) {
  const Outcome r = run("--rounds 1");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "ping\npong\n");
}

TEST(PingPongSample, ManyRoundsStayInStep) {
  const Outcome r = run("--rounds 1000");
  EXPECT_EQ(r.exit_code, 0);
  std::string expected;
  for (int i = 0; i < 1000; ++i) expected += "ping\npong\n";
  EXPECT_EQ(r.out, expected);
}

TEST(PingPongSample, BadArgumentsAreRefused) {
  EXPECT_EQ(run("--rounds 0").exit_code, 2);
  EXPECT_EQ(run("--rounds").exit_code, 2);
  EXPECT_EQ(run("--bogus").exit_code, 2);
}

}  // namespace
