// grove-demo — the seed's first scenarios with grove fibers: explicit
// switching between foo and bar, ten tasks sleeping concurrently, a winner
// and a loser, a Timeout, and a link that tells who died.

#include <grove/grove.hpp>

#include <chrono>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;

int main() {
  // 1. foo and bar hand control to each other whenever one blocks.
  std::puts("== explicit context switching");
  auto foo = grove::spawn([] {
    std::puts("Running in foo");
    grove::this_fiber::sleep(0s);
    std::puts("Explicit context switch to foo again");
  });
  auto bar = grove::spawn([] {
    std::puts("Explicit context to bar");
    grove::this_fiber::sleep(0s);
    std::puts("Implicit context switch back to bar");
  });
  grove::joinall(std::vector{foo, bar});

  // 2. Ten tasks with random sleeps finish in about the longest sleep.
  std::puts("== ten tasks sleeping concurrently");
  std::mt19937 rng(42);
  std::vector<grove::Fiber<int>> tasks;
  auto start = std::chrono::steady_clock::now();
  int longest = 0;
  for (int i = 0; i < 10; ++i) {
    int ms = 20 + static_cast<int>(rng() % 180);
    longest = std::max(longest, ms);
    tasks.push_back(grove::spawn([i, ms] {
      grove::this_fiber::sleep(std::chrono::milliseconds(ms));
      std::printf("Task %d done after %d ms\n", i, ms);
      return i;
    }));
  }
  grove::joinall(tasks);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  std::printf("all ten done in %lld ms (longest sleep %d ms)\n", static_cast<long long>(took.count()), longest);

  // 3. Winner and loser: an exception stays inside its fiber.
  std::puts("== winner and loser");
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto winner = grove::spawn([] { return std::string("You win!"); });
  auto loser = grove::spawn([]() -> std::string { throw std::runtime_error("You fail at failing."); });
  grove::joinall(std::vector<grove::Fiber<>>{winner, loser});
  std::printf("winner: %s, successful=%d\n", winner.value().c_str(), winner.successful());
  std::printf("loser successful=%d\n", loser.successful());
  try {
    loser.get();
  } catch (const std::exception& e) {
    std::printf("loser.get() rethrew: %s\n", e.what());
  }

  // 4. A Timeout interrupts a fiber that takes too long.
  std::puts("== timeout");
  try {
    grove::Timeout t(50ms);
    grove::this_fiber::sleep(10s);
  } catch (const grove::Timeout& e) {
    std::printf("caught %s\n", e.what());
  }

  // 5. A monitor reports how a fiber ended.
  std::puts("== monitor");
  auto worker = grove::spawn([] { grove::this_fiber::sleep(1h); });
  grove::monitor(worker, [](const grove::Down& d) {
    std::printf("%s is down: %s\n", d.fiber.name().c_str(), d.reason.to_string().c_str());
  });
  worker.kill();
  return 0;
}
