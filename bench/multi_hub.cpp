// multi_hub.cpp — M1, M2, M3, M4 and M6 (bench/multi_hub.hpp). With H = 1
// everything shares hub 0 (the single-hub point of the scaling curve); with
// H >= 2 the consumer (M2) and pong (M3) live on hub 1, M1's subtrees and
// M4's subscribers round-robin over the hubs.

#include "multi_hub.hpp"

#include "bench_report.hpp"

#include <grove/actor.hpp>
#include <grove/async_result.hpp>
#include <grove/fiber.hpp>
#include <grove/runtime.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace grove::bench {

namespace {

Runtime::Config runtime_config(std::uint64_t hubs) {
  Runtime::Config c;
  c.hubs = hubs == 0 ? 1 : hubs;
  if (const char* us = std::getenv("GROVE_BENCH_SPIN_US")) c.spin = std::chrono::microseconds(std::atol(us));
  return c;
}

std::string hubs_field(std::uint64_t hubs) {
  const auto spin_us = std::chrono::duration_cast<std::chrono::microseconds>(runtime_config(hubs).spin).count();
  return ",\"hubs\":" + std::to_string(hubs) + ",\"spin_us\":" + std::to_string(spin_us);
}

// m2: the consumer counts to N, then stamps the time and sets done.
struct M2Shared {
  std::uint64_t n = 0;
  std::uint64_t t1 = 0;
  std::int64_t sum = 0;
  AsyncResult<> done;  // the main thread's
};

class M2Consumer final : public Actor<std::int64_t> {
 public:
  explicit M2Consumer(M2Shared* sh) : sh_(sh), done_(sh->done) {}
  void receive(std::int64_t& v) override {
    sum_ += v;
    if (++count_ == sh_->n) {
      sh_->t1 = now_ns();
      sh_->sum = sum_;
      done_.set();
      stop();
    }
  }

 private:
  M2Shared* sh_;
  AsyncResult<> done_;  // a handle of its own: the main thread's wait counts on it
  std::uint64_t count_ = 0;
  std::int64_t sum_ = 0;
};

// m3: ping stops at N; pong replies v+1.
struct M3Shared {
  std::uint64_t n = 0;
  std::uint64_t t1 = 0;
  std::int64_t last = 0;
  ActorRef<std::int64_t> ping, pong;
  AsyncResult<> done;
};

class M3Ping final : public Actor<std::int64_t> {
 public:
  explicit M3Ping(M3Shared* sh) : sh_(sh), done_(sh->done) {}
  void receive(std::int64_t& v) override {
    if (static_cast<std::uint64_t>(v) >= sh_->n) {
      sh_->t1 = now_ns();
      sh_->last = v;
      done_.set();
      stop();
      return;
    }
    sh_->pong.send(v + 1);
  }

 private:
  M3Shared* sh_;
  AsyncResult<> done_;
};

class M3Pong final : public Actor<std::int64_t> {
 public:
  explicit M3Pong(M3Shared* sh) : sh_(sh) {}
  void receive(std::int64_t& v) override { sh_->ping.send(v + 1); }

 private:
  M3Shared* sh_;
};

// m1: W3's skynet, FIFO (Launch::post), within one hub.
std::int64_t skynet(std::int64_t num, std::int64_t size) {
  if (size == 1) return num;
  std::array<Fiber<std::int64_t>, 10> children;
  const std::int64_t step = size / 10;
  for (std::int64_t i = 0; i < 10; ++i)
    children[static_cast<std::size_t>(i)] = spawn(Launch::post, skynet, num + i * step, step);
  std::int64_t sum = 0;
  for (auto& c : children) sum += c.get();
  return sum;
}

// m4: each subscriber counts to M, adds its sum, and the last of the K
// sets done (the subscribers live on several hubs: the totals are atomic).
struct M4Shared {
  std::uint64_t m = 0, k = 0;
  std::atomic<std::uint64_t> started{0}, finished{0};
  std::atomic<std::int64_t> sum{0};
  std::uint64_t t1 = 0;
  AsyncResult<> done;  // the main thread's
};

class M4Subscriber final : public Actor<std::int64_t> {
 public:
  explicit M4Subscriber(M4Shared* sh) : sh_(sh), done_(sh->done) {}
  void on_start() override { sh_->started.fetch_add(1, std::memory_order_relaxed); }
  void receive(std::int64_t& v) override {
    sum_ += v;
    if (++count_ == sh_->m) {
      sh_->sum.fetch_add(sum_, std::memory_order_relaxed);
      if (sh_->finished.fetch_add(1, std::memory_order_acq_rel) + 1 == sh_->k) {
        sh_->t1 = now_ns();
        done_.set();
      }
      stop();
    }
  }

