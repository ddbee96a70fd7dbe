// grove-telnet --port P: the seed's telnet server (gevent's StreamServer
// example). Each client is greeted, sent the numbers 0 to 4, one per line,
// and disconnected. Try it with `nc 127.0.0.1 P`. Stops on SIGTERM/SIGINT.

#include <grove/hub.hpp>
#include <grove/signal.hpp>
#include <grove/stream_server.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

void handle(grove::Stream& socket) {
  socket.send_all("Hello from a telnet!\n");
  for (int i = 0; i < 5; ++i) socket.send_all(std::to_string(i) + "\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 5000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--port") && i + 1 < argc) port = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
    else {
      std::fprintf(stderr, "usage: grove-telnet [--port P] [--host 127.0.0.1]\n");
      return 2;
    }
  }
  try {
    grove::StreamServer server(grove::tcp_endpoint(host, static_cast<std::uint16_t>(port)), handle);
    server.start();
    std::printf("grove-telnet listening on %s:%u\n", host.c_str(), server.port());
    std::fflush(stdout);
    auto on_term = grove::signal(SIGTERM, [&] { server.stop(); });
    auto on_int = grove::signal(SIGINT, [&] { server.stop(); });
    server.serve_forever();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grove-telnet: %s\n", e.what());
    return 1;
  }
  return 0;
}
