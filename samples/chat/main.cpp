// grove-chat [--host 127.0.0.1] [--port 5555] [--http-port 8080] [--hubs 1]
//            [--hubs 1] [--backlog 25] [--log-level info] [limits...]
// The chat server of issue 6: TCP line protocol on --port; the web page,
// WebSocket (/ws), long poll and /stats on --http-port. Prints one line per
// listening port ("grove-chat: tcp listening on 127.0.0.1:5555", port 0
// prints the real port); SIGINT/SIGTERM drain (at most 5 s) and exit 0.
// The limits (docs/limits.md; times in seconds, fractions allowed):
//   --max-connections 10000  --idle-timeout 60  --write-timeout 30
//   --ws-idle-timeout 60 (a ping after half of it)  --max-rooms 10000
//   --max-rooms-per-client 100  --room-idle-timeout 300
// --actor-timing 1 times every room's messages (the histogram
// grove_actor_processing_seconds at GET /metrics; off by default: it puts
// every message of the rooms' hub on the observed path, docs/observability.md).
// --fiber-timing 1 measures each fiber's run time (HubConfig::fiber_timing:
// /debug/fibers and grove-top show it; off by default, it reads the clock
// at every scheduling decision).
// The connection cap is lowered, with a warning, to leave 32 descriptors
// free below RLIMIT_NOFILE (raised to its hard limit first): past the cap
// clients are refused with a message instead of waiting unserved.
// --hubs N runs the server on N hubs of a grove::Runtime (0: one per core):
// each hub listens on both ports itself (SO_REUSEPORT, the kernel spreads
// the connections) and runs the connections it accepts; the rooms and the
// rest of the chat's state stay on hub 0, which the other hubs call
// (ChatService::at_home), so every room keeps one order for all clients.
#include <grove/chat/chat_server.hpp>
#include <grove/debug/actor_timing.hpp>
#include <grove/debug/metrics.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/runtime.hpp>
#include <grove/signal.hpp>
#include <grove/stream_server.hpp>

#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

// Descriptors kept free below RLIMIT_NOFILE for everything but clients
// (listeners, the hub, logs, a sanitizer's own pipes).
constexpr std::size_t kReservedDescriptors = 32;

struct Options {
  std::string host = "127.0.0.1";
  long port = 5555;
  long http_port = 8080;
  long backlog = 25;
  long hubs = 1;
  bool actor_timing = false;
  bool fiber_timing = false;
  std::string log_level = "info";
  grove::chat::ChatConfig config;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "grove-chat: %s\nusage: grove-chat [--host 127.0.0.1] [--port 5555] [--http-port 8080] "
               "[--backlog 25] [--log-level trace|debug|info|warn|error|critical|off] [--actor-timing 0|1] "
               "[--fiber-timing 0|1]\n"
               "  [--max-connections 10000] [--idle-timeout 60] [--write-timeout 30] [--ws-idle-timeout 60]\n"
               "  [--max-rooms 10000] [--max-rooms-per-client 100] [--room-idle-timeout 300]\n"
               "(times in seconds; see docs/limits.md)\n",
               why);
  std::exit(2);
}

long number(const char* flag, const char* text, long max) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < 0 || v > max) usage((std::string("bad value for ") + flag).c_str());
  return v;
}

std::size_t count(const char* flag, const char* text) {
  return static_cast<std::size_t>(number(flag, text, 100000000));
}

