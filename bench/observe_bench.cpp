// observe_bench.cpp — what observability costs (docs/benchmarks.md,
// "Observability", issue 14):
//   grove-observe-bench dump [N]   N fibers (100,000 by default) parked on an
//                                  Event, dumped to "grove.fibers/1" JSON;
//                                  prints the time of snapshot + write and
//                                  checks that the document parses back.
//   grove-observe-bench [--benchmark_...]   Google Benchmark: one spdlog call
//                                  with the %* fiber tags against the same
//                                  call without them (both formatted, the
//                                  output discarded).

#include <grove/debug/dump.hpp>
#include <grove/debug/log_tags.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/introspect.hpp>
#include <grove/this_fiber.hpp>

#include <benchmark/benchmark.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

int dump_bench(std::size_t n) {
  grove::Hub::create({.stack_size = 16 * 1024});
  grove::Event never;
  std::vector<grove::Fiber<>> fibers;
  fibers.reserve(n);
  for (std::size_t i = 0; i < n; ++i) fibers.push_back(grove::spawn([&] { never.wait(); }));
  grove::this_fiber::yield();  // every fiber runs once and parks
  double best_snapshot = 1e9;
  double best_total = 1e9;
  std::size_t bytes = 0;
  for (int round = 0; round < 3; ++round) {
    const auto t0 = Clock::now();
    std::vector<grove::debug::HubSnapshot> hubs = grove::debug::snapshot_all();
    const double snap = ms_since(t0);
    const std::string doc = grove::debug::write_json(hubs);
    const double total = ms_since(t0);
    best_snapshot = std::min(best_snapshot, snap);
    best_total = std::min(best_total, total);
    bytes = doc.size();
    const nlohmann::json parsed = nlohmann::json::parse(doc);  // valid JSON, every fiber in it
    if (parsed.at("hubs").at(0).at("fibers").size() != n + 1) {
      std::fprintf(stderr, "dump: expected %zu fibers\n", n + 1);
      return 1;
    }
  }
  std::printf("{\"workload\":\"dump\",\"fibers\":%zu,\"snapshot_ms\":%.2f,\"dump_ms\":%.2f,\"bytes\":%zu}\n", n,
              best_snapshot, best_total, bytes);
  for (auto& f : fibers) f.kill();
  grove::Hub::destroy_current();
  return 0;
}

// DiscardSink formats each line as a real sink would, then drops it.
class DiscardSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    benchmark::DoNotOptimize(buf.data());
  }
  void flush_() override {}
};

constexpr const char* plain_pattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v";
constexpr const char* tagged_pattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] [%*] %v";

void log_loop(benchmark::State& state, spdlog::logger& log) {
  grove::hub();  // the calling thread's hub: its main fiber logs
  int i = 0;
  for (auto _ : state) log.info("request {} served", ++i);
}

void BM_log_plain(benchmark::State& state) {
  spdlog::logger log("bench", std::make_shared<DiscardSink>());
  log.set_pattern(plain_pattern);
  log_loop(state, log);
}
BENCHMARK(BM_log_plain);

void BM_log_tagged(benchmark::State& state) {
  spdlog::logger log("bench", std::make_shared<DiscardSink>());
  grove::debug::tag_logger(log, tagged_pattern);
  log_loop(state, log);
}
BENCHMARK(BM_log_tagged);

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "dump") == 0)
    return dump_bench(argc >= 3 ? std::strtoull(argv[2], nullptr, 10) : 100'000);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
