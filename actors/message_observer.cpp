// message_observer.cpp — this thread's MessageObserver and the out-of-line
// half of reporting to it.

#include <grove/message_observer.hpp>

#include <grove/hub.hpp>
#include <grove/detail/message_report.hpp>

#include <string>

namespace grove {

namespace detail {

constinit thread_local MessageObserver* tls_message_observer = nullptr;

std::string running_fiber_name() {
  Scheduler* s = tls_scheduler;
  if (!s || !s->current() || s->current() == s->main_fiber()) return {};
  return s->current()->display_name();
}

MessageFault emit_message_event(MessageEvent& e, bool from_running_fiber) noexcept {
  MessageObserver* observer = tls_message_observer;
  if (!observer) return MessageFault::none;
  try {
    std::string from;
    if (from_running_fiber) {
      from = running_fiber_name();
      e.from = from;
    }
    observer->on_event(e);
    if (e.kind == MessageEventKind::drop || e.reply) return MessageFault::none;
    return observer->inject(e);
  } catch (...) {
    // building the sender's name failed (out of memory): the event is lost, not the send
    return MessageFault::none;
  }
}

void throw_injected_crash(std::string_view actor) {
  throw InjectedFault("grove: fault injected by the test kit: actor '" + std::string(actor) +
                      "' crashed before handling its message (grove::testing::FaultPlan)");
}

}  // namespace detail

std::string_view to_string(MessageEventKind kind) noexcept {
  switch (kind) {
    case MessageEventKind::send:
      return "send";
    case MessageEventKind::receive:
      return "receive";
    case MessageEventKind::drop:
      return "drop";
  }
  return "unknown";
}

MessageObserver* set_message_observer(MessageObserver* observer) noexcept {
  MessageObserver* previous = detail::tls_message_observer;
  detail::tls_message_observer = observer;
  return previous;
}

MessageObserver* message_observer() noexcept { return detail::tls_message_observer; }

}  // namespace grove
