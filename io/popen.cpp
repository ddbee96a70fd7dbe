// popen.cpp — Popen: posix_spawn with pipes that FileObjects wrap, a pidfd
// watched by the hub's reactor for the exit (polling waitpid(pid, WNOHANG)
// without one), communicate() as one loop over an epoll set of the pipes.

#include <grove/popen.hpp>

#include <grove/errors.hpp>
#include <grove/io_error.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait_fd.hpp>

#include <boost/system/error_code.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern char** environ;  // NOLINT: POSIX declares it nowhere in a header

namespace grove {

namespace {

using namespace std::chrono_literals;

std::atomic<bool> pidfd_enabled{true};

boost::system::error_code errno_code(int e) { return {e, boost::system::system_category()}; }

// Abandoned children: destroyed Popens whose child still ran. Reaped with
// WNOHANG by later Popens (CPython's subprocess._active). Not the switch path.
std::mutex abandoned_mutex;
std::vector<pid_t> abandoned;

void reap_abandoned() noexcept {
  std::lock_guard lock(abandoned_mutex);
  std::erase_if(abandoned, [](pid_t pid) {
    int status = 0;
    pid_t r;
    do r = ::waitpid(pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    return r != 0;  // reaped, or not ours any more (ECHILD)
  });
}

void abandon(pid_t pid) {
  std::lock_guard lock(abandoned_mutex);
  abandoned.push_back(pid);
}

// Fd closes a descriptor it owns.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int d) : fd(d) {}
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    reset(std::exchange(o.fd, -1));
    return *this;
  }
  ~Fd() { reset(); }
  void reset(int d = -1) noexcept {
    if (fd >= 0) ::close(fd);
    fd = d;
  }
  int release() noexcept { return std::exchange(fd, -1); }
};

// above_stdio(fd) is fd, or an O_CLOEXEC duplicate of it numbered 3 or
// more when fd is 0, 1 or 2 (so that the child's dup2 onto 0..2 in order
// cannot overwrite a source); the duplicate goes into keep.
int above_stdio(int fd, std::vector<Fd>& keep) {
  if (fd > 2) return fd;
  const int d = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (d < 0) detail::throw_io_error(errno_code(errno), "grove::Popen: fcntl(F_DUPFD_CLOEXEC)");
  keep.emplace_back(d);
  return d;
}

// find_program(name, path) is name if it holds a '/', else the first
// executable file named name in path's directories (name if none is).
std::string find_program(const std::string& name, const std::string& path) {
  if (name.find('/') != std::string::npos) return name;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = path.find(':', start);
    std::string_view dir =
        std::string_view(path).substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (dir.empty()) dir = ".";
    // Appended piecewise: GCC 12's -Wrestrict misfires on dir + "/" + name.
    std::string candidate;
    candidate.reserve(dir.size() + 1 + name.size());
    candidate.append(dir).append(1, '/').append(name);
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (end == std::string::npos) return name;
    start = end + 1;
  }
}

int returncode_of(int status) { return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status); }

}  // namespace

namespace detail {
void set_pidfd_enabled(bool enabled) noexcept { pidfd_enabled.store(enabled); }
}  // namespace detail

struct Popen::State {
  std::vector<std::string> args;
  detail::Scheduler* owner = nullptr;
  pid_t pid = -1;
  Fd pidfd;
  Fd poller;               // communicate()'s epoll set over the pipes
  bool poll_only = false;  // the reactor cannot watch the pidfd: poll waitpid
  std::optional<int> returncode;
  std::optional<FileObject> in, out, err;
  // communicate()'s progress, kept across a TimeoutExpired.
  bool communicating = false;  // a fiber is inside communicate()
  bool started = false;        // communicate() was called once
  bool finished = false;       // communicate() returned
  std::string input;
  std::size_t written = 0;
  std::string out_data, err_data;

  // try_reap() reaps the child if it has exited; true once returncode is known.
  bool try_reap() {
    if (returncode) return true;
    int status = 0;
    pid_t r;
    do r = ::waitpid(pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0) return false;
    // r < 0 is ECHILD: other code reaped it and the status is lost (Python: 0).
    // The pidfd stays open until the Popen goes: other fibers' waits may
    // still have it registered with the reactor.
    returncode = r == pid ? returncode_of(status) : 0;
    return true;
  }

  [[noreturn]] void throw_timeout() const { throw TimeoutExpired(args, out_data, err_data); }
};

