#pragma once
// subprocess_error.hpp — the errors of grove's green subprocesses
// (popen.hpp, check_output.hpp), as Python's and gevent's subprocess module:
//
//   grove::Error
//     CalledProcessError   check_output()/check_call(): the command exited
//                          with a non-zero status (or was killed by a signal)
//     TimeoutExpired       Popen::wait()/communicate() (and the run-to-end
//                          helpers) passed their deadline; also a
//                          grove::TimeoutError
//
// Both keep the command line, and what the child wrote to its captured
// pipes before the error (empty for a pipe that was not captured).

#include <grove/errors.hpp>

#include <string>
#include <vector>

namespace grove {

// CalledProcessError: the command ran to its end but failed. returncode()
// is the exit status, or minus the signal number that killed it (-9 for
// SIGKILL), as Popen::returncode().
class CalledProcessError : public Error {
 public:
  CalledProcessError(int returncode, std::vector<std::string> cmd, std::string output, std::string stderr_output);

  int returncode() const noexcept { return returncode_; }
  const std::vector<std::string>& cmd() const noexcept { return cmd_; }
  // output() is what the child wrote to its stdout pipe (Python's .output /
  // .stdout); stderr_output() what it wrote to a captured stderr.
  const std::string& output() const noexcept { return output_; }
  const std::string& stderr_output() const noexcept { return stderr_; }

 private:
  int returncode_;
  std::vector<std::string> cmd_;
  std::string output_;
  std::string stderr_;
};

// TimeoutExpired: a deadline passed while waiting for a child. After
// Popen::wait() and Popen::communicate() the child keeps running (Python's
// semantics): kill() it and wait() for it, or call communicate() again to
// collect the rest. check_output(), check_call() and call() kill and reap
// the child before they throw it (as Python's subprocess.run).
class TimeoutExpired : public Error, public TimeoutError {
 public:
  TimeoutExpired(std::vector<std::string> cmd, std::string output, std::string stderr_output);

  const char* what() const noexcept override { return Error::what(); }
  const std::vector<std::string>& cmd() const noexcept { return cmd_; }
  // output()/stderr_output(): what communicate() had read before the
  // deadline (empty after wait()).
  const std::string& output() const noexcept { return output_; }
  const std::string& stderr_output() const noexcept { return stderr_; }

 private:
  std::vector<std::string> cmd_;
  std::string output_;
  std::string stderr_;
};

namespace detail {
// command_line(cmd) is cmd joined by spaces, for messages.
std::string command_line(const std::vector<std::string>& cmd);
}  // namespace detail

}  // namespace grove