 private:
  M4Shared* sh_;
  AsyncResult<> done_;
  std::uint64_t count_ = 0;
  std::int64_t sum_ = 0;
};

class Idle final : public Actor<int> {
 public:
  void receive(int&) override {}
};

// cpu_ticks() is this process's utime + stime from /proc/self/stat.
long long cpu_ticks() {
  std::FILE* f = std::fopen("/proc/self/stat", "r");
  if (!f) return -1;
  char buf[1024];
  const std::size_t len = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[len] = '\0';
  // Fields after the ")" that ends comm: state is field 3, utime 14, stime 15.
  const char* p = std::strrchr(buf, ')');
  if (!p) return -1;
  long long utime = 0, stime = 0;
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &utime, &stime) != 2) return -1;
  return utime + stime;
}

}  // namespace

void m1(std::uint64_t hubs, std::uint64_t leaves) {
  Runtime rt(runtime_config(hubs));
  const std::vector<HubId> on = rt.hubs();
  const auto size = static_cast<std::int64_t>(leaves);
  const std::int64_t step = size / 10;
  const std::int64_t expected = size * (size - 1) / 2;
  const std::uint64_t t0 = now_ns();
  std::vector<AsyncResult<std::int64_t>> top;
  for (std::int64_t i = 0; i < 10; ++i)
    top.push_back(
        rt.spawn_on(on[static_cast<std::size_t>(i) % on.size()], [num = i * step, step] { return skynet(num, step); }));
  std::int64_t result = 0;
  for (auto& t : top) result += t.get();
  const std::uint64_t t1 = now_ns();
  rt.stop();
  const bool ok = result == expected;
  const std::uint64_t spawned = (leaves * 10 - 1) / 9;
  report("post,top 10 round-robin over hubs,Fiber::get", "M1", spawned, static_cast<double>(t1 - t0),
         ",\"result\":" + std::to_string(result) + ",\"correct\":" + (ok ? "true" : "false") +
             ",\"total_ms\":" + std::to_string(static_cast<double>(t1 - t0) / 1e6) + hubs_field(rt.size()));
  if (!ok) std::exit(1);
}

void m2(std::uint64_t hubs, std::uint64_t n, std::uint64_t producers) {
  if (producers == 0) producers = 1;
  n -= n % producers;  // every producer sends the same count
  Runtime rt(runtime_config(hubs));
  const HubId a = rt.hubs().front();
  const HubId b = rt.hubs()[rt.size() > 1 ? 1 : 0];
  M2Shared sh;
  sh.n = n;
  auto consumer = rt.spawn_actor_on<M2Consumer>(b, &sh);
  const std::uint64_t per = n / producers;
  const std::uint64_t t0 = now_ns();
  std::vector<AsyncResult<>> sent;
  for (std::uint64_t p = 0; p < producers; ++p)
    sent.push_back(rt.spawn_on(a, [consumer, per] {
      for (std::uint64_t i = 0; i < per; ++i) consumer.send(static_cast<std::int64_t>(i));
    }));
  sh.done.wait();
  for (auto& s : sent) s.get();
  const std::int64_t expected = static_cast<std::int64_t>(producers * (per * (per - 1) / 2));
  const bool ok = sh.sum == expected;
  rt.stop();
  report("producers=" + std::to_string(producers) + ",hub0->hub" + std::to_string(b.index) + ",Actor<int64_t>", "M2", n,
         static_cast<double>(sh.t1 - t0),
         std::string(",\"correct\":") + (ok ? "true" : "false") + hubs_field(rt.size()));
  if (!ok) std::exit(1);
}

