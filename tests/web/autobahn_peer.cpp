// autobahn_peer.cpp — the grove side of the WebSocket conformance driver
// (autobahn/ws_conformance.py, docs/web.md "Conformance"): an echo peer
// built on grove::web::WebSocket, as Autobahn|Testsuite's "testee".
//
//   web_autobahn_peer --server [--max-message BYTES]
//       an HttpServer on 127.0.0.1:0 whose every path upgrades to an echo
//       WebSocket (each text or binary message is sent back as it came);
//       prints "port <N>" on its first line, runs until SIGTERM or SIGINT.
//   web_autobahn_peer --client ws://127.0.0.1:<port>/<path> [--count N] [--max-message BYTES]
//       N times (default 1), one after the other: a WebSocketClient that
//       echoes every message until the connection ends, then prints
//       "end <end_reason> <close_code>" (or "error <what>" when the
//       connection or the opening handshake failed); exits 0.
//
// The message limit (default 16 MiB + 1 KiB: Autobahn's largest message,
// case 9.1.6, is 16 MiB) is max_message_bytes; the outbound queue's bound
// is four times it, so an echo is never dropped as a slow consumer.

#include <grove/signal.hpp>
#include <grove/web/http_server.hpp>
#include <grove/web/websocket.hpp>
#include <grove/web/websocket_client.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

namespace {

void echo(grove::web::WebSocket& ws) {
  while (auto m = ws.receive()) {
    if (!ws.send(std::move(m->data), m->binary)) break;
  }
}

grove::web::WebSocketOptions options(std::size_t max_message) {
  grove::web::WebSocketOptions o;
  o.max_message_bytes = max_message;
  o.max_queued_bytes = 4 * max_message;
  o.close_timeout = std::chrono::seconds(2);
  return o;
}

int serve(std::size_t max_message) {
  grove::web::HttpServer server(grove::tcp_endpoint("127.0.0.1", 0),
                                grove::web::websocket_handler(echo, options(max_message)));
  server.start();
  std::printf("port %u\n", server.port());
  std::fflush(stdout);
  auto on_term = grove::signal(SIGTERM, [&] { server.stop(std::chrono::seconds(1)); });
  auto on_int = grove::signal(SIGINT, [&] { server.stop(std::chrono::seconds(1)); });
  server.serve_forever();
  return 0;
}

int client(const std::string& url, std::size_t max_message, long count) {
  for (long i = 0; i < count; ++i) {
    try {
      grove::web::WebSocketClient ws(url, options(max_message));
      echo(ws);
      ws.close();
      std::printf("end %s %u\n", std::string(ws.end_reason()).c_str(), static_cast<unsigned>(ws.close_code()));
    } catch (const std::exception& e) {
      std::printf("error %s\n", e.what());
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode, url;
  std::size_t max_message = 16 * 1024 * 1024 + 1024;
  long count = 1;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--server")) mode = "server";
    else if (!std::strcmp(argv[i], "--client") && i + 1 < argc) {
      mode = "client";
      url = argv[++i];
    } else if (!std::strcmp(argv[i], "--count") && i + 1 < argc) {
      count = std::strtol(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--max-message") && i + 1 < argc) {
      max_message = std::strtoull(argv[++i], nullptr, 10);
    } else {
      mode.clear();
      break;
    }
  }
  if (mode.empty()) {
    std::fprintf(stderr, "usage: web_autobahn_peer --server | --client URL [--count N] [--max-message BYTES]\n");
    return 2;
  }
  try {
    return mode == "server" ? serve(max_message) : client(url, max_message, count);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "web_autobahn_peer: %s\n", e.what());
    std::printf("error %s\n", e.what());
    return 1;
  }
}
