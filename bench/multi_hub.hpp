#pragma once
// multi_hub.hpp — the multi-core workloads of ../shared/bench/WORKLOADS.md
// that grove-bench runs on a grove::Runtime (bench/multi_hub.cpp):
//   grove-bench M1 [H] [L]       skynet (W3, FIFO) of L leaves: the root's 10
//                                children go round-robin over the H hubs,
//                                each subtree runs on its child's hub
//   grove-bench M2 [H] [N] [P]   P producer fibers on hub 0 send N messages in
//                                all to one consumer actor on hub 1
//   grove-bench M3 [H] [N]       W4 ping-pong, ping on hub 0, pong on hub 1
//   grove-bench M4 [H] [M] [K]   W6 fan-out: K subscriber actors spread
//                                round-robin over the H hubs, the publisher
//                                a fiber on hub 0 sending M messages to each
//   grove-bench M6 [H] [S]       an idle Runtime of H hubs (one idle actor
//                                each) for S seconds: CPU % of one core
// Each prints the JSON line of bench_report.hpp with "hubs" and "spin_us"
// added. GROVE_BENCH_SPIN_US=U sets Runtime::Config::spin to U microseconds
// (unset: the Runtime's default, 0 on machines with at most 2 cores).

#include <cstdint>

namespace grove::bench {

void m1(std::uint64_t hubs, std::uint64_t leaves);
void m2(std::uint64_t hubs, std::uint64_t n, std::uint64_t producers);
void m3(std::uint64_t hubs, std::uint64_t n);
void m4(std::uint64_t hubs, std::uint64_t m, std::uint64_t k);
void m6(std::uint64_t hubs, std::uint64_t seconds);

}  // namespace grove::bench
