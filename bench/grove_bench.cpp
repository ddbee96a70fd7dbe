// grove-bench — the workloads of ../shared/bench/WORKLOADS.md for grove.
//   grove-bench W1 [N]        two fibers yielding to each other N rounds each
//   grove-bench W2 [N]        spawn N fibers, then join them all
//   grove-bench W3 [LEAVES] [post|dispatch]
//                             skynet; parents sum their children's get()
//   grove-bench W4 [N]        two actors exchange a counter, N one-way messages
//   grove-bench W5 [TOTAL]    100 producers -> one Queue<int64_t>(1000) -> one consumer
//   grove-bench W6 [M] [K]    one publisher sends M messages to each of K subscriber actors
//   grove-bench W8 [N]        RSS per fiber blocked on an Event
//   grove-bench M2|M3|M6 [H] ...  multi-hub workloads (multi_hub.hpp)
// Under valgrind --tool=callgrind --instr-atstart=no only the timed region
// is counted (the CALLGRIND_*_INSTRUMENTATION markers; no-ops otherwise).
// Each run prints one JSON line; a wrong answer exits non-zero.

#include "bench_report.hpp"
#include "multi_hub.hpp"

#include <valgrind/callgrind.h>

#include <grove/actor.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/queue.hpp>
#include <grove/this_fiber.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using grove::bench::now_ns;
using grove::bench::report;

std::uint64_t arg(int argc, char** argv, int i, std::uint64_t fallback) {
  return argc > i ? std::strtoull(argv[i], nullptr, 10) : fallback;
}

std::string config() { return "stack=" + std::to_string(grove::hub().config().stack_size / 1024) + "KiB"; }

void w1(std::uint64_t n) {
  grove::hub();
  const std::uint64_t t0 = now_ns();
  CALLGRIND_START_INSTRUMENTATION;
  auto body = [n] {
    for (std::uint64_t i = 0; i < n; ++i) grove::this_fiber::yield();
  };
  auto a = grove::spawn(body);
  auto b = grove::spawn(body);
  a.join();
  b.join();
  CALLGRIND_STOP_INSTRUMENTATION;
  const std::uint64_t t1 = now_ns();
  report(config(), "W1", 2 * n, static_cast<double>(t1 - t0));
}

// Out of line, as before main() grew the M2/M3/M6 dispatch: inlined into
// main(), W2's fiber handle checks stop being inlined (+15 Ir/op callgrind).
[[gnu::noinline]] void w2(std::uint64_t n) {
  grove::hub();
  std::vector<grove::Fiber<>> fibers;
  fibers.reserve(n);
  const std::uint64_t t0 = now_ns();
  CALLGRIND_START_INSTRUMENTATION;
  for (std::uint64_t i = 0; i < n; ++i) fibers.push_back(grove::spawn([] {}));
  for (auto& f : fibers) f.join();
  CALLGRIND_STOP_INSTRUMENTATION;
  const std::uint64_t t1 = now_ns();
  report(config(), "W2", n, static_cast<double>(t1 - t0));
}

grove::Launch skynet_launch = grove::Launch::post;

std::int64_t skynet(std::int64_t num, std::int64_t size) {
  if (size == 1) return num;
  std::array<grove::Fiber<std::int64_t>, 10> children;
  const std::int64_t step = size / 10;
  for (std::int64_t i = 0; i < 10; ++i)
    children[static_cast<std::size_t>(i)] = grove::spawn(skynet_launch, skynet, num + i * step, step);
  std::int64_t sum = 0;
  for (auto& c : children) sum += c.get();
  return sum;
}

// w3 runs skynet with FIFO spawning (mode "post", gevent's semantics) or
// depth-first (mode "dispatch", as Boost.Fiber's reported run).
void w3(std::uint64_t leaves, const std::string& mode) {
  grove::hub();
  skynet_launch = mode == "dispatch" ? grove::Launch::dispatch : grove::Launch::post;
  const std::int64_t expected = static_cast<std::int64_t>(leaves) * (static_cast<std::int64_t>(leaves) - 1) / 2;
  const std::uint64_t t0 = now_ns();
  CALLGRIND_START_INSTRUMENTATION;
  auto root = grove::spawn(skynet, std::int64_t{0}, static_cast<std::int64_t>(leaves));
  const std::int64_t result = root.get();
  CALLGRIND_STOP_INSTRUMENTATION;
  const std::uint64_t t1 = now_ns();
  const bool ok = result == expected;
  const std::uint64_t spawned = (leaves * 10 - 1) / 9;
  const double ms = static_cast<double>(t1 - t0) / 1e6;
  report(config() + (mode == "dispatch" ? ",dispatch" : ",post") + ",Fiber::get", "W3", spawned,
         static_cast<double>(t1 - t0),
         ",\"result\":" + std::to_string(result) + ",\"correct\":" + (ok ? "true" : "false") +
             ",\"total_ms\":" + std::to_string(ms) + ",\"spawned\":" + std::to_string(spawned));
  if (!ok) std::exit(1);
}

