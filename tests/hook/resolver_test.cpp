// resolver_test.cpp — the hooked getaddrinfo, getnameinfo, gethostbyname
// and gethostbyname_r from fibers: they run on the hook's ThreadPool while
// the hub runs other fibers (docs/hook.md). Names come from /etc/hosts.

#include "hook_test_support.hpp"

#include <grove/hook.hpp>

#include <hub_fixture.hpp>
#include <usage_error_of.hpp>

#include <arpa/inet.h>
#include <netdb.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using grove::test::Ticker;

class HookResolver : public grove::test::HubTest {};

// yielding_ticks(fn) runs fn in a fiber and counts how often another fiber
// got to run (one short grove sleep each) while fn was inside.
template <class F>
int yielding_ticks(F fn) {
  bool inside = true;
  int ticks = 0;
  auto counter = grove::spawn([&] {
    while (inside) {  // NOLINT(bugprone-infinite-loop): the other fiber clears it
      grove::this_fiber::sleep(std::chrono::microseconds(50));
      ++ticks;
    }
  });
  auto call = grove::spawn([&] {
    fn();
    inside = false;
  });
  call.join();
  counter.join();
  return ticks;
}

TEST_F(HookResolver, GetaddrinfoRunsOffTheHub) {
  int rc = -1;
  std::string first;
  const int ticks = yielding_ticks([&] {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    rc = ::getaddrinfo("localhost", "80", &hints, &res);
    if (rc == 0 && res) {
      char buf[INET_ADDRSTRLEN] = {};
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, buf, sizeof buf);
      first = buf;
      ::freeaddrinfo(res);
    }
  });
  EXPECT_EQ(rc, 0) << ::gai_strerror(rc);
  EXPECT_EQ(first, "127.0.0.1");
  EXPECT_GE(ticks, 1) << "the hub did not run the other fiber during getaddrinfo";
}

TEST_F(HookResolver, ManyFibersResolveAtOnce) {
  std::vector<grove::Fiber<int>> fibers;
  for (int i = 0; i < 30; ++i)
    fibers.push_back(grove::spawn([] {
      addrinfo* res = nullptr;
      const int rc = ::getaddrinfo("localhost", nullptr, nullptr, &res);
      if (res) ::freeaddrinfo(res);
      return rc;
    }));
  for (auto& f : fibers) EXPECT_EQ(f.get(), 0);
}

TEST_F(HookResolver, GetnameinfoRunsOffTheHub) {
  int rc = -1;
  char host[NI_MAXHOST] = {}, serv[NI_MAXSERV] = {};
  const int ticks = yielding_ticks([&] {
    sockaddr_in a = grove::test::loopback(22);
    rc = ::getnameinfo(reinterpret_cast<sockaddr*>(&a), sizeof a, host, sizeof host, serv, sizeof serv, 0);
  });
  EXPECT_EQ(rc, 0) << ::gai_strerror(rc);
  EXPECT_FALSE(std::string(host).empty());
  EXPECT_FALSE(std::string(serv).empty());
  EXPECT_GE(ticks, 1);
}

TEST_F(HookResolver, GethostbynameRunsOffTheHub) {
  std::string name;
  std::string addr;
  const int ticks = yielding_ticks([&] {
    hostent* h = ::gethostbyname("localhost");
    if (h && h->h_addr_list[0]) {
      name = h->h_name;
      char buf[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(h->h_addrtype, h->h_addr_list[0], buf, sizeof buf);
      addr = buf;
    }
  });
  EXPECT_FALSE(name.empty());
  EXPECT_TRUE(addr == "127.0.0.1" || addr == "::1") << addr;
  EXPECT_GE(ticks, 1);
}

TEST_F(HookResolver, GethostbynameRFillsTheCallersBuffer) {
  hostent ent{};
  hostent* result = nullptr;
  char buf[2048];
  int herr = 0;
  int rc = -1;
  const int ticks = yielding_ticks([&] { rc = ::gethostbyname_r("localhost", &ent, buf, sizeof buf, &result, &herr); });
  ASSERT_EQ(rc, 0);
  ASSERT_EQ(result, &ent);
  // Every pointer points into the caller's buffer, not the worker's.
  EXPECT_GE(ent.h_name, buf);
  EXPECT_LT(ent.h_name, buf + sizeof buf);
  ASSERT_NE(ent.h_addr_list[0], nullptr);
  EXPECT_GE(ent.h_addr_list[0], buf);
  EXPECT_LT(ent.h_addr_list[0], buf + sizeof buf);
  EXPECT_GE(ticks, 1);
}

TEST_F(HookResolver, UnknownNamesFailAsUsual) {
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo("no-such-host.invalid", nullptr, nullptr, &res);
  EXPECT_NE(rc, 0);
  EXPECT_EQ(res, nullptr);
}

TEST_F(HookResolver, TheResolverPoolSizeIsConfigurable) {
  EXPECT_NO_THROW(grove::hook::set_resolver_threads(4));
  EXPECT_NE(grove::test::usage_error_of([] { grove::hook::set_resolver_threads(0); }).find("between 1 and 1024"),
            std::string::npos);
  EXPECT_NO_THROW(grove::hook::set_resolver_threads(10));
}

}  // namespace
