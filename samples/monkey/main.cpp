// grove-monkey — gevent's "monkey patching" tutorial scenario in C++: the
// code below is ordinary blocking code (BSD sockets, usleep, getaddrinfo),
// written as if for one thread per request, and yet several fibers run it
// concurrently on one hub, because libgrove_hook.so (linked first, or
// LD_PRELOADed) makes those calls park the fiber instead of the thread:
//
//   import gevent, requests; from gevent import monkey; monkey.patch_all()
//   def fetch(url): print(f"GET {url}"); r = requests.get(url); print(f"{url} -> {len(r.content)}")
//   gevent.joinall([gevent.spawn(fetch, url) for url in urls])
//
// It starts a small blocking HTTP server on 127.0.0.1 (a thread per
// connection, each taking 200 ms to answer), fetches N pages from it in N
// fibers, and reports whether the fetches overlapped. Usage:
//   grove-monkey [N]        (default 5; exit status 1 if they ran one after the other)

#include <grove/fiber.hpp>
#include <grove/hook.hpp>
#include <grove/hub.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int answer_delay_ms = 200;

// ---- ordinary blocking code: nothing below knows about fibers ----

void serve_one(int client) {
  char buf[1024];
  (void)::recv(client, buf, sizeof buf, 0);  // the request line is enough
  ::usleep(answer_delay_ms * 1000);          // a slow backend
  const std::string body = "hello from the monkey-patched server\n";
  const std::string reply = "HTTP/1.0 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  (void)::send(client, reply.data(), reply.size(), 0);
  ::close(client);
}

std::string fetch(const std::string& host, const std::string& port, const std::string& path) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return {};
  const int s = ::socket(res->ai_family, res->ai_socktype, 0);
  const int rc = ::connect(s, res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  if (rc != 0) {
    ::close(s);
    return {};
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
  (void)::send(s, request.data(), request.size(), 0);
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = ::recv(s, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<size_t>(n));
  ::close(s);
  return response;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 5;
  if (n < 1 || n > 1000) {
    std::fprintf(stderr, "usage: grove-monkey [N (1..1000)]\n");
    return 2;
  }
  std::printf("grove::hook %s\n", grove::hook::enabled() ? "enabled" : "DISABLED (GROVE_HOOK=0)");

  // The server, listening on a free port.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listener, 128) != 0) {
    std::perror("grove-monkey: listen");
    return 2;
  }
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  // The classic blocking server, a thread per connection (threads without a
  // hub: the hook leaves their calls plain), so that it answers the same
  // way whether the hook is on or off.
  std::thread server([&] {
    std::vector<std::thread> handlers;
    for (int served = 0; served < n; ++served) {
      const int client = ::accept(listener, nullptr, nullptr);
      if (client < 0) break;
      handlers.emplace_back(serve_one, client);
    }
    for (auto& h : handlers) h.join();
  });

  // The clients: gevent.joinall([gevent.spawn(fetch, url) for url in urls]).
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<grove::Fiber<std::size_t>> fetchers;
  for (int i = 0; i < n; ++i) {
    fetchers.push_back(grove::spawn([&, i] {
      const std::string path = "/page/" + std::to_string(i);
      std::printf("GET http://localhost:%s%s\n", port.c_str(), path.c_str());
      const std::string page = fetch("localhost", port, path);
      std::printf("http://localhost:%s%s -> %zu bytes\n", port.c_str(), path.c_str(), page.size());
      return page.size();
    }));
  }
  bool all_ok = true;
  for (auto& f : fetchers) all_ok = f.get() > 0 && all_ok;
  server.join();
  ::close(listener);

  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  const long serial = static_cast<long>(n) * answer_delay_ms;
  const bool concurrent = n == 1 || ms < serial * 3 / 4;
  std::printf("%d fetches took %lld ms (one after the other: %ld ms)\n", n, static_cast<long long>(ms), serial);
  std::printf("%s\n", !all_ok      ? "some fetches failed"
                      : concurrent ? "the fetches ran concurrently"
                                   : "the fetches ran one after the other");
  return all_ok && concurrent ? 0 : 1;
}
