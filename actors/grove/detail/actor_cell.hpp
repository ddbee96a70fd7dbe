#pragma once
// detail/actor_cell.hpp — what an ActorRef points at: the mailbox (kept
// across restarts), the current incarnation's fiber, and the name. A cell
// is terminated once its actor has stopped for good; later sends become
// dead letters.

#include <grove/actor_errors.hpp>
#include <grove/fiber.hpp>
#include <grove/introspect.hpp>
#include <grove/mailbox.hpp>
#include <grove/detail/message_report.hpp>

#include <any>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace grove::detail {

// ReplySlot carries an ask's answer back to the asking hub; the first
// outcome (reply, failure or timeout) wins.
struct ReplySlot {
  std::function<void(std::any&&)> deliver;
  std::function<void(std::exception_ptr)> fail;
  std::atomic<bool> done{false};
  std::atomic<std::uint32_t> refs{0};  // owned through ReplyPtr
  std::string asker;                   // the asking fiber's name, kept only while a MessageObserver watches

  bool claim() noexcept { return !done.exchange(true, std::memory_order_acq_rel); }
  void reply(std::any value) {
    if (claim()) deliver(std::move(value));
  }
  void error(std::exception_ptr e) {
    if (claim()) fail(std::move(e));
  }
};

// ReplyPtr is a counted pointer to a ReplySlot, one word wide, so that an
// Envelope of a small message stays small (its mailbox slots too).
class ReplyPtr {
 public:
  ReplyPtr() noexcept = default;
  ReplyPtr(std::nullptr_t) noexcept {}
  explicit ReplyPtr(ReplySlot* p) noexcept : p_(p) { acquire(); }
  ReplyPtr(const ReplyPtr& o) noexcept : p_(o.p_) { acquire(); }
  ReplyPtr(ReplyPtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  ReplyPtr& operator=(ReplyPtr o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~ReplyPtr() {
    if (p_) [[unlikely]]
      release();
  }
  static ReplyPtr make() { return ReplyPtr(new ReplySlot); }

  ReplySlot* get() const noexcept { return p_; }
  ReplySlot* operator->() const noexcept { return p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

 private:
  void acquire() noexcept {
    if (p_) p_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept {
    if (p_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete p_;
  }
  ReplySlot* p_ = nullptr;
};

template <class M>
struct Envelope {
#if defined(__clang__) && __clang_major__ < 16
  // These constructors stand in for parenthesised aggregate initialisation
  // (the mailbox's emplace), which clang before 16 lacks (the TSan build,
  // clang++-14); a send's null reply is built in place, as GCC does.
  Envelope() = default;
  template <class Msg>
  Envelope(Msg&& m, std::nullptr_t) : message(std::forward<Msg>(m)) {}
  template <class Msg>
  Envelope(Msg&& m, ReplyPtr r) : message(std::forward<Msg>(m)), reply(std::move(r)) {}
#endif
  M message;
  ReplyPtr reply;  // null for send()
};

}  // namespace grove::detail

namespace grove {
// A dead envelope is named after the message inside it (dead_letters.hpp):
// logs show `Withdraw`, never grove::detail::Envelope<...>.
template <class M>
struct DeadLetterName<detail::Envelope<M>> {
  static std::string_view of(const detail::Envelope<M>* e) { return DeadLetterName<M>::of(e ? &e->message : nullptr); }
};

}  // namespace grove

namespace grove::detail {

// fail_discarded_ask() fails the ask inside an envelope the mailbox gave
// up on, so its caller hears at once instead of timing out.
template <class M>
void fail_discarded_ask(Envelope<M>& e, DeadLetterReason reason) noexcept {
  if (!e.reply) return;
  try {
    if (reason == DeadLetterReason::leftover)
      e.reply->error(std::make_exception_ptr(ActorDead("grove: the actor stopped before answering the ask")));
    else e.reply->error(std::make_exception_ptr(MailboxFull("grove: the ask was shed by a full mailbox")));
  } catch (...) {
  }
}

// report_dead_letter() tells this thread's MessageObserver, if any, of a
// dead letter of an actor's mailbox.
template <class M>
void report_dead_letter(const Envelope<M>& e, DeadLetterReason reason, bool queued, std::string_view owner,
                        std::string_view detail) noexcept {
  if (tls_message_observer) [[unlikely]]
    report_drop(e.message, reason, queued, owner, detail, static_cast<bool>(e.reply));
}

template <class M>
struct ActorCell final : FiberProbe {
  ActorCell(std::string name, MailboxConfig config)
      : mailbox(config, name), name(std::move(name)), home(&scheduler().facade()) {
    mailbox.set_discard_hook(&fail_discarded_ask<M>);
    mailbox.set_dead_letter_hook(&report_dead_letter<M>);
  }

  // terminate() ends the actor for good: the mailbox closes (leftovers go
  // to dead letters) and termination hooks (the registry) run.
  void terminate() noexcept {
    if (terminated.exchange(true, std::memory_order_acq_rel)) return;
    mailbox.close();
    auto hooks = std::move(on_terminate);
    for (auto& h : hooks) {
      try {
        h();
      } catch (...) {
      }
    }
  }

  Mailbox<Envelope<M>> mailbox;
  std::string name;
  // home is the hub the cell (its mailbox, its incarnations) belongs to;
  // `fiber`, `supervised` and `on_terminate` are touched only there.
  const Hub* home;
  Fiber<> fiber;                   // the current incarnation
  bool supervised = false;         // a supervisor decides when it terminates
  std::uint64_t incarnations = 0;  // started so far: restarts + 1 (home hub only)
  // describe() tells grove::debug snapshots about the actor, on its home
  // hub (its fiber's FiberExtras::probe points here).
  void describe(debug::ActorSnapshot& out) const override {
    out.name = name;
    out.mailbox_depth = mailbox.size();
    if (incarnations > 0) out.restarts = incarnations - 1;
    out.remote_received = mailbox.remote_received();
  }
  // terminated is read from any hub (ActorRef::alive, the registry).
  std::atomic<bool> terminated{false};
  std::vector<std::function<void()>> on_terminate;
};

}  // namespace grove::detail
