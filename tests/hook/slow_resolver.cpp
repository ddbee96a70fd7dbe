// slow_resolver.cpp — libgrove_test_slow_resolver.so, the seam of issue 13
// §3 H4: a getaddrinfo interposed BETWEEN libgrove_hook.so and libc. The
// hook's resolver pool calls the next getaddrinfo in the search order
// (dlsym(RTLD_NEXT), hook/hook_core.cpp); with this library linked right
// after the hook, that is this one, which stands for a slow DNS server:
// it sleeps grove_test_slow_resolver_delay_ms (plain nanosleep: a pool
// thread has no hub, so the hook passes it through), then returns libc's
// real answer. It also records how many lookups were inside at once, the
// proof that the pool ran them in parallel and how many threads it used.
// Lookups made on the hub's own thread would be counted too: none are
// (the hook sends every fiber's lookup of a name to the pool).

#include <dlfcn.h>
#include <netdb.h>

#include <atomic>
#include <ctime>

namespace {

using getaddrinfo_fn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);

std::atomic<long> delay_ms{0};
std::atomic<int> inside{0};
std::atomic<int> most_inside{0};
std::atomic<long> calls{0};

}  // namespace

extern "C" {

// grove_test_slow_resolver_set(ms): every later lookup of a name waits ms
// first (0: none); resets the counters.
__attribute__((visibility("default"))) void grove_test_slow_resolver_set(long ms) {
  delay_ms = ms;
  most_inside = 0;
  calls = 0;
}

// grove_test_slow_resolver_most_inside(): the most lookups in progress at
// once since the last set; grove_test_slow_resolver_calls(): how many.
__attribute__((visibility("default"))) int grove_test_slow_resolver_most_inside() { return most_inside.load(); }
__attribute__((visibility("default"))) long grove_test_slow_resolver_calls() { return calls.load(); }

__attribute__((visibility("default"))) int getaddrinfo(const char* node, const char* service, const addrinfo* hints,
                                                       addrinfo** res) {
  static const auto next = reinterpret_cast<getaddrinfo_fn>(::dlsym(RTLD_NEXT, "getaddrinfo"));
  const int now = ++inside;
  int seen = most_inside.load();
  while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
  }
  ++calls;
  const long ms = delay_ms.load();
  if (ms > 0) {
    timespec t{ms / 1000, (ms % 1000) * 1000000L};
    while (::nanosleep(&t, &t) != 0) {
    }
  }
  const int rc = next(node, service, hints, res);
  --inside;
  return rc;
}

}  // extern "C"
