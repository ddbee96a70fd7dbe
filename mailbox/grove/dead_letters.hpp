#pragma once
// dead_letters.hpp — where undeliverable messages are accounted for.
// Nothing is dropped silently: a message sent to a dead actor, shed by a
// full mailbox, left over when an actor stops, or the one that crashed an
// actor is counted here by reason and logged. The counts are exact; the log
// is bounded: at most kLoggedInFull dead letters a second (per process) are
// logged in full; past that one line says the rest are only counted, and
// the first one logged in a later second is preceded by how many were left
// out, with the totals (Akka's log-dead-letters shape). A flood of dead
// letters writes at most kLoggedInFull + 2 lines a second. Thread-safe.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <variant>

namespace grove {

enum class DeadLetterReason : std::uint8_t {
  dead_actor,  // sent to an actor that had already stopped
  shed,        // dropped by a full bounded mailbox (drop_newest/drop_oldest)
  rejected,    // refused by a full bounded mailbox (fail, or block timed out)
  leftover,    // still queued when the actor stopped for good
  crashed,     // being processed when the actor crashed or was killed
  // grove::cluster (docs/cluster.md): a message between processes that
  undecodable,  // arrived but failed to decode (unknown type or version, bad JSON, over the size limit)
  unreachable,  // could not be carried: not connected, its node is down, or it was lost in transit
};
inline constexpr std::size_t kDeadLetterReasons = 7;

std::string_view to_string(DeadLetterReason r) noexcept;

class DeadLetters {
 public:
  // record() counts one dead letter and logs it within the bound above.
  void record(DeadLetterReason reason, std::string_view recipient, std::string_view message_type,
              std::string_view detail = {}) noexcept;
  std::uint64_t count(DeadLetterReason reason) const noexcept {
    return counts_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }
  std::uint64_t total() const noexcept;
  // reset() zeroes the counters and restarts the log's second (tests).
  void reset() noexcept;

  static constexpr std::uint64_t kLoggedInFull = 10;

 private:
  std::array<std::atomic<std::uint64_t>, kDeadLetterReasons> counts_{};
  std::atomic<std::uint64_t> total_{0};
};

// dead_letters() is the process's one dead-letter office.
DeadLetters& dead_letters() noexcept;

// readable_type_name(type) is type's demangled name without
// "(anonymous namespace)::": what a dead-letter log line calls a message.
std::string readable_type_name(const std::type_info& type);

namespace detail {
template <class T>
struct IsStdVariant : std::false_type {};
template <class... A>
struct IsStdVariant<std::variant<A...>> : std::true_type {};
// variant_alternative_name<V>(i) is the readable name of V's i-th alternative.
template <class V, std::size_t... I>
std::string_view variant_alternative_name(std::size_t i, std::index_sequence<I...> /*unused*/) {
  static const std::array<std::string, sizeof...(I)> names{
      readable_type_name(typeid(std::variant_alternative_t<I, V>))...};
  return names[i];
}
}  // namespace detail

// DeadLetterName<T>::of(msg) is how a dead letter of type T is named in the
// log: T's readable name, or for a std::variant the alternative msg holds.
// msg may be null (the message is not at hand). Each name is demangled once
// (static storage), so a flood of dead letters does not demangle again. A
// type that only wraps the user's message (the actors' envelope) specialises
// it to name what it wraps, so logs never show grove's internal types.
template <class T>
struct DeadLetterName {
  static std::string_view of(const T* msg) {
    if constexpr (detail::IsStdVariant<T>::value) {
      if (msg && !msg->valueless_by_exception())
        return detail::variant_alternative_name<T>(msg->index(), std::make_index_sequence<std::variant_size_v<T>>{});
    }
    static const std::string name = readable_type_name(typeid(T));
    return name;
  }
};

}  // namespace grove
