// grove-echo --port P [--host 127.0.0.1]: echoes every byte it reads on
// each connection, one fiber per connection, until SIGTERM or SIGINT.
// The W7 server of ../shared/bench/WORKLOADS.md. Prints the address it
// listens on (useful with --port 0) on its first line.

#include <grove/hub.hpp>
#include <grove/signal.hpp>
#include <grove/stream_server.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

// raise_fd_limit() lifts the soft descriptor limit to the hard one, as Go's
// runtime does, so thousands of idle connections fit.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

void echo(grove::Stream& stream) {
  boost::system::error_code ec;
  for (;;) {
    std::string_view data = stream.recv_view(4096, ec);
    if (data.empty()) return;  // end of stream or error: the connection is closed
    stream.send_all(data, ec);
    if (ec) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 18081;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--port") && i + 1 < argc) port = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
    else {
      std::fprintf(stderr, "usage: grove-echo [--port P] [--host 127.0.0.1]\n");
      return 2;
    }
  }
  raise_fd_limit();
  try {
    grove::StreamServer server(grove::tcp_endpoint(host, static_cast<std::uint16_t>(port)), echo,
                               {.listen = {.backlog = 4096}});
    server.start();
    std::printf("grove-echo listening on %s:%u\n", host.c_str(), server.port());
    std::fflush(stdout);
    auto on_term = grove::signal(SIGTERM, [&] { server.stop(std::chrono::seconds(1)); });
    auto on_int = grove::signal(SIGINT, [&] { server.stop(std::chrono::seconds(1)); });
    server.serve_forever();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grove-echo: %s\n", e.what());
    return 1;
  }
  return 0;
}