// w5: 100 producer fibers push total/100 items each into one bounded queue
// of capacity 1000, drained by one consumer fiber that sums them. The timer
// runs from the first spawn until the consumer has every item.
void w5(std::uint64_t total) {
  grove::hub();
  constexpr std::uint64_t producers = 100;
  const std::uint64_t per = total / producers;
  total = per * producers;
  grove::Queue<std::int64_t> queue(1000);
  std::int64_t sum = 0;
  std::uint64_t t1 = 0;
  std::vector<grove::Fiber<>> fibers;
  fibers.reserve(producers + 1);
  const std::uint64_t t0 = now_ns();
  CALLGRIND_START_INSTRUMENTATION;
  for (std::uint64_t p = 0; p < producers; ++p)
    fibers.push_back(grove::spawn([&queue, per] {
      for (std::uint64_t i = 0; i < per; ++i) queue.put(static_cast<std::int64_t>(i));
    }));
  fibers.push_back(grove::spawn([&] {
    std::int64_t s = 0;
    for (std::uint64_t i = 0; i < total; ++i) s += queue.get();
    sum = s;
    CALLGRIND_STOP_INSTRUMENTATION;
    t1 = now_ns();
  }));
  for (auto& f : fibers) f.join();
  const std::int64_t expected = static_cast<std::int64_t>(producers) * static_cast<std::int64_t>(per * (per - 1) / 2);
  const bool ok = sum == expected;
  report(config() + ",Queue(1000)", "W5", total, static_cast<double>(t1 - t0),
         std::string(",\"correct\":") + (ok ? "true" : "false"));
  if (!ok) std::exit(1);
}

// w4: actors ping and pong exchange a counter through their mailboxes.
// Message #1 (value 1) goes to pong; pong replies v+1 to ping; ping stops
// at v >= N, else sends v+1 to pong. The timer runs from spawning the
// actors to ping seeing N.
struct W4Shared {
  std::uint64_t n = 0;
  std::uint64_t t1 = 0;
  std::int64_t last = 0;
  grove::ActorRef<std::int64_t> ping, pong;
};

class W4Ping final : public grove::Actor<std::int64_t> {
 public:
  explicit W4Ping(W4Shared& sh) : sh_(sh) {}
  void receive(std::int64_t& v) override {
    if (static_cast<std::uint64_t>(v) >= sh_.n) {
      CALLGRIND_STOP_INSTRUMENTATION;
      sh_.t1 = now_ns();
      sh_.last = v;
      stop();
      return;
    }
    sh_.pong.send(v + 1);
  }

 private:
  W4Shared& sh_;
};

class W4Pong final : public grove::Actor<std::int64_t> {
 public:
  explicit W4Pong(W4Shared& sh) : sh_(sh) {}
  void receive(std::int64_t& v) override {
    if (v < 0) return stop();
    sh_.ping.send(v + 1);
  }

 private:
  W4Shared& sh_;
};

void w4(std::uint64_t n) {
  grove::hub();
  W4Shared sh;
  sh.n = n;
  const std::uint64_t t0 = now_ns();
  CALLGRIND_START_INSTRUMENTATION;
  sh.ping = grove::spawn_actor<W4Ping>(sh);
  sh.pong = grove::spawn_actor<W4Pong>(sh);
  sh.pong.send(1);
  sh.ping.fiber().join();
  const std::uint64_t t1 = sh.t1;
  sh.pong.send(-1);
  sh.pong.fiber().join();
  const bool ok = sh.last == static_cast<std::int64_t>(n);
  report(config() + ",Actor<int64_t>", "W4", n, static_cast<double>(t1 - t0),
         std::string(",\"correct\":") + (ok ? "true" : "false"));
  if (!ok) std::exit(1);
}

// w6: K subscriber actors, all blocked in receive before the timer starts;
// the publisher (the main fiber) sends message m to every subscriber for m
// in 0..M-1 (message-major, one plain send each). Each subscriber counts
// to M, then signals done; the timer stops when all K have.
struct W6Shared {
  std::uint64_t m = 0, k = 0;
  std::uint64_t started = 0, done = 0;
  std::int64_t sum = 0;
  grove::Event all_done;
};

class W6Subscriber final : public grove::Actor<std::int64_t> {
 public:
  explicit W6Subscriber(W6Shared& sh) : sh_(sh) {}
  void on_start() override { ++sh_.started; }
  void receive(std::int64_t& v) override {
    sum_ += v;
    if (++count_ == sh_.m) {
      sh_.sum += sum_;
      if (++sh_.done == sh_.k) sh_.all_done.set();
      stop();
    }
  }

 private:
  W6Shared& sh_;
  std::uint64_t count_ = 0;
  std::int64_t sum_ = 0;
};

