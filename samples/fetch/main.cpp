// grove-fetch [--timeout SECONDS] URL...: fetches several http:// URLs
// concurrently, one fiber each (the seed's concurrent fetcher), with
// Boost.Beast's synchronous HTTP calls running on green sockets. Prints one
// line per URL as it completes: "<url> <status> <body bytes>", or
// "<url> error: <why>". Exits non-zero if any fetch failed.

#include <grove/fiber.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace http = boost::beast::http;

namespace {

struct Url {
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";
};

bool parse(const std::string& url, Url& out) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) return false;
  std::string rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out.target = rest.substr(slash);
  auto colon = authority.rfind(':');
  if (colon != std::string::npos) {
    int port = std::atoi(authority.c_str() + colon + 1);
    if (port <= 0 || port > 65535) return false;
    out.port = static_cast<std::uint16_t>(port);
    authority.resize(colon);
  }
  out.host = authority;
  return !out.host.empty();
}

// fetch() runs in its own fiber: connect, write the request, read the response.
bool fetch(const std::string& url, double timeout_seconds) {
  Url u;
  if (!parse(url, u)) {
    std::printf("%s error: only http://host[:port]/path URLs are supported\n", url.c_str());
    return false;
  }
  try {
    grove::Timeout deadline{std::chrono::duration<double>(timeout_seconds)};
    auto sock = grove::TcpSocket::connect(u.host, u.port);
    http::request<http::empty_body> req{http::verb::get, u.target, 11};
    req.set(http::field::host, u.host);
    req.set(http::field::user_agent, "grove-fetch");
    req.set(http::field::connection, "close");
    http::write(sock, req);  // Beast's synchronous write on the green socket
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(sock, buffer, res);
    std::printf("%s %u %zu\n", url.c_str(), res.result_int(), res.body().size());
    std::fflush(stdout);
    return res.result_int() < 400;
  } catch (const grove::Timeout&) {
    std::printf("%s error: timed out after %gs\n", url.c_str(), timeout_seconds);
  } catch (const std::exception& e) {
    std::printf("%s error: %s\n", url.c_str(), e.what());
  }
  std::fflush(stdout);
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  double timeout_seconds = 10;
  std::vector<std::string> urls;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--timeout") && i + 1 < argc) timeout_seconds = std::atof(argv[++i]);
    else urls.emplace_back(argv[i]);
  }
  if (urls.empty() || timeout_seconds <= 0) {
    std::fprintf(stderr, "usage: grove-fetch [--timeout SECONDS] http://host[:port]/path...\n");
    return 2;
  }
  std::vector<grove::Fiber<bool>> jobs;
  for (const auto& url : urls) jobs.push_back(grove::spawn(fetch, url, timeout_seconds));
  grove::joinall(jobs);
  int failed = 0;
  for (auto& job : jobs) failed += job.get() ? 0 : 1;
  return failed == 0 ? 0 : 1;
}