void m3(std::uint64_t hubs, std::uint64_t n) {
  Runtime rt(runtime_config(hubs));
  const HubId a = rt.hubs().front();
  const HubId b = rt.hubs()[rt.size() > 1 ? 1 : 0];
  M3Shared sh;
  sh.n = n;
  sh.ping = rt.spawn_actor_on<M3Ping>(a, &sh);
  sh.pong = rt.spawn_actor_on<M3Pong>(b, &sh);
  const std::uint64_t t0 = now_ns();
  sh.pong.send(1);
  sh.done.wait();
  const bool ok = sh.last == static_cast<std::int64_t>(n);
  rt.stop();
  report("ping@hub0,pong@hub" + std::to_string(b.index) + ",Actor<int64_t>", "M3", n, static_cast<double>(sh.t1 - t0),
         std::string(",\"correct\":") + (ok ? "true" : "false") + hubs_field(rt.size()));
  if (!ok) std::exit(1);
}

void m4(std::uint64_t hubs, std::uint64_t m, std::uint64_t k) {
  Runtime rt(runtime_config(hubs));
  const std::vector<HubId> on = rt.hubs();
  M4Shared sh;
  sh.m = m;
  sh.k = k;
  std::vector<ActorRef<std::int64_t>> subs;
  subs.reserve(k);
  for (std::uint64_t i = 0; i < k; ++i) subs.push_back(rt.spawn_actor_on<M4Subscriber>(on[i % on.size()], &sh));
  while (sh.started.load(std::memory_order_relaxed) < k) std::this_thread::yield();
  std::uint64_t t0 = 0;
  auto publisher = rt.spawn_on(on.front(), [&] {
    t0 = now_ns();
    for (std::uint64_t i = 0; i < m; ++i)
      for (auto& s : subs) s.send(static_cast<std::int64_t>(i));
  });
  publisher.get();
  sh.done.wait();
  rt.stop();
  const std::int64_t expected = static_cast<std::int64_t>(k * (m * (m - 1) / 2));
  const bool ok = sh.finished.load() == k && sh.sum.load() == expected;
  report("publisher@hub0,subscribers round-robin,Actor<int64_t>,grow", "M4", m * k, static_cast<double>(sh.t1 - t0),
         std::string(",\"correct\":") + (ok ? "true" : "false") + ",\"K\":" + std::to_string(k) +
             ",\"M\":" + std::to_string(m) + hubs_field(rt.size()));
  if (!ok) std::exit(1);
}

void m6(std::uint64_t hubs, std::uint64_t seconds) {
  Runtime rt(runtime_config(hubs));
  std::vector<ActorRef<int>> actors;
  for (const HubId h : rt.hubs()) actors.push_back(rt.spawn_actor_on<Idle>(h));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // start-up settles
  const long long c0 = cpu_ticks();
  const std::uint64_t t0 = now_ns();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  const long long c1 = cpu_ticks();
  const std::uint64_t t1 = now_ns();
  rt.stop();
  const double cpu_s = static_cast<double>(c1 - c0) / static_cast<double>(sysconf(_SC_CLK_TCK));
  const double wall_s = static_cast<double>(t1 - t0) / 1e9;
  const double percent = 100.0 * cpu_s / wall_s;
  char extra[128];
  std::snprintf(extra, sizeof extra, ",\"cpu_s\":%.3f,\"cpu_percent\":%.3f,\"goal_met\":%s", cpu_s, percent,
                percent <= 1.0 ? "true" : "false");
  report("idle actors=" + std::to_string(actors.size()), "M6", seconds, static_cast<double>(t1 - t0),
         std::string(extra) + hubs_field(rt.size()));
}

}  // namespace grove::bench