// seconds(flag, text) is a positive time in seconds (fractions allowed).
grove::Duration seconds(const char* flag, const char* text) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (*text == '\0' || *end != '\0' || !(v > 0) || v > 1e6) usage((std::string("bad value for ") + flag).c_str());
  return std::chrono::duration_cast<grove::Duration>(std::chrono::duration<double>(v));
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const char* flag = argv[i];
    if (!std::strcmp(flag, "--help") || !std::strcmp(flag, "-h")) usage("help");
    if (i + 1 >= argc) usage((std::string("missing value for ") + flag).c_str());
    const char* value = argv[++i];
    if (!std::strcmp(flag, "--host")) o.host = value;
    else if (!std::strcmp(flag, "--port")) o.port = number(flag, value, 65535);
    else if (!std::strcmp(flag, "--http-port")) o.http_port = number(flag, value, 65535);
    else if (!std::strcmp(flag, "--backlog")) o.backlog = number(flag, value, 1000000);
    else if (!std::strcmp(flag, "--hubs")) o.hubs = number(flag, value, 1024);
    else if (!std::strcmp(flag, "--actor-timing")) o.actor_timing = number(flag, value, 1) == 1;
    else if (!std::strcmp(flag, "--fiber-timing")) o.fiber_timing = number(flag, value, 1) == 1;
    else if (!std::strcmp(flag, "--log-level")) o.log_level = value;
    else if (!std::strcmp(flag, "--max-connections")) o.config.max_connections = count(flag, value);
    else if (!std::strcmp(flag, "--idle-timeout")) o.config.idle_timeout = seconds(flag, value);
    else if (!std::strcmp(flag, "--write-timeout")) o.config.write_timeout = seconds(flag, value);
    else if (!std::strcmp(flag, "--ws-idle-timeout")) o.config.ws_idle_timeout = seconds(flag, value);
    else if (!std::strcmp(flag, "--max-rooms")) o.config.max_rooms = count(flag, value);
    else if (!std::strcmp(flag, "--max-rooms-per-client")) o.config.max_rooms_per_client = count(flag, value);
    else if (!std::strcmp(flag, "--room-idle-timeout")) o.config.room_idle_timeout = seconds(flag, value);
    else usage((std::string("unknown option ") + flag).c_str());
  }
  o.config.backlog = static_cast<std::size_t>(o.backlog);
  o.config.ws_ping_interval = o.config.ws_idle_timeout / 2;  // a silent client is pinged half way
  return o;
}

// fit_descriptors(config) raises the soft RLIMIT_NOFILE to the hard one and
// lowers config.max_connections (0: no cap) to leave kReservedDescriptors
// free, so the server refuses clients before accept() runs out.
void fit_descriptors(grove::chat::ChatConfig& config) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  if (lim.rlim_cur == RLIM_INFINITY) return;
  const std::size_t room =
      lim.rlim_cur > 2 * kReservedDescriptors ? lim.rlim_cur - kReservedDescriptors : lim.rlim_cur / 2;
  if (config.max_connections == 0 || config.max_connections > room) {
    spdlog::warn("grove-chat: {} descriptors (ulimit -n): at most {} connections", lim.rlim_cur, room);
    config.max_connections = room;
  }
}

// Signals is the wait for SIGTERM or SIGINT on the calling thread's hub.
struct Signals {
  grove::Event stop;
  int signo = 0;
  grove::SignalHandler term = grove::signal(SIGTERM, [this](int s) { on(s); });
  grove::SignalHandler intr = grove::signal(SIGINT, [this](int s) { on(s); });
  void on(int s) {
    signo = s;
    stop.set();
  }
};

