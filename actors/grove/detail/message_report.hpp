#pragma once
// detail/message_report.hpp — how actors report to a MessageObserver. The
// callers test detail::tls_message_observer first (one branch); these
// functions, cold and out of the hot path, build the event.
//
// JSON payloads: only a member to_json() is detected here (returning JSON
// text convertible to std::string_view, or an object with dump(), such as
// nlohmann::json), so actor headers need no JSON library and cost nothing
// to compile for types without one. Types that offer nlohmann's ADL
// to_json(json&, const T&) instead are rendered by the observer, which
// gets the object and its type (grove::testing::Trace::describe<T>()).

#include <grove/message_observer.hpp>

#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>

namespace grove::detail {

template <class T>
concept JsonTextToJson = requires(const T& m) {
  { m.to_json() } -> std::convertible_to<std::string_view>;
};
template <class T>
concept DumpingToJson = requires(const T& m) {
  { m.to_json().dump() } -> std::convertible_to<std::string>;
};

template <class T>
std::string member_json(const void* p) {
  const T& m = *static_cast<const T*>(p);
  if constexpr (JsonTextToJson<T>) return std::string(std::string_view(m.to_json()));
  else return m.to_json().dump();
}

template <class T>
constexpr auto json_renderer() noexcept -> std::string (*)(const void*) {
  if constexpr (JsonTextToJson<T> || DumpingToJson<T>) return &member_json<T>;
  else return nullptr;
}

template <class T>
struct IsVariant : std::false_type {};
template <class... A>
struct IsVariant<std::variant<A...>> : std::true_type {};

// describe(m, e) sets e's type, message and json (for a variant: those of
// the alternative it holds).
template <class M>
void describe(const M& m, MessageEvent& e) noexcept {
  if constexpr (IsVariant<M>::value) {
    if (!m.valueless_by_exception()) {
      std::visit([&e](const auto& alternative) { describe(alternative, e); }, m);
      return;
    }
  }
  e.type = &typeid(M);
  e.message = &m;
  e.json = json_renderer<M>();
}

// running_fiber_name() is the running fiber's name ("" for the main fiber
// or a thread without a hub).
std::string running_fiber_name();

// emit_message_event(e, from_running_fiber) hands e to this thread's
// observer, with `from` set to the running fiber's name when asked, and
// returns the fault it injects (none for drops and replies).
MessageFault emit_message_event(MessageEvent& e, bool from_running_fiber) noexcept;

template <class M>
[[gnu::cold, gnu::noinline]] MessageFault report_send(const M& m, std::string_view to, bool ask) noexcept {
  MessageEvent e;
  e.kind = MessageEventKind::send;
  e.to = to;
  e.ask = ask;
  describe(m, e);
  return emit_message_event(e, true);
}

template <class R>
[[gnu::cold, gnu::noinline]] void report_reply(const R& value, std::string_view asker) noexcept {
  MessageEvent e;
  e.kind = MessageEventKind::send;
  e.to = asker;
  e.reply = true;
  describe(value, e);
  emit_message_event(e, true);
}

template <class M>
[[gnu::cold, gnu::noinline]] MessageFault report_receive(const M& m, std::string_view to, std::string_view asker,
                                                         bool ask) noexcept {
  MessageEvent e;
  e.kind = MessageEventKind::receive;
  e.from = asker;
  e.to = to;
  e.ask = ask;
  describe(m, e);
  return emit_message_event(e, false);
}

template <class M>
[[gnu::cold, gnu::noinline]] void report_drop(const M& m, DeadLetterReason reason, bool queued, std::string_view to,
                                              std::string_view detail, bool ask) noexcept {
  MessageEvent e;
  e.kind = MessageEventKind::drop;
  e.to = to;
  e.ask = ask;
  e.reason = reason;
  e.detail = detail;
  describe(m, e);
  emit_message_event(e, !queued);
}

}  // namespace grove::detail
