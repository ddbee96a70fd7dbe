#pragma once
// popen.hpp — grove::Popen, a child process whose pipes and exit are waited
// for greenly (gevent.subprocess.Popen): the calling fiber parks, the hub
// and its other fibers keep running.
//
//   grove::Popen p({"cat"}, {.std_in = grove::Stdio::pipe(), .std_out = grove::Stdio::pipe()});
//   auto [out, err] = p.communicate("hello\n", 5s);   // out == "hello\n"
//   int status = p.wait();                            // 0; -9 after kill()
//
// Contract.
// - Start. The constructor starts argv[0] (searched on the PATH of the
//   child's environment when it holds no '/') with posix_spawn. Each of
//   stdin/stdout/stderr is inherited, a pipe to this process, /dev/null,
//   a descriptor of the caller's (Stdio::fd), or, for stderr only, merged
//   into stdout (Stdio::to_stdout(), gevent's subprocess.STDOUT). env
//   replaces the environment, cwd the working directory. With close_fds
//   (the default, as Python) the child gets only 0, 1 and 2; every
//   descriptor grove opens is O_CLOEXEC in any case, so no grove socket,
//   pipe or reactor descriptor leaks into a child. SIGPIPE and SIGXFSZ are
//   reset to their default action and the signal mask is emptied in the
//   child. A program that cannot be started is an IoError (ENOENT, EACCES,
//   ...); an empty argv or a misplaced Stdio is a UsageError.
// - Exit. A child's exit is noticed through a pidfd (pidfd_open, Linux
//   5.3) that the hub's reactor watches, then waitpid(pid) for that pid
//   only. Without pidfd_open (ENOSYS, a seccomp filter) wait() polls
//   waitpid(pid, WNOHANG) with a backoff sleep (1 ms doubling to 50 ms).
//   grove installs no SIGCHLD handler and never calls waitpid(-1): children
//   started by other code are never reaped here. If other code reaps this
//   child (waitpid(-1), SIGCHLD ignored), returncode() becomes 0 (Python's
//   behaviour: the status is lost).
// - returncode(): nullopt while the child runs, then its exit status, or
//   minus the signal number that killed it (-9 after kill(), -15 after
//   terminate()).
// - Timeouts take a grove::Deadline. wait() and communicate() throw
//   TimeoutExpired (subprocess_error.hpp) when it passes and the child
//   keeps running, as in Python: kill() and wait() it, or call
//   communicate() again (without input) to collect the rest. An enclosing
//   grove::Timeout or kill() of the fiber interrupts them the same way.
// - Signals. send_signal(), terminate() (SIGTERM) and kill() (SIGKILL) do
//   nothing once the child has been reaped (its pid may belong to another
//   process by then); through the pidfd they cannot reach a recycled pid.
// - Destruction closes this side's pipes and does not wait: a child still
//   running is left running and reaped (waitpid WNOHANG) by a later Popen's
//   construction or destruction, as CPython does; wait() for it to be sure.
// - Misuse is a UsageError: a Popen is used from its hub's thread only
//   (the one that constructed it); communicate() after it returned;
//   input to communicate() without a stdin pipe, or again after a
//   TimeoutExpired; two fibers in communicate() at once; std_in()/std_out()/
//   std_err() of a stream that is not a pipe; a moved-from Popen.
// docs/guide/subprocess.md shows it beside gevent.subprocess.

#include <grove/deadline.hpp>
#include <grove/file_object.hpp>
#include <grove/subprocess_error.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grove {

// Stdio says what one of the child's standard streams is connected to.
class Stdio {
 public:
  enum class Kind : unsigned char { inherit, pipe, devnull, to_stdout, fd };

