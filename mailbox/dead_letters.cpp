// dead_letters.cpp — counting and logging undeliverable messages.

#include <grove/dead_letters.hpp>
#include <grove/log.hpp>

#include <spdlog/spdlog.h>
#include <boost/core/demangle.hpp>

namespace grove {

std::string_view to_string(DeadLetterReason r) noexcept {
  switch (r) {
    case DeadLetterReason::dead_actor:
      return "sent to a dead actor";
    case DeadLetterReason::shed:
      return "shed by a full mailbox";
    case DeadLetterReason::rejected:
      return "rejected by a full mailbox";
    case DeadLetterReason::leftover:
      return "left over when the actor stopped";
    case DeadLetterReason::crashed:
      return "being processed when the actor crashed";
    case DeadLetterReason::undecodable:
      return "undecodable on arrival from another node";
    case DeadLetterReason::unreachable:
      return "unreachable across the cluster";
  }
  return "unknown";
}

void DeadLetters::record(DeadLetterReason reason, std::string_view recipient, std::string_view message_type,
                         std::string_view detail) noexcept {
  counts_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t n = total_.fetch_add(1, std::memory_order_relaxed) + 1;
  try {
    if (n <= kLoggedInFull) {
      grove::logger()->warn("grove: dead letter #{}: {} to '{}' ({}){}{}", n, to_string(reason), recipient,
                            message_type, detail.empty() ? "" : ": ", detail);
    } else {
      std::uint64_t p = 100;
      while (p < n) p *= 10;
      if (p == n)
        grove::logger()->warn(
            "grove: {} dead letters so far ({} dead actor, {} shed, {} rejected, {} leftover, {} crashed, "
            "{} undecodable, {} unreachable)",
            n, count(DeadLetterReason::dead_actor), count(DeadLetterReason::shed), count(DeadLetterReason::rejected),
            count(DeadLetterReason::leftover), count(DeadLetterReason::crashed), count(DeadLetterReason::undecodable),
            count(DeadLetterReason::unreachable));
    }
  } catch (...) {
  }
}

std::uint64_t DeadLetters::total() const noexcept { return total_.load(std::memory_order_relaxed); }

void DeadLetters::reset() noexcept {
  for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
  total_.store(0, std::memory_order_relaxed);
}

std::string readable_type_name(const std::type_info& type) {
  std::string name = boost::core::demangle(type.name());
  static constexpr std::string_view anonymous = "(anonymous namespace)::";
  for (auto at = name.find(anonymous); at != std::string::npos; at = name.find(anonymous, at))
    name.erase(at, anonymous.size());
  return name;
}

DeadLetters& dead_letters() noexcept {
  static DeadLetters office;
  return office;
}

}  // namespace grove
