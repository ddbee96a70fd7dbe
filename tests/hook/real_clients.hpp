#pragma once
// real_clients.hpp — issue 13 §3 H1–H4: unmodified blocking client libraries
// (hiredis, libpq, libcurl's easy API, getaddrinfo) called from many fibers
// of ONE hub, with libgrove_hook.so linked first or preloaded
// (docs/hook.md). Each run_* function spawns n fibers on the calling
// fiber's hub, each making one blocking call on a connection of its own,
// joins them, and returns the wall time of the calls and how many did the
// real work (checked, not assumed). The tests (tests/hook/real_*_test.cpp)
// assert on the result; bench/hook_real.cpp prints the figures beside a
// serial sample. Connections are opened before the clock starts and closed
// after it stops: the figure is the calls themselves.
//
// Contract: call from a fiber; the servers are the test fixtures'
// (tests/fixtures) or grove's own (slow_http_endpoint.hpp).

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <sys/resource.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace grove::test::real {

// Outcome: how long the n calls took together, and how many did the work.
struct Outcome {
  double ms = 0;
  int ok = 0;
  int failed_connects = 0;
  double connect_ms = 0;    // opening the n connections (before the clock)
  std::string first_error;  // the first failure's message, for the report
};

inline double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// raise_nofile(need): the soft RLIMIT_NOFILE raised (up to the hard limit)
// to at least need; false when the hard limit is below need.
inline bool raise_nofile(rlim_t need) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
  if (lim.rlim_cur >= need) return true;
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < need) return false;
  lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? need : lim.rlim_max;
  return ::setrlimit(RLIMIT_NOFILE, &lim) == 0;
}

// run_all(n, fn): fn(i) in n fibers of this hub, all joined.
template <class F>
void run_all(int n, F fn) {
  std::vector<grove::Fiber<void>> fibers;
  fibers.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) fibers.push_back(grove::spawn([&fn, i] { fn(i); }));
  for (auto& f : fibers) f.join();
}

// H1: n connections (redisConnect), then `BLPOP <key> <timeout_s>` on each
// at once (redisCommand, the blocking API), keys that nobody pushes to: ok
// counts the nil replies (the timeout ran out in the server).
inline Outcome redis_blpop(const std::string& host, std::uint16_t port, int n, double timeout_s) {
  Outcome out;
  std::vector<redisContext*> conns(static_cast<std::size_t>(n), nullptr);
  auto t0 = std::chrono::steady_clock::now();
  run_all(n, [&](int i) {
    redisContext* c = ::redisConnect(host.c_str(), port);
    if (!c || c->err) {
      if (out.first_error.empty()) out.first_error = c ? c->errstr : "redisConnect: out of memory";
      ++out.failed_connects;
      if (c) ::redisFree(c);
      return;
    }
    conns[static_cast<std::size_t>(i)] = c;
  });
  out.connect_ms = ms_since(t0);
  const std::string seconds = std::to_string(timeout_s);
  t0 = std::chrono::steady_clock::now();
  run_all(n, [&](int i) {
    redisContext* c = conns[static_cast<std::size_t>(i)];
    if (!c) return;
    const std::string key = "grove:h1:" + std::to_string(i);
    auto* r = static_cast<redisReply*>(::redisCommand(c, "BLPOP %s %s", key.c_str(), seconds.c_str()));
    if (r && r->type == REDIS_REPLY_NIL) ++out.ok;
    else if (out.first_error.empty())
      out.first_error = r ? "BLPOP: reply type " + std::to_string(r->type) : std::string("BLPOP: ") + c->errstr;
    if (r) ::freeReplyObject(r);
  });
  out.ms = ms_since(t0);
  for (redisContext* c : conns)
    if (c) ::redisFree(c);
  return out;
}

