#pragma once
// prng.hpp — Prng: the small, fast, seedable generator behind seeded
// scheduling (xoshiro256** seeded through splitmix64). The same seed gives
// the same sequence on every machine and build: no std:: distribution (whose
// results the standard leaves to the implementation) is involved.

#include <cstddef>
#include <cstdint>

namespace grove::testing {

class Prng {
 public:
  explicit Prng(std::uint64_t seed) noexcept {
    for (auto& word : state_) word = splitmix64(seed);
  }

  // next() is the next 64 random bits.
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // below(n) is uniform in [0, n) (n > 0), by Lemire's multiply-shift (its
  // bias, at most n / 2^64, is far below what any test could observe).
  std::size_t below(std::size_t n) noexcept {
    return static_cast<std::size_t>((static_cast<uint128>(next()) * n) >> 64);
  }

 private:
  // GCC and Clang's 128-bit integer; __extension__ marks the one non-ISO
  // construct for -Wpedantic.
  __extension__ using uint128 = unsigned __int128;

  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::uint64_t state_[4];
};

}  // namespace grove::testing
