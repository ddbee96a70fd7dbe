#pragma once
// placement.hpp — Placement: which hub of a Runtime a new actor goes to
// (Runtime::spawn_actor). Work spreads over the cores by placing actors,
// never by moving started fibers (docs/design/runtime.md).
//
//   local         the calling fiber's hub; from outside the Runtime (main,
//                 a plain thread), hub 0. The default.
//   round_robin   hubs 0, 1, 2, ... in turn (one counter per Runtime).
//   hash(key)     a hub chosen by the key alone: equal keys, equal hubs
//                 (std::hash of the key, mixed, modulo the hub count).
//   least_loaded  two hubs picked at random, the one with fewer placed
//                 actors alive wins (the "power of two choices").

#include <cstddef>
#include <cstdint>
#include <functional>

namespace grove {

class Placement {
 public:
  enum class Kind : std::uint8_t { local, round_robin, hash, least_loaded };

  constexpr Placement() noexcept = default;
  static const Placement local;
  static const Placement round_robin;
  static const Placement least_loaded;
  // hash(key) places by std::hash<K> of key.
  template <class K>
  static Placement hash(const K& key) {
    return Placement(Kind::hash, static_cast<std::uint64_t>(std::hash<K>{}(key)));
  }

  [[nodiscard]] constexpr Kind kind() const noexcept { return kind_; }
  [[nodiscard]] constexpr std::uint64_t key() const noexcept { return key_; }

 private:
  constexpr explicit Placement(Kind kind, std::uint64_t key = 0) noexcept : kind_(kind), key_(key) {}
  Kind kind_ = Kind::local;
  std::uint64_t key_ = 0;
};

inline constexpr Placement Placement::local{};
inline constexpr Placement Placement::round_robin{Placement::Kind::round_robin};
inline constexpr Placement Placement::least_loaded{Placement::Kind::least_loaded};

namespace detail {
// place_hash(key, hubs) is the hub index hash placement picks: the key
// mixed (splitmix64's finaliser, so std::hash's identity on integers still
// spreads) modulo hubs.
std::size_t place_hash(std::uint64_t key, std::size_t hubs) noexcept;
// pick_two(hubs) is two hub indexes drawn at random (distinct when hubs > 1),
// from a per-thread generator.
void pick_two(std::size_t hubs, std::size_t& a, std::size_t& b) noexcept;
}  // namespace detail

}  // namespace grove
