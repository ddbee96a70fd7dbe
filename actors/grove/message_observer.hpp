#pragma once
// message_observer.hpp — MessageObserver, the seam through which a test
// kit sees every actor message (grove::testing::Trace fills it):
//
//   struct Counter final : grove::MessageObserver {
//     void on_event(const grove::MessageEvent& e) noexcept override { ++events; }
//     int events = 0;
//   } counter;
//   grove::set_message_observer(&counter);   // this thread's sends, receives and drops
//   ...
//   grove::set_message_observer(nullptr);
//
// Events: send (ActorRef::send, ActorRef::ask, and an actor's reply to an
// ask), receive (just before receive() handles the message), drop (every
// dead letter: sent to a dead actor, shed or rejected by a full mailbox,
// left over when the actor stopped, being processed when it crashed). Each
// is reported synchronously, on the thread where it happens, to that
// thread's observer. With no observer installed a send and a receive cost
// one predictable branch each: no allocation, no lock, no string built.
// An observer must not throw and must not send messages itself.
//
// Fault injection (grove::testing::FaultPlan, fault_plan.hpp): after
// on_event() of a send or a receive, the observer's inject() may answer a
// MessageFault for that message. Only observed messages can be faulted, so
// with no observer there is nothing more on the hot path than the branch
// above.

#include <grove/dead_letters.hpp>
#include <grove/errors.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <typeinfo>

namespace grove {

enum class MessageEventKind : std::uint8_t { send, receive, drop };

// to_string(kind) is "send", "receive" or "drop".
std::string_view to_string(MessageEventKind kind) noexcept;

// MessageEvent describes one event; its views and pointers are valid only
// during the on_event() call.
struct MessageEvent {
  MessageEventKind kind = MessageEventKind::send;
  // from is who sent the message, where that is known: for a send, and for
  // a drop the send itself caused (dead actor, shed newest, rejected), the
  // sending fiber's name (an actor's fiber bears the actor's name; "" for
  // the main fiber or a thread without a hub); for the receive of an ask,
  // the asker. Otherwise "" (a mailbox does not keep its senders).
  std::string_view from;
  // to is the receiving actor's name (for a reply, the asker's).
  std::string_view to;
  // type is the message's type (for a std::variant, the held alternative's)
  // and message points at that object.
  const std::type_info* type = nullptr;
  const void* message = nullptr;
  // json renders the message as JSON text through its member to_json()
  // (returning a string of JSON, or an object with dump() such as
  // nlohmann::json); null when the type has none.
  std::string (*json)(const void* message) = nullptr;
  bool ask = false;    // the message carries a reply address
  bool reply = false;  // the message is an actor's answer to an ask
  // reason and detail are set for drops (detail: why the actor crashed).
  DeadLetterReason reason = DeadLetterReason::dead_actor;
  std::string_view detail;
};

// MessageFault is what an observer injects into one message. crash (asked
// at a receive): receive() is not called and the actor crashes with
// InjectedFault, as if receive() had thrown it (the message goes to dead
// letters, reason crashed; a supervisor sees an abnormal exit). overflow
// (asked at a send or an ask): the send meets the actor's bounded mailbox
// as if it were full, so its Overflow policy applies (drop_newest sheds the
// message, drop_oldest the oldest queued one, fail rejects with
// MailboxFull); an unbounded or `block` mailbox delivers as usual.
enum class MessageFault : std::uint8_t { none, crash, overflow };

// InjectedFault is the exception of a crash injected by MessageFault::crash.
class InjectedFault : public Error {
 public:
  using Error::Error;
};

class MessageObserver {
 public:
  virtual ~MessageObserver() = default;
  // on_event(e) is called for every event of the thread it observes.
  virtual void on_event(const MessageEvent& event) noexcept = 0;
  // inject(e) is asked after on_event(e) for sends and receives; the
  // default injects nothing.
  virtual MessageFault inject(const MessageEvent& /*event*/) noexcept { return MessageFault::none; }
};

// set_message_observer(o) installs o as this thread's observer (nullptr
// removes it) and returns the previous one; message_observer() is it.
MessageObserver* set_message_observer(MessageObserver* observer) noexcept;
MessageObserver* message_observer() noexcept;

namespace detail {
extern constinit thread_local MessageObserver* tls_message_observer;
// throw_injected_crash(actor) throws the InjectedFault of MessageFault::crash.
[[noreturn, gnu::cold]] void throw_injected_crash(std::string_view actor);
}  // namespace detail

}  // namespace grove