Popen::Popen(std::vector<std::string> argv, PopenOptions options) : st_(std::make_unique<State>()) {
  reap_abandoned();
  if (argv.empty())
    throw UsageError("grove::Popen: argv is empty; pass the program and its arguments, e.g. {\"ls\", \"-l\"}");
  if (options.std_in.kind() == Stdio::Kind::to_stdout || options.std_out.kind() == Stdio::Kind::to_stdout)
    throw UsageError("grove::Popen: Stdio::to_stdout() is for std_err only (merge stderr into stdout)");
  for (const Stdio* s : {&options.std_in, &options.std_out, &options.std_err})
    if (s->kind() == Stdio::Kind::fd && s->descriptor() < 0)
      throw UsageError("grove::Popen: Stdio::fd(" + std::to_string(s->descriptor()) + ") is not a descriptor");
  if (!options.cwd.empty()) {
    struct stat st {};
    if (::stat(options.cwd.c_str(), &st) != 0)
      detail::throw_io_error(errno_code(errno), ("grove::Popen: cwd " + options.cwd).c_str());
    if (!S_ISDIR(st.st_mode)) detail::throw_io_error(errno_code(ENOTDIR), ("grove::Popen: cwd " + options.cwd).c_str());
  }
  State& s = *st_;
  s.owner = &detail::scheduler();
  s.args = std::move(argv);

  // The environment and the program.
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  if (options.env) {
    for (const auto& [k, v] : *options.env) {
      std::string entry = k;
      entry += '=';
      entry += v;
      env_strings.push_back(std::move(entry));
      if (k == "PATH") path = v;
    }
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
  } else if (const char* p = ::getenv("PATH")) {  // NOLINT(concurrency-mt-unsafe): read only
    path = p;
  }
  const std::string program = find_program(s.args[0], path);
  std::vector<char*> argvp;
  for (auto& a : s.args) argvp.push_back(a.data());
  argvp.push_back(nullptr);

  // The child's ends (closed here once it started) and this side's ends.
  std::vector<Fd> child_ends;
  Fd mine[3];
  int source[3] = {-1, -1, -1};  // what the child dup2s onto 0, 1, 2 (-1: keep)
  Fd devnull;
  const Stdio* kinds[3] = {&options.std_in, &options.std_out, &options.std_err};
  for (int i = 0; i < 3; ++i) {
    switch (kinds[i]->kind()) {
      case Stdio::Kind::inherit:
      case Stdio::Kind::to_stdout:
        break;
      case Stdio::Kind::pipe: {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) detail::throw_io_error(errno_code(errno), "grove::Popen: pipe2");
        const int child = i == 0 ? fds[0] : fds[1];
        mine[i].reset(i == 0 ? fds[1] : fds[0]);
        child_ends.emplace_back(child);
        source[i] = above_stdio(child, child_ends);
        break;
      }
      case Stdio::Kind::devnull:
        if (devnull.fd < 0) {
          devnull.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
          if (devnull.fd < 0) detail::throw_io_error(errno_code(errno), "grove::Popen: open /dev/null");
        }
        source[i] = above_stdio(devnull.fd, child_ends);
        break;
      case Stdio::Kind::fd:
        source[i] = above_stdio(kinds[i]->descriptor(), child_ends);
        break;
    }
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  struct Cleanup {
    posix_spawn_file_actions_t* a;
    posix_spawnattr_t* t;
    ~Cleanup() {
      ::posix_spawn_file_actions_destroy(a);
      ::posix_spawnattr_destroy(t);
    }
  } cleanup{&actions, &attr};
  for (int i = 0; i < 3; ++i)
    if (source[i] >= 0) ::posix_spawn_file_actions_adddup2(&actions, source[i], i);
  if (options.std_err.kind() == Stdio::Kind::to_stdout) ::posix_spawn_file_actions_adddup2(&actions, 1, 2);
  if (options.close_fds) ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!options.cwd.empty()) ::posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  sigset_t mask;
  sigemptyset(&mask);
  ::posix_spawnattr_setsigmask(&attr, &mask);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGXFSZ);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (options.start_new_session) flags |= POSIX_SPAWN_SETSID;
  ::posix_spawnattr_setflags(&attr, flags);

  pid_t pid = -1;
  const int rc =
      ::posix_spawn(&pid, program.c_str(), &actions, &attr, argvp.data(), options.env ? envp.data() : environ);
  if (rc != 0) detail::throw_io_error(errno_code(rc), ("grove::Popen: cannot run " + s.args[0]).c_str());
  s.pid = pid;
  child_ends.clear();
  devnull.reset();

  if (pidfd_enabled.load()) {
    const long fd = ::syscall(SYS_pidfd_open, pid, 0);  // O_CLOEXEC always
    if (fd >= 0) s.pidfd.reset(static_cast<int>(fd));
  }
  // FileObject makes this side non-blocking (the child's end is another
  // open file description and stays blocking).
  try {
    if (mine[0].fd >= 0) s.in.emplace(mine[0].release());
    if (mine[1].fd >= 0) s.out.emplace(mine[1].release());
    if (mine[2].fd >= 0) s.err.emplace(mine[2].release());
  } catch (...) {
    // The child runs but nobody will own it: end it, reap it later.
    (void)::kill(pid, SIGKILL);
    abandon(pid);
    throw;
  }
}

