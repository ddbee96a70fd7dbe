// grove-hook-real [--runs N] [--redis-hz HZ]: the figures of issue 13 §3 H1–H4 (docs/hook.md,
// docs/benchmarks.md "grove::hook on real client libraries"). Unmodified
// blocking client code — hiredis BLPOP 0.1, libpq pg_sleep(0.1), libcurl
// easy GET of a grove endpoint answering after 100 ms, getaddrinfo taking
// 100 ms — run from many fibers of ONE hub, with libgrove_hook.so linked
// first; the scenarios are the tests' (tests/hook/real_clients.hpp), against
// a throw-away redis-server and PostgreSQL cluster (tests/fixtures) started
// and stopped here. Each scenario runs N times (default 3): the median and
// the spread (min..max) are printed, beside the serial baseline: a serial
// SAMPLE of 10 calls, one after the other in one fiber, extrapolated to the
// scenario's count (the full serial runs, 10–100 s each, are not run).
// --redis-hz sets redis-server's hz (default: redis's own, 10): redis
// checks BLPOP timeouts on that tick, so at hz 10 a BLPOP 0.1 returns after
// 100–200 ms whoever waits for it.
// Slowness of getaddrinfo comes from libgrove_test_slow_resolver.so, linked
// after the hook (tests/hook/slow_resolver.cpp).

#include "real_clients.hpp"
#include "slow_http_endpoint.hpp"

#include <postgres_cluster.hpp>
#include <redis_server.hpp>

#include <grove/hook.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

extern "C" void grove_test_slow_resolver_set(long ms);

namespace {

namespace real = grove::test::real;

constexpr int serial_sample = 10;

// report(name, n, runs, concurrent, one): runs × concurrent(n) (median,
// spread) and serial_sample × one() summed, extrapolated to n.
void report(const char* name, int n, int runs, const std::function<real::Outcome(int)>& concurrent) {
  std::vector<double> ms;
  bool all_ok = true;
  for (int r = 0; r < runs; ++r) {
    const auto out = concurrent(n);
    ms.push_back(out.ms);
    if (out.ok != n) {
      all_ok = false;
      std::fprintf(stderr, "%s: only %d of %d did the work: %s\n", name, out.ok, n, out.first_error.c_str());
    }
  }
  double serial = 0;
  for (int i = 0; i < serial_sample; ++i) serial += concurrent(1).ms;
  std::sort(ms.begin(), ms.end());
  std::printf(
      "%s: %d concurrent on one hub: median %.1f ms (min %.1f, max %.1f; %d runs)%s | serial: %d calls %.1f ms "
      "-> x%d = %.1f s (extrapolated)\n",
      name, n, ms[ms.size() / 2], ms.front(), ms.back(), runs, all_ok ? "" : " [SOME CALLS FAILED]", serial_sample,
      serial, n / serial_sample, serial * n / serial_sample / 1000.0);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  std::string redis_hz;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--redis-hz") && i + 1 < argc) redis_hz = argv[++i];
    else {
      std::fprintf(stderr, "usage: grove-hook-real [--runs N] [--redis-hz HZ]\n");
      return 2;
    }
  }
  if (!grove::hook::enabled()) {
    std::fprintf(stderr, "grove-hook-real: the hook is not active (GROVE_HOOK=0?); the figures would be serial\n");
    return 1;
  }
  if (!real::raise_nofile(2300)) {
    std::fprintf(stderr, "grove-hook-real: RLIMIT_NOFILE's hard limit is below 2300 (1,000 redis connections)\n");
    return 1;
  }
  try {
    {
      std::vector<std::string> args{"--maxclients", "2000", "--tcp-backlog", "1024"};
      if (!redis_hz.empty()) args.insert(args.end(), {"--hz", redis_hz});
      grove::test::RedisServer redis({args});
      report("H1 hiredis BLPOP 0.1", 1000, runs,
             [&](int n) { return real::redis_blpop(redis.host(), redis.port(), n, 0.1); });
    }
    {
      grove::test::PostgresCluster pg;
      report("H2 libpq SELECT pg_sleep(0.1)", 100, runs,
             [&](int n) { return real::pg_sleep_all(pg.conninfo(), n, 0.1); });
    }
    {
      ::curl_global_init(CURL_GLOBAL_DEFAULT);
      grove::test::SlowHttpEndpoint http(std::chrono::milliseconds(100));
      report("H3 libcurl easy GET (100 ms endpoint)", 200, runs,
             [&](int n) { return real::curl_get_all(http.url(), n, grove::test::SlowHttpEndpoint::body()); });
    }
    ::curl_global_cleanup();
    grove_test_slow_resolver_set(100);
    report("H4 getaddrinfo taking 100 ms (10 pool threads)", 100, runs,
           [](int n) { return real::resolve_all("localhost", n); });
    grove_test_slow_resolver_set(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grove-hook-real: %s\n", e.what());
    return 1;
  }
  return 0;
}
