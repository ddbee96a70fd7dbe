// grove-bench — the workloads of ../shared/bench/WORKLOADS.md for grove.
//   grove-bench W1 [N]        two fibers yielding to each other N rounds each
//   grove-bench W2 [N]        spawn N fibers, then join them all
//   grove-bench W3 [LEAVES] [post|dispatch]
//                             skynet; parents sum their children's get()
//   grove-bench W5 [TOTAL]    100 producers -> one Queue<int64_t>(1000) -> one consumer
//   grove-bench W8 [N]        RSS per fiber blocked on an Event
// Each run prints one JSON line; a wrong answer exits non-zero.

#include "bench_report.hpp"

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
  auto body = [n] {
    for (std::uint64_t i = 0; i < n; ++i) grove::this_fiber::yield();
  };
  auto a = grove::spawn(body);
  auto b = grove::spawn(body);
  a.join();
  b.join();
  const std::uint64_t t1 = now_ns();
  report(config(), "W1", 2 * n, static_cast<double>(t1 - t0));
}

void w2(std::uint64_t n) {
  grove::hub();
  std::vector<grove::Fiber<>> fibers;
  fibers.reserve(n);
  const std::uint64_t t0 = now_ns();
  for (std::uint64_t i = 0; i < n; ++i) fibers.push_back(grove::spawn([] {}));
  for (auto& f : fibers) f.join();
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
  auto root = grove::spawn(skynet, std::int64_t{0}, static_cast<std::int64_t>(leaves));
  const std::int64_t result = root.get();
  const std::uint64_t t1 = now_ns();
  const bool ok = result == expected;
  const std::uint64_t spawned = (leaves * 10 - 1) / 9;
  const double ms = static_cast<double>(t1 - t0) / 1e6;
  report(config() + (mode == "dispatch" ? ",dispatch" : ",post") + ",Fiber::get", "W3", spawned, static_cast<double>(t1 - t0),
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
  for (std::uint64_t p = 0; p < producers; ++p)
    fibers.push_back(grove::spawn([&queue, per] {
      for (std::uint64_t i = 0; i < per; ++i) queue.put(static_cast<std::int64_t>(i));
    }));
  fibers.push_back(grove::spawn([&] {
    std::int64_t s = 0;
    for (std::uint64_t i = 0; i < total; ++i) s += queue.get();
    sum = s;
    t1 = now_ns();
  }));
  for (auto& f : fibers) f.join();
  const std::int64_t expected = static_cast<std::int64_t>(producers) * static_cast<std::int64_t>(per * (per - 1) / 2);
  const bool ok = sum == expected;
  report(config() + ",Queue(1000)", "W5", total, static_cast<double>(t1 - t0),
         std::string(",\"correct\":") + (ok ? "true" : "false"));
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
  for (std::uint64_t i = 0; i < n; ++i)
    fibers.push_back(grove::spawn([&] {
      ++blocked;
      gate.wait();
    }));
  while (blocked < n) grove::this_fiber::yield();
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
  else if (w == "W5") w5(arg(argc, argv, 2, 10000000));
  else if (w == "W8") w8(arg(argc, argv, 2, 100000));
  else {
    std::fprintf(stderr, "usage: grove-bench W1|W2|W3|W5|W8 [N]\n");
    return 2;
  }
  return 0;
}
