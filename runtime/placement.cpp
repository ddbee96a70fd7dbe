// placement.cpp — the arithmetic behind hash and least_loaded placement.

#include <grove/placement.hpp>

#include <cstdint>
#include <random>

namespace grove::detail {

namespace {

std::uint64_t mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

// Each thread draws from its own generator, seeded once: no lock and no
// shared cache line on the placement path.
std::uint64_t next_random() noexcept {
  thread_local std::uint64_t state = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32U) ^ rd();
  }();
  state += 0x9e3779b97f4a7c15ULL;
  return mix(state);
}

}  // namespace

std::size_t place_hash(std::uint64_t key, std::size_t hubs) noexcept {
  return static_cast<std::size_t>(mix(key) % hubs);
}

void pick_two(std::size_t hubs, std::size_t& a, std::size_t& b) noexcept {
  a = static_cast<std::size_t>(next_random() % hubs);
  if (hubs < 2) {
    b = a;
    return;
  }
  // b is uniform over the other hubs.
  b = static_cast<std::size_t>(next_random() % (hubs - 1));
  if (b >= a) ++b;
}

}  // namespace grove::detail