  // inherit(): the same as this process's (the default).
  static constexpr Stdio inherit() noexcept { return Stdio(Kind::inherit, -1); }
  // pipe(): a pipe to this process (Popen::std_in()/std_out()/std_err(),
  // communicate()); gevent's subprocess.PIPE.
  static constexpr Stdio pipe() noexcept { return Stdio(Kind::pipe, -1); }
  // devnull(): /dev/null; gevent's subprocess.DEVNULL.
  static constexpr Stdio devnull() noexcept { return Stdio(Kind::devnull, -1); }
  // to_stdout(): stderr only, into wherever stdout goes; subprocess.STDOUT.
  static constexpr Stdio to_stdout() noexcept { return Stdio(Kind::to_stdout, -1); }
  // fd(d): the caller's open descriptor d (which stays the caller's).
  static constexpr Stdio fd(int d) noexcept { return Stdio(Kind::fd, d); }

  constexpr Stdio() noexcept = default;
  constexpr Kind kind() const noexcept { return kind_; }
  constexpr int descriptor() const noexcept { return fd_; }

 private:
  constexpr Stdio(Kind k, int d) noexcept : kind_(k), fd_(d) {}
  Kind kind_ = Kind::inherit;
  int fd_ = -1;
};

// PopenOptions: everything about a child but its argv.
struct PopenOptions {
  Stdio std_in{};
  Stdio std_out{};
  Stdio std_err{};
  // env: the child's whole environment; nullopt: this process's.
  std::optional<std::map<std::string, std::string>> env{};
  // cwd: the child's working directory; empty: this process's.
  std::string cwd{};
  // close_fds: the child gets no descriptor but 0, 1, 2 (Python's default).
  bool close_fds = true;
  // start_new_session: the child calls setsid() (its own session and
  // process group), so a terminal's signals do not reach it.
  bool start_new_session = false;
};

class Popen {
 public:
  // Output is what communicate() collected: stdout and stderr, each empty
  // unless it is a pipe.
  struct Output {
    std::string out;
    std::string err;
  };

  // Popen(argv, options) starts the child (see the contract above).
  explicit Popen(std::vector<std::string> argv, PopenOptions options = {});
  ~Popen();
  Popen(Popen&& other) noexcept;
  Popen& operator=(Popen&& other) noexcept;
  Popen(const Popen&) = delete;
  Popen& operator=(const Popen&) = delete;

  // pid() is the child's process id (valid even after it was reaped).
  int pid() const;
  // args() is the argv it was started with.
  const std::vector<std::string>& args() const;
  // returncode() is nullopt until the child has been reaped (by poll(),
  // wait() or communicate()).
  std::optional<int> returncode() const;

  // poll() reaps the child if it has exited, without blocking, and returns
  // returncode().
  std::optional<int> poll();
  // wait(timeout) parks the fiber until the child exits and returns its
  // returncode; TimeoutExpired if it is still running at the deadline.
  // Several fibers may wait at once.
  int wait(Deadline timeout = Deadline::never());
  // communicate(input, timeout) writes input to the stdin pipe and closes
  // it, reads stdout and stderr (pipes) to their end, all at once so that
  // neither side can fill a pipe and deadlock, then waits for the child.
  // TimeoutExpired carries what was read so far; calling communicate()
  // again (with no input) continues where it stopped. After it returned,
  // calling it again is a UsageError.
  Output communicate(std::string_view input = {}, Deadline timeout = Deadline::never());

  // send_signal(sig) sends sig to the child unless it has been reaped.
  void send_signal(int sig);
  // terminate() sends SIGTERM; kill() sends SIGKILL.
  void terminate();
  void kill();

  // std_in()/std_out()/std_err() are this side of a pipe (Stdio::pipe()),
  // green file objects (file_object.hpp); closed once communicate() has
  // consumed them. UsageError for a stream that is not a pipe.
  FileObject& std_in();
  FileObject& std_out();
  FileObject& std_err();

  struct State;

 private:
  State& state(const char* call) const;
  std::unique_ptr<State> st_;
};

namespace detail {
// set_pidfd_enabled(false) makes Popens started afterwards on any thread
// wait by polling, as on a kernel without pidfd_open: the fallback's test seam.
void set_pidfd_enabled(bool enabled) noexcept;
}  // namespace detail

}  // namespace grove