Popen::~Popen() {
  if (!st_) return;
  st_->in.reset();
  st_->out.reset();
  st_->err.reset();
  if (!st_->try_reap()) abandon(st_->pid);
  reap_abandoned();
}

Popen::Popen(Popen&& other) noexcept = default;

Popen& Popen::operator=(Popen&& other) noexcept {
  if (this != &other) {
    Popen gone(std::move(*this));
    st_ = std::move(other.st_);
  }
  return *this;
}

Popen::State& Popen::state(const char* call) const {
  if (!st_)
    throw UsageError(std::string("grove::Popen::") + call + ": this Popen was moved from; use the one it moved to");
  if (detail::tls_scheduler != st_->owner)
    throw UsageError(std::string("grove::Popen::") + call +
                     ": a Popen is used from the thread of the hub that started it; "
                     "start the child on this thread's hub, or send the request to that hub");
  return *st_;
}

int Popen::pid() const { return state("pid").pid; }
const std::vector<std::string>& Popen::args() const { return state("args").args; }
std::optional<int> Popen::returncode() const { return state("returncode").returncode; }

std::optional<int> Popen::poll() {
  State& s = state("poll");
  s.try_reap();
  return s.returncode;
}

int Popen::wait(Deadline timeout) {
  State& s = state("wait");
  const TimePoint until = timeout.time_point("grove::Popen::wait");
  detail::scheduler().require_fiber_context("grove::Popen::wait");
  Duration backoff = 1ms;
  for (;;) {
    if (s.try_reap()) return *s.returncode;
    if (s.pidfd.fd >= 0 && !s.poll_only) {
      boost::system::error_code ec;
      const bool ready = detail::wait_fd_until(s.pidfd.fd, false, until, ec);
      if (ec) {
        s.poll_only = true;  // the reactor cannot watch it: poll from now on
        continue;
      }
      if (!ready) {
        if (s.try_reap()) return *s.returncode;
        throw TimeoutExpired(s.args, {}, {});
      }
      continue;
    }
    const TimePoint now = detail::scheduler().now();
    if (now >= until) throw TimeoutExpired(s.args, {}, {});
    this_fiber::sleep_until(std::min(deadline_after(now, backoff), until));
    backoff = std::min<Duration>(backoff * 2, 50ms);
  }
}

