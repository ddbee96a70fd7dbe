#pragma once
// check_output.hpp — running a command to its end, as Python's and
// gevent's subprocess.call / check_call / check_output:
//
//   std::string v = grove::check_output({"git", "rev-parse", "HEAD"});
//   grove::check_call({"make", "-C", dir}, {.timeout = 60s});
//   int status = grove::call({"sh", "-c", "exit 3"});       // 3
//
// Contract. Each starts a grove::Popen (popen.hpp) with options.popen,
// writes options.input (if given) to its stdin pipe, reads its captured
// pipes and waits for it, parking only the calling fiber. When
// options.timeout passes, the child is killed (SIGKILL) and reaped, then
// TimeoutExpired is thrown with what it had written (Python's
// subprocess.run; unlike Popen::wait(), the child does not outlive the
// call). check_call() and check_output() throw CalledProcessError
// (subprocess_error.hpp) when the child exits non-zero or dies of a
// signal; it carries the exit status and the captured output. An
// interrupt (grove::Timeout, kill()) also kills and reaps the child before
// it propagates. Setting popen.std_out for check_output() (it is the
// capture pipe), or popen.std_in together with input, is a UsageError.

#include <grove/deadline.hpp>
#include <grove/popen.hpp>

#include <optional>
#include <string>
#include <vector>

namespace grove {

struct RunOptions {
  // input: written to the child's stdin (a pipe made for it), then closed.
  std::optional<std::string> input{};
  // timeout: for the whole run (a duration counts from the call's start).
  Deadline timeout{};
  // popen: stdio, env, cwd, ... (std_err = Stdio::pipe() captures stderr
  // into CalledProcessError::stderr_output(), Stdio::to_stdout() merges it).
  PopenOptions popen{};
};

// call(argv, options) runs argv to its end and returns its returncode
// (minus the signal number if a signal killed it).
int call(const std::vector<std::string>& argv, const RunOptions& options = {});
// check_call(argv, options) is call(), with CalledProcessError unless the
// returncode is 0.
void check_call(const std::vector<std::string>& argv, const RunOptions& options = {});
// check_output(argv, options) runs argv with its stdout captured and
// returns it; CalledProcessError unless it exits with 0.
std::string check_output(const std::vector<std::string>& argv, const RunOptions& options = {});

}  // namespace grove