// H2: n connections (PQconnectdb), then `SELECT pg_sleep(<seconds>)` on each
// at once (PQexec, the blocking API): ok counts the results with
// PGRES_TUPLES_OK and exactly one row.
inline Outcome pg_sleep_all(const std::string& conninfo, int n, double seconds) {
  Outcome out;
  std::vector<PGconn*> conns(static_cast<std::size_t>(n), nullptr);
  auto t0 = std::chrono::steady_clock::now();
  run_all(n, [&](int i) {
    PGconn* c = ::PQconnectdb(conninfo.c_str());
    if (::PQstatus(c) != CONNECTION_OK) {
      if (out.first_error.empty()) out.first_error = ::PQerrorMessage(c);
      ++out.failed_connects;
      ::PQfinish(c);
      return;
    }
    conns[static_cast<std::size_t>(i)] = c;
  });
  out.connect_ms = ms_since(t0);
  const std::string sql = "SELECT pg_sleep(" + std::to_string(seconds) + ")";
  t0 = std::chrono::steady_clock::now();
  run_all(n, [&](int i) {
    PGconn* c = conns[static_cast<std::size_t>(i)];
    if (!c) return;
    PGresult* r = ::PQexec(c, sql.c_str());
    if (::PQresultStatus(r) == PGRES_TUPLES_OK && ::PQntuples(r) == 1) ++out.ok;
    else if (out.first_error.empty()) out.first_error = ::PQerrorMessage(c);
    ::PQclear(r);
  });
  out.ms = ms_since(t0);
  for (PGconn* c : conns)
    if (c) ::PQfinish(c);
  return out;
}

// H3: n libcurl easy handles each GET url (curl_easy_perform, one connection
// each: the connect is part of the call): ok counts the transfers that got
// HTTP 200 and exactly expected_body. Needs curl_global_init done.
inline Outcome curl_get_all(const std::string& url, int n, const std::string& expected_body) {
  Outcome out;
  struct Transfer {
    CURL* easy = nullptr;
    std::string body;
  };
  std::vector<Transfer> transfers(static_cast<std::size_t>(n));
  auto sink = +[](char* data, std::size_t size, std::size_t count, void* user) -> std::size_t {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
  };
  for (auto& t : transfers) {
    t.easy = ::curl_easy_init();
    ::curl_easy_setopt(t.easy, CURLOPT_URL, url.c_str());
    ::curl_easy_setopt(t.easy, CURLOPT_WRITEFUNCTION, sink);
    ::curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, &t.body);
    ::curl_easy_setopt(t.easy, CURLOPT_NOSIGNAL, 1L);
    ::curl_easy_setopt(t.easy, CURLOPT_TIMEOUT, 30L);
  }
  const auto t0 = std::chrono::steady_clock::now();
  run_all(n, [&](int i) {
    Transfer& t = transfers[static_cast<std::size_t>(i)];
    const CURLcode rc = ::curl_easy_perform(t.easy);
    long status = 0;
    ::curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && status == 200 && t.body == expected_body) ++out.ok;
    else if (out.first_error.empty())
      out.first_error =
          std::string(::curl_easy_strerror(rc)) + ", HTTP " + std::to_string(status) + ", body '" + t.body + "'";
  });
  out.ms = ms_since(t0);
  for (auto& t : transfers) ::curl_easy_cleanup(t.easy);
  return out;
}

// H4: n getaddrinfo(name) calls at once: ok counts those that returned
// 127.0.0.1 (IPv4, as /etc/hosts says for localhost).
inline Outcome resolve_all(const std::string& name, int n) {
  Outcome out;
  const auto t0 = std::chrono::steady_clock::now();
  run_all(n, [&](int) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const int rc = ::getaddrinfo(name.c_str(), "80", &hints, &res);
    char buf[INET_ADDRSTRLEN] = {};
    if (rc == 0 && res) ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, buf, sizeof buf);
    if (rc == 0 && std::string(buf) == "127.0.0.1") ++out.ok;
    else if (out.first_error.empty()) out.first_error = std::string(::gai_strerror(rc)) + " '" + buf + "'";
    if (res) ::freeaddrinfo(res);
  });
  out.ms = ms_since(t0);
  return out;
}

}  // namespace grove::test::real
