#pragma once
// dead_letters.hpp — where undeliverable messages are accounted for.
// Nothing is dropped silently: a message sent to a dead actor, shed by a
// full mailbox, left over when an actor stops, or the one that crashed an
// actor is counted here by reason and logged (the first ones in full, then
// a summary at every power of ten). Thread-safe.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace grove {

enum class DeadLetterReason : std::uint8_t {
  dead_actor,  // sent to an actor that had already stopped
  shed,        // dropped by a full bounded mailbox (drop_newest/drop_oldest)
  rejected,    // refused by a full bounded mailbox (fail, or block timed out)
  leftover,    // still queued when the actor stopped for good
  crashed,     // being processed when the actor crashed or was killed
};
inline constexpr std::size_t kDeadLetterReasons = 5;

std::string_view to_string(DeadLetterReason r) noexcept;

class DeadLetters {
 public:
  // record() counts one dead letter and logs it (in full for the first
  // kLoggedInFull, then a summary line at 100, 1000, 10000, ...).
  void record(DeadLetterReason reason, std::string_view recipient, std::string_view message_type,
              std::string_view detail = {}) noexcept;
  std::uint64_t count(DeadLetterReason reason) const noexcept {
    return counts_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }
  std::uint64_t total() const noexcept;
  // reset() zeroes the counters (tests).
  void reset() noexcept;

  static constexpr std::uint64_t kLoggedInFull = 10;

 private:
  std::array<std::atomic<std::uint64_t>, kDeadLetterReasons> counts_{};
  std::atomic<std::uint64_t> total_{0};
};

// dead_letters() is the process's one dead-letter office.
DeadLetters& dead_letters() noexcept;

}  // namespace grove
