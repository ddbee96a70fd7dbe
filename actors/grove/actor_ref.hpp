#pragma once
// actor_ref.hpp — ActorRef<Message>, the address of an actor: send (tell)
// and ask (request/reply). A ref stays valid across supervisor restarts: it
// names the mailbox, not one incarnation. Messages from one sender to one
// receiver arrive in order. send() may be called from any OS thread; ask()
// from a thread with a hub (the reply arrives there).

#include <grove/actor_errors.hpp>
#include <grove/async_result.hpp>
#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/mailbox.hpp>
#include <grove/timeout.hpp>
#include <grove/detail/actor_cell.hpp>

#include <any>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace grove {

// default_ask_timeout() is how long ask() waits when given no timeout
// (5 s unless set_default_ask_timeout() changed it).
Duration default_ask_timeout() noexcept;
void set_default_ask_timeout(Duration d);

namespace detail {
// AskTimer fails an ask with grove::Timeout on the asking hub when the
// answer is late; it is disarmed when the answer comes first.
struct AskTimer final : TimerNode, std::enable_shared_from_this<AskTimer> {
  AskTimer() : TimerNode(&AskTimer::fire_now) {}
  static void fire_now(TimerNode& n) noexcept {
    auto& t = static_cast<AskTimer&>(n);
    auto keep = t.shared_from_this();
    try {
      t.slot->error(std::make_exception_ptr(Timeout::detached(t.duration)));
    } catch (...) {
    }
  }
  ReplyPtr slot;
  Duration duration{};
};
}  // namespace detail

template <class M>
class ActorRef {
 public:
  using message_type = M;
  ActorRef() = default;
  explicit ActorRef(std::shared_ptr<detail::ActorCell<M>> cell) : cell_(std::move(cell)) {}

  explicit operator bool() const noexcept { return static_cast<bool>(cell_); }
  const std::string& name() const { return cell()->name; }
  // alive() is false once the actor has stopped for good.
  bool alive() const { return !cell()->terminated.load(std::memory_order_acquire); }
  // fiber() is the current incarnation's fiber (it changes on restart).
  Fiber<> fiber() const { return cell()->fiber; }
  std::size_t mailbox_size() const { return cell()->mailbox.size(); }

  // send(msg) queues msg (tell). A dead actor's messages go to dead
  // letters; a full bounded mailbox applies its overflow policy.
  SendStatus send(M msg) const {
    auto* c = cell();
    if (detail::tls_message_observer) [[unlikely]]
      return send_observed(c, std::move(msg));
    return c->mailbox.emplace(std::move(msg), nullptr);
  }

  // ask<R>(msg, timeout) sends msg with a reply address; the actor answers
  // with reply(value). The AsyncResult fails with grove::Timeout when no
  // answer comes in time, with ActorDead when the actor is dead (or stops
  // before answering), with MailboxFull when a full bounded mailbox refuses
  // or sheds the ask, with UsageError when the reply is not an R, and with
  // the callee's own exception when receive() throws.
  // A negative or NaN timeout is a UsageError (and nothing is sent).
  template <class R = void>
  AsyncResult<R> ask(M msg, Deadline timeout = default_ask_timeout()) const {
    const TimePoint start = timeout.is_never() ? TimePoint::max() : detail::scheduler().now();
    const TimePoint deadline = timeout.resolve(start, "ActorRef::ask");
    AsyncResult<R> result;
    auto slot = detail::ReplyPtr::make();
    slot->deliver = [result](std::any&& value) mutable {
      if constexpr (std::is_void_v<R>) {
        result.set();
      } else if (R* v = std::any_cast<R>(&value)) {
        result.set(std::move(*v));
      } else {
        result.set_exception(
            UsageError("grove::ActorRef::ask: the actor replied with a different type than asked for"));
      }
    };
    slot->fail = [result](std::exception_ptr e) mutable { result.set_exception(std::move(e)); };
    if (deadline != TimePoint::max()) {
      auto& s = detail::scheduler();
      auto timer = std::make_shared<detail::AskTimer>();
      timer->slot = slot;
      timer->duration = deadline > start ? deadline - start : Duration::zero();
      timer->deadline = deadline;
      s.add_timer(*timer);
      result.add_callback([timer](const AsyncResult<R>&) {
        if (detail::tls_scheduler) detail::tls_scheduler->remove_timer(*timer);
      });
    }
    MessageFault fault = MessageFault::none;
    if (detail::tls_message_observer) [[unlikely]] {
      slot->asker = detail::running_fiber_name();
      fault = detail::report_send(msg, cell()->name, true);
    }
    SendStatus status;
    try {
      if (fault == MessageFault::overflow) [[unlikely]]
        status = cell()->mailbox.send_as_full(detail::Envelope<M>{std::move(msg), slot});
      else status = cell()->mailbox.send(detail::Envelope<M>{std::move(msg), slot});
    } catch (const MailboxFull&) {
      slot->error(std::current_exception());
      return result;
    }
    if (status == SendStatus::dead)
      slot->error(std::make_exception_ptr(ActorDead("grove: ask to '" + name() + "': the actor is not running")));
    else if (status == SendStatus::shed)
      slot->error(std::make_exception_ptr(MailboxFull("grove: ask to '" + name() + "': shed by its full mailbox")));
    return result;
  }

  friend bool operator==(const ActorRef& a, const ActorRef& b) noexcept { return a.cell_ == b.cell_; }
  const std::shared_ptr<detail::ActorCell<M>>& cell_ptr() const noexcept { return cell_; }

 private:
  // send_observed() is send() under a MessageObserver: reported, and
  // meeting a full mailbox when the observer injects an overflow. Out of
  // line, so the unobserved send stays as small as it was.
  [[gnu::noinline]] static SendStatus send_observed(detail::ActorCell<M>* c, M&& msg) {
    if (detail::report_send(msg, c->name, false) == MessageFault::overflow) [[unlikely]]
      return c->mailbox.send_as_full(detail::Envelope<M>{std::move(msg), nullptr});
    return c->mailbox.emplace(std::move(msg), nullptr);
  }

  detail::ActorCell<M>* cell() const {
    if (!cell_) throw UsageError("grove::ActorRef: empty reference; get one from spawn_actor()");
    return cell_.get();
  }
  std::shared_ptr<detail::ActorCell<M>> cell_;
};

}  // namespace grove
