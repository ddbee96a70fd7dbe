#pragma once
// soft_limit.hpp — SoftLimit, the soft half of a subscriber's output-buffer
// limit (Redis's client-output-buffer-limit: hard bytes, soft bytes, soft
// seconds). The hard limit (ChatConfig::max_outbound) disconnects a
// subscriber as soon as its unsent bytes would pass it; the soft limit
// disconnects one whose unsent bytes stay over soft_outbound for longer than
// soft_outbound_time, so a client that keeps falling behind is dropped
// before it reaches the hard limit, while a short burst is tolerated.
// Like Redis, the limit is checked when output is queued (and here also
// when the writer has sent some): "continuously" means at every check.
// Not thread-safe: use it from its member's hub.

#include <grove/duration.hpp>

#include <cstddef>
#include <optional>

namespace grove::chat {

class SoftLimit {
 public:
  // SoftLimit(bytes, time): bytes 0 means no soft limit.
  SoftLimit(std::size_t bytes, Duration time) noexcept : bytes_(bytes), time_(time) {}

  // exceeded(unsent, now) records that unsent bytes are pending at now. It
  // is true when they are over the soft limit (unsent > bytes) and have
  // been at every check since a time more than `time` before now — the
  // subscriber is then to be disconnected ("slow_consumer_soft"). At or
  // under the limit the clock restarts.
  bool exceeded(std::size_t unsent, TimePoint now) noexcept {
    if (bytes_ == 0 || unsent <= bytes_) {
      since_.reset();
      return false;
    }
    if (!since_) since_ = now;
    return now - *since_ > time_;
  }
  // over_since() is when the unsent bytes went over the limit (empty when
  // they are not over it).
  std::optional<TimePoint> over_since() const noexcept { return since_; }

 private:
  std::size_t bytes_;
  Duration time_;
  std::optional<TimePoint> since_;
};

}  // namespace grove::chat