// serve_on_hubs(o, config) is grove-chat on o.hubs hubs of a Runtime.
int serve_on_hubs(const Options& o, grove::chat::ChatConfig config) {
  grove::Runtime rt({.hubs = o.hubs == 0 ? grove::Runtime::default_hub_count() : static_cast<std::size_t>(o.hubs),
                     .hub = grove::HubConfig{.fiber_timing = o.fiber_timing}});
  const grove::HubId home{0};
  std::unique_ptr<grove::chat::ChatServer> chat;
  std::unique_ptr<grove::debug::ActorTiming> timing;  // on home, where the rooms run
  std::vector<std::unique_ptr<grove::StreamServer>> tcp(rt.size());
  std::vector<std::unique_ptr<grove::StreamServer>> http(rt.size());
  // Each server is made, stopped and destroyed on its own hub.
  auto release = [&] {
    for (const grove::HubId h : rt.hubs())
      rt.spawn_on(h, [&, i = h.index] {
          tcp[i].reset();
          http[i].reset();
        }).get();
    rt.spawn_on(home, [&] {
        chat.reset();
        timing.reset();
      }).get();
  };
  Signals signals;
  std::uint16_t tcp_port = static_cast<std::uint16_t>(o.port);
  std::uint16_t http_port = static_cast<std::uint16_t>(o.http_port);
  try {
    rt.spawn_on(home, [&] {
        if (o.actor_timing)
          timing = std::make_unique<grove::debug::ActorTiming>(grove::debug::shared_metrics()->registry());
        chat = std::make_unique<grove::chat::ChatServer>(std::move(config));
      }).get();
    grove::StreamServerOptions shared;
    shared.listen.reuse_port = true;
    for (const grove::HubId h : rt.hubs())
      rt.spawn_on(h, [&, i = h.index] {
          // Hub 0 binds first (port 0: it picks the port), the others share it.
          tcp[i] = std::make_unique<grove::StreamServer>(
              grove::tcp_endpoint(o.host, tcp_port), [&](grove::Stream& s) { chat->handle_tcp(s); }, shared);
          http[i] = std::make_unique<grove::StreamServer>(
              grove::tcp_endpoint(o.host, http_port), [&](grove::Stream& s) { chat->handle_http(s); }, shared);
          tcp[i]->start();
          http[i]->start();
          tcp_port = tcp[i]->port();
          http_port = http[i]->port();
        }).get();
  } catch (...) {
    release();
    throw;
  }
  std::printf("grove-chat: tcp listening on %s:%u\n", o.host.c_str(), tcp_port);
  std::printf("grove-chat: http listening on %s:%u\n", o.host.c_str(), http_port);
  std::fflush(stdout);
  spdlog::info("grove-chat: serving on {} hubs (tcp {}, http {})", rt.size(), tcp_port, http_port);

  // main's hub has nothing else to wait for (the servers run on the
  // Runtime's hubs): a timed wait keeps it from calling itself idle.
  while (!signals.stop.wait(std::chrono::seconds(3600))) {
  }
  spdlog::info("grove-chat: signal {}: draining (at most 5 s)", signals.signo);
  std::vector<grove::AsyncResult<void>> stops;
  for (const grove::HubId h : rt.hubs())
    stops.push_back(rt.spawn_on(h, [&, i = h.index] {
      auto tcp_stop = grove::spawn([&] { tcp[i]->stop(4s); });
      http[i]->stop(4s);
      tcp_stop.join();
    }));
  rt.spawn_on(home, [&] { chat->stop(4s); }).get();
  for (auto& s : stops) s.get();
  release();
  rt.stop();
  spdlog::info("grove-chat: stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const auto level = spdlog::level::from_str(o.log_level);
  if (level == spdlog::level::off && o.log_level != "off") usage("bad value for --log-level");
  spdlog::set_level(level);
  grove::chat::ChatConfig config = o.config;
  fit_descriptors(config);

  try {
    grove::Hub::create(grove::HubConfig{.fiber_timing = o.fiber_timing});  // this thread's hub, first grove call
    if (o.hubs != 1) return serve_on_hubs(o, std::move(config));
    std::optional<grove::debug::ActorTiming> timing;
    if (o.actor_timing) timing.emplace(grove::debug::shared_metrics()->registry());
    grove::chat::ChatServer chat(std::move(config));
    grove::StreamServer tcp(grove::tcp_endpoint(o.host, static_cast<std::uint16_t>(o.port)),
                            [&](grove::Stream& s) { chat.handle_tcp(s); });
    grove::StreamServer http(grove::tcp_endpoint(o.host, static_cast<std::uint16_t>(o.http_port)),
                             [&](grove::Stream& s) { chat.handle_http(s); });
    // Listen for the signals before saying we listen: a client that reads
    // the lines below may signal at once.
    grove::Event stop;
    int signo = 0;
    auto on_signal = [&](int s) {
      signo = s;
      stop.set();
    };
    auto term = grove::signal(SIGTERM, on_signal);
    auto intr = grove::signal(SIGINT, on_signal);
    tcp.start();
    http.start();
    std::printf("grove-chat: tcp listening on %s:%u\n", o.host.c_str(), tcp.port());
    std::printf("grove-chat: http listening on %s:%u\n", o.host.c_str(), http.port());
    std::fflush(stdout);
    spdlog::info("grove-chat: serving (tcp {}, http {})", tcp.port(), http.port());

    stop.wait();
    spdlog::info("grove-chat: signal {}: draining (at most 5 s)", signo);

    // Stop accepting and drain both servers while the chat tells every
    // connection goodbye; what is left after the grace is killed.
    auto tcp_stop = grove::spawn([&] { tcp.stop(4s); });
    auto http_stop = grove::spawn([&] { http.stop(4s); });
    chat.stop(4s);
    tcp_stop.join();
    http_stop.join();
    spdlog::info("grove-chat: stopped");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grove-chat: %s\n", e.what());
    return 1;
  }
  return 0;
}