Popen::Output Popen::communicate(std::string_view input, Deadline timeout) {
  State& s = state("communicate");
  const TimePoint until = timeout.time_point("grove::Popen::communicate");
  detail::scheduler().require_fiber_context("grove::Popen::communicate");
  if (s.communicating)
    throw UsageError("grove::Popen::communicate: another fiber is in communicate() on this Popen; let one fiber do it");
  if (s.finished)
    throw UsageError(
        "grove::Popen::communicate: it already returned the output and the pipes are closed; call it once per child");
  if (s.started && !input.empty())
    throw UsageError(
        "grove::Popen::communicate: cannot send input after a TimeoutExpired; call communicate() without input to "
        "collect the rest");
  if (!input.empty() && !s.in)
    throw UsageError(
        "grove::Popen::communicate: input given but stdin is not a pipe; start it with .std_in = "
        "grove::Stdio::pipe()");
  if (!input.empty() && !s.started && s.in->closed())
    throw UsageError("grove::Popen::communicate: input given but std_in() was closed; write it before closing");
  if (!s.started) {
    s.started = true;
    s.input.assign(input);
    // What readline() read ahead is output too.
    if (s.out && !s.out->closed() && s.out->buffered() > 0) s.out_data += s.out->read(s.out->buffered());
    if (s.err && !s.err->closed() && s.err->buffered() > 0) s.err_data += s.err->read(s.err->buffered());
  }
  s.communicating = true;
  struct Leave {
    State& s;
    ~Leave() { s.communicating = false; }
  } leave{s};

  auto open = [](const std::optional<FileObject>& f) { return f && !f->closed(); };
  // drain(f, into) reads what f has now (into the string: a fiber's stack
  // is small); closes f at end of file.
  auto drain = [](std::optional<FileObject>& f, std::string& into) {
    constexpr std::size_t chunk = 65536;
    for (;;) {
      const std::size_t had = into.size();
      into.resize(had + chunk);
      const ssize_t r = ::read(f->fileno(), into.data() + had, chunk);
      into.resize(had + (r > 0 ? static_cast<std::size_t>(r) : 0));
      if (r > 0) continue;
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (r < 0) detail::throw_io_error(errno_code(errno), "grove::Popen::communicate: read");
      f->close();  // end of file (closing also drops it from s.poller)
      return;
    }
  };
  if (s.poller.fd < 0) {
    // One epoll set over the pipes, which the hub's reactor watches as one
    // descriptor: the fiber parks until any pipe is ready. Closing a pipe
    // removes it from the set; the set itself lives until the Popen goes,
    // so no wait ever watches a descriptor that was closed under it.
    s.poller.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (s.poller.fd < 0) detail::throw_io_error(errno_code(errno), "grove::Popen::communicate: epoll_create1");
    auto add = [&](const std::optional<FileObject>& f, std::uint32_t events) {
      if (!open(f)) return;
      epoll_event ev{};
      ev.events = events;
      ev.data.fd = f->fileno();
      if (::epoll_ctl(s.poller.fd, EPOLL_CTL_ADD, f->fileno(), &ev) != 0)
        detail::throw_io_error(errno_code(errno), "grove::Popen::communicate: epoll_ctl");
    };
    add(s.in, EPOLLOUT);
    add(s.out, EPOLLIN);
    add(s.err, EPOLLIN);
  }
  for (;;) {
    if (open(s.in)) {
      while (s.written < s.input.size()) {
        const ssize_t r = ::write(s.in->fileno(), s.input.data() + s.written, s.input.size() - s.written);
        if (r >= 0) {
          s.written += static_cast<std::size_t>(r);
          continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EPIPE) {
          s.written = s.input.size();  // the child closed its stdin: the rest is not wanted
          break;
        }
        detail::throw_io_error(errno_code(errno), "grove::Popen::communicate: write");
      }
      if (s.written == s.input.size()) s.in->close();
    }
    if (open(s.out)) drain(s.out, s.out_data);
    if (open(s.err)) drain(s.err, s.err_data);
    if (!open(s.in) && !open(s.out) && !open(s.err)) break;
    boost::system::error_code ec;
    if (!detail::wait_fd_until(s.poller.fd, false, until, ec)) {
      detail::throw_if(ec, "grove::Popen::communicate");
      s.throw_timeout();
    }
  }
  try {
    (void)wait(until);
  } catch (const TimeoutExpired&) {
    s.throw_timeout();
  }
  s.finished = true;
  return Output{std::exchange(s.out_data, {}), std::exchange(s.err_data, {})};
}

void Popen::send_signal(int sig) {
  State& s = state("send_signal");
  if (s.try_reap()) return;  // reaped: the pid may be another process's now
  int r;
  if (s.pidfd.fd >= 0) {
    r = static_cast<int>(::syscall(SYS_pidfd_send_signal, s.pidfd.fd, sig, nullptr, 0));
  } else {
    r = ::kill(s.pid, sig);
  }
  if (r == 0 || errno == ESRCH) return;  // ESRCH: it is exiting
  if (errno == EINVAL)
    throw UsageError("grove::Popen::send_signal: " + std::to_string(sig) + " is not a signal number");
  detail::throw_io_error(errno_code(errno), "grove::Popen::send_signal");
}

void Popen::terminate() { send_signal(SIGTERM); }
void Popen::kill() { send_signal(SIGKILL); }

namespace {
FileObject& pipe_of(std::optional<FileObject>& f, const char* call, const char* field) {
  if (!f)
    throw UsageError(std::string("grove::Popen::") + call + ": it is not a pipe; start the child with ." + field +
                     " = grove::Stdio::pipe()");
  return *f;
}
}  // namespace

FileObject& Popen::std_in() { return pipe_of(state("std_in").in, "std_in", "std_in"); }
FileObject& Popen::std_out() { return pipe_of(state("std_out").out, "std_out", "std_out"); }
FileObject& Popen::std_err() { return pipe_of(state("std_err").err, "std_err", "std_err"); }

}  // namespace grove
