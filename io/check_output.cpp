// check_output.cpp — call / check_call / check_output on grove::Popen.

#include <grove/check_output.hpp>

#include <grove/errors.hpp>

#include <string>
#include <utility>

namespace grove {

namespace {

struct Result {
  int returncode;
  Popen::Output output;
};

// run(argv, options, call, capture) runs the child to its end; on a
// timeout or an interrupt it kills and reaps it first.
Result run(const std::vector<std::string>& argv, const RunOptions& options, const char* call, bool capture) {
  PopenOptions popen = options.popen;
  if (capture) {
    if (popen.std_out.kind() != Stdio::Kind::inherit)
      throw UsageError(std::string("grove::") + call +
                       ": popen.std_out is the capture pipe; leave it unset (use popen.std_err for stderr)");
    popen.std_out = Stdio::pipe();
  }
  if (options.input) {
    if (popen.std_in.kind() != Stdio::Kind::inherit)
      throw UsageError(std::string("grove::") + call +
                       ": input and popen.std_in are both given; input makes the stdin pipe, so leave std_in unset");
    popen.std_in = Stdio::pipe();
  }
  const TimePoint until = options.timeout.time_point((std::string("grove::") + call).c_str());
  Popen child(argv, std::move(popen));
  try {
    Popen::Output out = child.communicate(options.input ? *options.input : std::string_view{}, until);
    return Result{*child.returncode(), std::move(out)};
  } catch (...) {
    // TimeoutExpired, an interrupt or an I/O error: the child goes too.
    child.kill();
    try {
      (void)child.wait();
    } catch (...) {
      // A second interrupt while reaping: the child, killed, is reaped by a later Popen.
    }
    throw;
  }
}

}  // namespace

int call(const std::vector<std::string>& argv, const RunOptions& options) {
  return run(argv, options, "call", false).returncode;
}

void check_call(const std::vector<std::string>& argv, const RunOptions& options) {
  Result r = run(argv, options, "check_call", false);
  if (r.returncode != 0) throw CalledProcessError(r.returncode, argv, std::move(r.output.out), std::move(r.output.err));
}

std::string check_output(const std::vector<std::string>& argv, const RunOptions& options) {
  Result r = run(argv, options, "check_output", true);
  if (r.returncode != 0) throw CalledProcessError(r.returncode, argv, std::move(r.output.out), std::move(r.output.err));
  return std::move(r.output.out);
}

}  // namespace grove
