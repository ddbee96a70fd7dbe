// grove-top [--interval 1] [--sort run|wakes|mailbox|wait] [--once] URL
// An etop-like view of a running grove process (issue 14 §5): every
// interval it reads GET /debug/fibers (the "grove.fibers/1" dump,
// docs/observability.md) with grove's HttpClient and redraws the terminal:
// the hubs (loop turns per second, busy %), the actors (mailbox depth,
// restarts, messages from other hubs) and the fibers (state, what they wait
// on and for how long, run time, wakes). Keys: r, w, m, a sort by run time,
// wakes, mailbox depth, wait age; q quits. URL is host:port or a full
// http:// URL; without a path, /debug/fibers. --once prints one screen,
// without terminal control codes, and exits (1 if the process cannot be
// read). Run times need the process's hubs to have HubConfig::fiber_timing.

#include "top_view.hpp"

#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait_fd.hpp>
#include <grove/web/http_client.hpp>

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

namespace {

using namespace std::chrono_literals;
using grove::top::SortKey;

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "grove-top: %s\nusage: grove-top [--interval SECONDS] [--sort run|wakes|mailbox|wait] [--once] "
               "HOST:PORT|URL\n",
               why);
  std::exit(2);
}

struct Options {
  std::string url;
  grove::Duration interval = 1s;
  SortKey sort = SortKey::run_time;
  bool once = false;
};

std::optional<SortKey> sort_key(int c) {
  switch (c) {
    case 'r':
      return SortKey::run_time;
    case 'w':
      return SortKey::wakes;
    case 'm':
      return SortKey::mailbox;
    case 'a':
      return SortKey::wait_age;
    default:
      return std::nullopt;
  }
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--once") {
      o.once = true;
    } else if (flag == "--interval" && i + 1 < argc) {
      const double s = std::strtod(argv[++i], nullptr);
      if (!(s >= 0.05 && s <= 3600)) usage("bad --interval");
      o.interval = std::chrono::duration_cast<grove::Duration>(std::chrono::duration<double>(s));
    } else if (flag == "--sort" && i + 1 < argc) {
      const auto k = sort_key(argv[++i][0]);
      if (!k) usage("bad --sort");
      o.sort = *k;
    } else if (flag == "-h" || flag == "--help") {
      usage("help");
    } else if (!flag.empty() && flag[0] != '-' && o.url.empty()) {
      o.url = flag;
    } else {
      usage(("unknown option " + flag).c_str());
    }
  }
  if (o.url.empty()) usage("which process? give its HOST:PORT or URL");
  if (o.url.rfind("http://", 0) != 0 && o.url.rfind("https://", 0) != 0) o.url = "http://" + o.url;
  if (o.url.find('/', o.url.find("//") + 2) == std::string::npos) o.url += "/debug/fibers";
  return o;
}

// RawTerminal puts the terminal in non-canonical mode without echo and on
// the alternate screen, and restores it when destroyed.
class RawTerminal {
 public:
  RawTerminal() {
    if (::tcgetattr(0, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(0, TCSANOW, &raw) == 0;
    std::fputs("\x1b[?1049h\x1b[?25l", stdout);
  }
  ~RawTerminal() {
    std::fputs("\x1b[?25h\x1b[?1049l", stdout);
    std::fflush(stdout);
    if (active_) ::tcsetattr(0, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

void screen_size(std::size_t& width, std::size_t& height) {
  winsize ws{};
  if (::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    width = ws.ws_col;
    height = ws.ws_row;
  }
}

// Top polls one process and draws it.
class Top {
 public:
  explicit Top(Options o) : o_(std::move(o)) {}

  // poll() reads the dump; false (error_ set) when it could not.
  bool poll() {
    try {
      const auto res = client_.get(o_.url, 5s);
      if (res.result() != grove::web::http::status::ok)
        throw std::runtime_error("GET " + o_.url + ": HTTP " + std::to_string(res.result_int()));
      grove::top::Snapshot next = grove::top::parse(nlohmann::json::parse(res.body()), last_ ? &*last_ : nullptr);
      last_ = std::move(next);
      error_.clear();
      return true;
    } catch (const std::exception& e) {
      error_ = e.what();
      return false;
    }
  }

  void draw(bool terminal) const {
    std::size_t width = 160, height = terminal ? 24 : 60;
    if (terminal) screen_size(width, height);
    std::string screen = terminal ? "\x1b[H" : "";
    if (!last_) {
      screen += "grove-top  " + o_.url + "\n\ncannot read it: " + error_ + "\n";
    } else {
      auto lines = grove::top::render(*last_, o_.sort, o_.url, width, height - (error_.empty() ? 0 : 1));
      if (!error_.empty()) lines.insert(lines.begin() + 1, "last poll failed (showing the previous one): " + error_);
      for (const std::string& line : lines) screen += line + (terminal ? "\x1b[K\n" : "\n");
    }
    if (terminal) screen += "\x1b[J";
    std::fwrite(screen.data(), 1, screen.size(), stdout);
    std::fflush(stdout);
  }

  // key(c) handles a key press: false to quit.
  bool key(int c) {
    if (c == 'q' || c == 'Q' || c == 3) return false;
    if (auto k = sort_key(c)) o_.sort = *k;
    return true;
  }

  const Options& options() const { return o_; }

 private:
  Options o_;
  grove::web::HttpClient client_;
  std::optional<grove::top::Snapshot> last_;
  std::string error_;
};

int run(const Options& options) {
  Top top(options);
  if (options.once) {
    const bool ok = top.poll();
    top.draw(false);
    return ok ? 0 : 1;
  }
  RawTerminal terminal;
  bool keys = true;  // stdin still open
  auto next = grove::Clock::now();
  for (;;) {
    if (grove::Clock::now() >= next) {
      top.poll();
      top.draw(true);
      next = grove::Clock::now() + top.options().interval;
    }
    if (!keys) {
      grove::this_fiber::sleep(next - grove::Clock::now());
      continue;
    }
    if (!grove::wait_readable(0, next - grove::Clock::now())) continue;
    char buf[16];
    const ssize_t n = ::read(0, buf, sizeof buf);
    if (n <= 0) {
      keys = n < 0 && errno == EAGAIN;
      continue;
    }
    bool redraw = false;
    for (ssize_t i = 0; i < n; ++i) {
      if (!top.key(buf[i])) return 0;
      redraw = true;
    }
    if (redraw) top.draw(true);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  try {
    return grove::spawn([&] { return run(options); }).get();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grove-top: %s\n", e.what());
    return 1;
  }
}
