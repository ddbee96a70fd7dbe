// subprocess_error.cpp — CalledProcessError and TimeoutExpired: their
// messages name the command as Python's do.

#include <grove/subprocess_error.hpp>

#include <string>
#include <utility>
#include <vector>

namespace grove {

namespace detail {
std::string command_line(const std::vector<std::string>& cmd) {
  std::string line;
  for (const auto& a : cmd) {
    if (!line.empty()) line += ' ';
    line += a;
  }
  return line;
}
}  // namespace detail

namespace {
std::string failed_message(int returncode, const std::vector<std::string>& cmd) {
  const std::string what = "command '" + detail::command_line(cmd) + "'";
  if (returncode < 0) return what + " died with signal " + std::to_string(-returncode);
  return what + " returned non-zero exit status " + std::to_string(returncode);
}
}  // namespace

CalledProcessError::CalledProcessError(int returncode, std::vector<std::string> cmd, std::string output,
                                       std::string stderr_output)
    : Error(failed_message(returncode, cmd)),
      returncode_(returncode),
      cmd_(std::move(cmd)),
      output_(std::move(output)),
      stderr_(std::move(stderr_output)) {}

TimeoutExpired::TimeoutExpired(std::vector<std::string> cmd, std::string output, std::string stderr_output)
    : Error("command '" + detail::command_line(cmd) + "' did not finish before its deadline"),
      cmd_(std::move(cmd)),
      output_(std::move(output)),
      stderr_(std::move(stderr_output)) {}

}  // namespace grove
