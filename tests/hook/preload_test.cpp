// preload_test.cpp — the LD_PRELOAD usage: this suite is linked WITHOUT
// grove::hook (only grove::grove) and runs with libgrove_hook.so preloaded
// (ctest entry hook_preload): ordinary blocking calls in fibers are green
// all the same, because grove::io exports the bridge (docs/hook.md).

#include "hook_test_support.hpp"

#include <hub_fixture.hpp>

#include <dlfcn.h>
#include <netdb.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using grove::test::elapsed_ms;
using grove::test::Pair;
using grove::test::Ticker;

class HookPreload : public grove::test::HubTest {};

TEST_F(HookPreload, TheHookIsPreloaded) {
  EXPECT_NE(::dlsym(RTLD_DEFAULT, "grove_hook_set_resolver_threads"), nullptr)
      << "run this suite with LD_PRELOAD=libgrove_hook.so (ctest -R hook_preload)";
}

TEST_F(HookPreload, BlockingRecvIsGreen) {
  Pair p;
  timeval tv{5, 0};
  ::setsockopt(p.a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  Ticker ticker;
  auto reader = grove::spawn([&] {
    char buf[8] = {};
    const ssize_t n = ::recv(p.a, buf, sizeof buf, 0);
    return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
  });
  grove::this_fiber::sleep(30ms);
  EXPECT_EQ(::send(p.b, "pre", 3, 0), 3);
  EXPECT_EQ(reader.get(), "pre");
  ticker.stop();
  EXPECT_GE(ticker.ticks(), 1);
}

TEST_F(HookPreload, SleepsRunConcurrently) {
  const auto t0 = std::chrono::steady_clock::now();
  auto a = grove::spawn([] { ::usleep(100000); });
  auto b = grove::spawn([] { ::usleep(100000); });
  a.join();
  b.join();
  EXPECT_LT(elapsed_ms(t0), 190.0);
}

TEST_F(HookPreload, GetaddrinfoWorks) {
  auto f = grove::spawn([] {
    addrinfo* res = nullptr;
    const int rc = ::getaddrinfo("localhost", "80", nullptr, &res);
    if (res) ::freeaddrinfo(res);
    return rc;
  });
  EXPECT_EQ(f.get(), 0);
}

}  // namespace
