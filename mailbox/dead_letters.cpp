// dead_letters.cpp — counting undeliverable messages, and logging them within
// a bound (dead_letters.hpp).

#include <grove/dead_letters.hpp>
#include <grove/log.hpp>

#include <spdlog/spdlog.h>
#include <boost/core/demangle.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>

namespace grove {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kLogWindow{1};

// LogWindow is the dead-letter log's current second: how many dead letters
// it logged in full, and how many it only counted. One per process, so the
// bound holds however many DeadLetters offices there are.
struct LogWindow {
  std::mutex mutex;
  bool open = false;
  Clock::time_point start{};
  std::uint64_t logged = 0;
  std::uint64_t unlogged = 0;
};

LogWindow& log_window() noexcept {
  static LogWindow window;
  return window;
}

}  // namespace

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
  const Clock::time_point now = Clock::now();
  LogWindow& w = log_window();
  // Decide under the lock, log outside it (a log sink may itself send a
  // message that goes dead).
  std::uint64_t left_out = 0;  // by the window that just ended
  Clock::duration left_out_over{};
  bool in_full = false;
  bool starts_counting = false;
  try {
    std::lock_guard<std::mutex> lock(w.mutex);
    if (!w.open || now - w.start >= kLogWindow) {
      left_out = w.unlogged;
      left_out_over = now - w.start;
      w.open = true;
      w.start = now;
      w.logged = 0;
      w.unlogged = 0;
    }
    if (w.logged < DeadLetters::kLoggedInFull) {
      ++w.logged;
      in_full = true;
    } else {
      starts_counting = w.unlogged++ == 0;
    }
  } catch (...) {  // the mutex failed: count it as not logged
  }
  try {
    if (left_out > 0)
      grove::logger()->warn(
          "grove: {} dead letters were not logged in the last {} ms; {} so far ({} dead actor, {} shed, "
          "{} rejected, {} leftover, {} crashed, {} undecodable, {} unreachable)",
          left_out, std::chrono::duration_cast<std::chrono::milliseconds>(left_out_over).count(), n,
          count(DeadLetterReason::dead_actor), count(DeadLetterReason::shed), count(DeadLetterReason::rejected),
          count(DeadLetterReason::leftover), count(DeadLetterReason::crashed), count(DeadLetterReason::undecodable),
          count(DeadLetterReason::unreachable));
    if (in_full)
      grove::logger()->warn("grove: dead letter #{}: {} to '{}' ({}){}{}", n, to_string(reason), recipient,
                            message_type, detail.empty() ? "" : ": ", detail);
    else if (starts_counting)
      grove::logger()->warn("grove: more than {} dead letters within {} ms; the rest are counted, not logged",
                            DeadLetters::kLoggedInFull,
                            std::chrono::duration_cast<std::chrono::milliseconds>(kLogWindow).count());
  } catch (...) {
  }
}

std::uint64_t DeadLetters::total() const noexcept { return total_.load(std::memory_order_relaxed); }

void DeadLetters::reset() noexcept {
  for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
  total_.store(0, std::memory_order_relaxed);
  LogWindow& w = log_window();
  try {
    std::lock_guard<std::mutex> lock(w.mutex);
    w.open = false;
    w.logged = 0;
    w.unlogged = 0;
  } catch (...) {
  }
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