void w6(std::uint64_t m, std::uint64_t k) {
  grove::hub();
  W6Shared sh;
  sh.m = m;
  sh.k = k;
  std::vector<grove::ActorRef<std::int64_t>> subscribers;
  subscribers.reserve(k);
  // The mailboxes start empty and grow while timed (issue 11: no reserve).
  // W6_RESERVE=1 sizes each for the M messages up front instead
  // (MailboxConfig::reserve, as the peers' Go chan of capacity M is).
  const bool reserve = std::getenv("W6_RESERVE") != nullptr;
  const grove::ActorOptions options{.name = "sub", .mailbox = {.reserve = reserve ? m : 0}};
  for (std::uint64_t i = 0; i < k; ++i) subscribers.push_back(grove::spawn_actor<W6Subscriber>(options, sh));
  while (sh.started < k) grove::this_fiber::yield();
  grove::this_fiber::yield();  // every subscriber is now parked in receive
  const std::uint64_t t0 = now_ns();
  CALLGRIND_START_INSTRUMENTATION;
  for (std::uint64_t i = 0; i < m; ++i)
    for (auto& s : subscribers) s.send(static_cast<std::int64_t>(i));
  sh.all_done.wait();
  CALLGRIND_STOP_INSTRUMENTATION;
  const std::uint64_t t1 = now_ns();
  for (auto& s : subscribers) s.fiber().join();
  const std::int64_t expected = static_cast<std::int64_t>(k * (m * (m - 1) / 2));
  const bool ok = sh.done == k && sh.sum == expected;
  report(config() + ",Actor<int64_t>" + (reserve ? ",reserve=M" : ",grow"), "W6", m * k, static_cast<double>(t1 - t0),
         std::string(",\"correct\":") + (ok ? "true" : "false") + ",\"K\":" + std::to_string(k) +
             ",\"M\":" + std::to_string(m));
  if (!ok) std::exit(1);
}

void w8(std::uint64_t n) {
  grove::hub();
  grove::Event gate;
  std::uint64_t blocked = 0;
  std::vector<grove::Fiber<>> fibers;
  fibers.reserve(n);
  const long rss_before = grove::bench::status_kb("VmRSS");
  const std::uint64_t t0 = now_ns();
  CALLGRIND_START_INSTRUMENTATION;
  for (std::uint64_t i = 0; i < n; ++i)
    fibers.push_back(grove::spawn([&] {
      ++blocked;
      gate.wait();
    }));
  while (blocked < n) grove::this_fiber::yield();
  CALLGRIND_STOP_INSTRUMENTATION;
  const std::uint64_t t1 = now_ns();
  const long rss_blocked = grove::bench::status_kb("VmRSS");
  gate.set();
  for (auto& f : fibers) f.join();
  const double per_fiber = static_cast<double>(rss_blocked - rss_before) * 1024.0 / static_cast<double>(n);
  report(config(), "W8", n, static_cast<double>(t1 - t0),
         ",\"rss_before_kb\":" + std::to_string(rss_before) + ",\"rss_blocked_kb\":" + std::to_string(rss_blocked) +
             ",\"bytes_per_thread\":" + std::to_string(per_fiber));
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("grove"));  // stdout carries only the JSON line
  const std::string w = argc > 1 ? argv[1] : "";
  if (w == "W1") w1(arg(argc, argv, 2, 1000000));
  else if (w == "W2") w2(arg(argc, argv, 2, 100000));
  else if (w == "W3") w3(arg(argc, argv, 2, 1000000), argc > 3 ? argv[3] : "post");
  else if (w == "W4") w4(arg(argc, argv, 2, 1000000));
  else if (w == "W5") w5(arg(argc, argv, 2, 10000000));
  else if (w == "W6") w6(arg(argc, argv, 2, 100), arg(argc, argv, 3, 10000));
  else if (w == "W8") w8(arg(argc, argv, 2, 100000));
  else if (w == "M1") grove::bench::m1(arg(argc, argv, 2, 2), arg(argc, argv, 3, 1000000));
  else if (w == "M2") grove::bench::m2(arg(argc, argv, 2, 2), arg(argc, argv, 3, 10000000), arg(argc, argv, 4, 4));
  else if (w == "M3") grove::bench::m3(arg(argc, argv, 2, 2), arg(argc, argv, 3, 1000000));
  else if (w == "M4") grove::bench::m4(arg(argc, argv, 2, 2), arg(argc, argv, 3, 100), arg(argc, argv, 4, 10000));
  else if (w == "M6") grove::bench::m6(arg(argc, argv, 2, 2), arg(argc, argv, 3, 10));
  else {
    std::fprintf(stderr, "usage: grove-bench W1|W2|W3|W4|W5|W6|W8 [N] [K] | M1|M2|M3|M4|M6 [H] ...\n");
    return 2;
  }
  return 0;
}
