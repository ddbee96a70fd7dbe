#pragma once
// actor.hpp — Actor<Message>: a fiber that loops receive(mailbox.get()).
//
//   using Msg = std::variant<Ping, Pong>;
//   class Pinger : public grove::Actor<Msg> {
//     void receive(Msg& m) override {
//       grove::match(m, [&](Ping& p) { ... }, [&](Pong& p) { ... });
//     }
//   };
//   auto ref = grove::spawn_actor<Pinger>();   // ActorRef<Msg>
//   ref.send(Ping{1});
//
// An exception escaping receive() crashes the actor: the message being
// processed goes to dead letters with the reason, an ask being answered
// fails with that exception, and the fiber dies with it (a supervisor may
// restart the actor on the same mailbox).

#include <grove/actor_errors.hpp>
#include <grove/actor_ref.hpp>
#include <grove/fiber.hpp>
#include <grove/links.hpp>
#include <grove/mailbox.hpp>
#include <grove/detail/cross_hub_links.hpp>
#include <grove/detail/hub_domain.hpp>

#include <any>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace grove {

// match(variant, handlers...) visits a variant with one lambda per
// alternative (std::visit over an overload set).
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class V, class... F>
decltype(auto) match(V&& v, F&&... handlers) {
  return std::visit(Overloaded<std::decay_t<F>...>{std::forward<F>(handlers)...}, std::forward<V>(v));
}

struct ActorOptions {
  std::string name;         // empty: "<type>-<id>"
  MailboxConfig mailbox{};  // unbounded by default ({} so `{.name = "x"}` is warning-free)
};

namespace detail {
template <class M>
class ActorRunner;
// log_on_stop_failure() reports an exception thrown by on_stop().
void log_on_stop_failure(const std::string& actor, std::exception_ptr e) noexcept;
}  // namespace detail

template <class M>
class Actor {
 public:
  using message_type = M;
  Actor() = default;
  virtual ~Actor() = default;
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;

  // self() is this actor's address.
  ActorRef<M> self() const { return ActorRef<M>(cell_); }
  const std::string& name() const { return cell_->name; }

 protected:
  // receive() handles one message.
  virtual void receive(M& message) = 0;
  // on_start() runs in the actor's fiber before the first message (after
  // every restart too); on_stop() after the last, whether the actor stops,
  // crashes or is killed (exceptions from it are logged, not raised).
  virtual void on_start() {}
  virtual void on_stop() {}
  // on_exit() receives exit signals of linked fibers while trap_exits() is
  // on; on_down() receives Down notifications of monitor().
  virtual void on_exit(const ExitSignal& /*signal*/) {}
  virtual void on_down(const Down& /*down*/) {}

  // stop() ends the actor normally after the current message.
  void stop() noexcept { stopping_ = true; }
  // reply(value) answers the ask being handled; a second reply, or one
  // outside an ask, throws UsageError.
  template <class R>
  void reply(R&& value) {
    auto slot = take_reply("reply");
    if (detail::tls_message_observer) [[unlikely]]
      detail::report_reply(value, slot->asker);
    slot->reply(std::any(std::forward<R>(value)));
  }
  void reply() {
    auto slot = take_reply("reply");
    if (detail::tls_message_observer) [[unlikely]]
      detail::report_reply(std::monostate{}, slot->asker);
    slot->reply(std::any());
  }
  // asking() is true while the current message is an ask not yet answered.
  bool asking() const noexcept { return static_cast<bool>(current_reply_); }
  // defer_reply() takes the current ask's reply address, to answer later
  // (from any fiber) with Deferred::reply / Deferred::fail.
  class Deferred {
   public:
    explicit Deferred(detail::ReplyPtr slot) : slot_(std::move(slot)) {}
    template <class R>
    void reply(R&& value) {
      if (detail::tls_message_observer) [[unlikely]]
        detail::report_reply(value, slot_->asker);
      slot_->reply(std::any(std::forward<R>(value)));
    }
    void reply() {
      if (detail::tls_message_observer) [[unlikely]]
        detail::report_reply(std::monostate{}, slot_->asker);
      slot_->reply(std::any());
    }
    void fail(std::exception_ptr e) { slot_->error(std::move(e)); }

   private:
    detail::ReplyPtr slot_;
  };
  Deferred defer_reply() { return Deferred(take_reply("defer_reply")); }

  // trap_exits() turns exit signals from linked fibers into on_exit() calls.
  void trap_exits(bool on = true) {
    trapping_ = on;
    if (cell_->fiber) install_trap();
  }
  // link(other) links this actor's fiber with another fiber or actor. The
  // other may live on another hub of the same Runtime: its exit signal then
  // reaches this actor's system lane on this actor's hub, and an actor's
  // current incarnation is looked up on its own hub
  // (detail/cross_hub_links.hpp).
  void link(const Fiber<>& other) { grove::link(cell_->fiber, other); }
  template <class N>
  void link(const ActorRef<N>& other) {
    if (detail::is_local(other.cell_ptr()->home)) return grove::link(cell_->fiber, other.fiber());
    detail::link_across(cell_->fiber.base(), far_end(other));
  }
  // monitor(target) delivers Down to on_down() when target ends (across
  // hubs too, as link).
  MonitorId monitor(const Fiber<>& target) { return grove::monitor(target, down_handler("")); }
  template <class N>
  MonitorId monitor(const ActorRef<N>& target) {
    if (detail::is_local(target.cell_ptr()->home)) return monitor(target.fiber());
    return detail::monitor_across(far_end(target), down_handler(target.name()));
  }

 private:
  friend class detail::ActorRunner<M>;

  detail::ReplyPtr take_reply(const char* what) {
    if (!current_reply_)
      throw UsageError(std::string("grove::Actor::") + what +
                       ": the current message is not an ask, or it was answered already");
    return std::exchange(current_reply_, nullptr);
  }
  // down_handler() queues a Down on this actor's system lane (on its hub);
  // an empty fiber (its target no longer exists) is named `name`.
  std::function<void(const Down&)> down_handler(std::string name) {
    return [cell = cell_, name = std::move(name)](const Down& d) {
      cell->mailbox.signal(
          SystemSignal{SystemSignal::Kind::down, d.fiber, d.reason, d.monitor_id, d.fiber ? d.fiber.name() : name});
    };
  }
  // far_end(ref) is ref's actor as the far end of a cross-hub link or
  // monitor: its current incarnation, looked up on its hub.
  template <class N>
  static detail::FarEnd far_end(const ActorRef<N>& ref) {
    const auto& cell = ref.cell_ptr();
    return detail::FarEnd{cell->home, [cell] { return detail::Ref<detail::FiberBase>(cell->fiber.base()); }, cell.get(),
                          ExitReason::exception(std::make_exception_ptr(
                              ActorDead("grove: actor '" + cell->name + "' does not exist (noproc)")))};
  }
  void install_trap() {
    auto cell = cell_;
    if (!trapping_) return grove::trap_exits(cell_->fiber, nullptr);
    grove::trap_exits(cell_->fiber, [cell](const ExitSignal& s) {
      cell->mailbox.signal(SystemSignal{SystemSignal::Kind::exit, s.from, s.reason, 0, s.from.name()});
    });
  }

  std::shared_ptr<detail::ActorCell<M>> cell_;
  detail::ReplyPtr current_reply_;
  bool stopping_ = false;
  bool trapping_ = false;
};

namespace detail {

// ActorRunner is the fiber of one incarnation: on_start, the receive loop,
// on_stop. When it ends and no supervisor owns the cell, the cell ends too.
template <class M>
class ActorRunner final : public Greenlet<void> {
 public:
  ActorRunner(std::shared_ptr<ActorCell<M>> cell, std::unique_ptr<Actor<M>> actor)
      : cell_(std::move(cell)), actor_(std::move(actor)) {
    actor_->cell_ = cell_;
  }

 protected:
  void run() override {
    Actor<M>& a = *actor_;
    if (a.trapping_) a.install_trap();
    try {
      a.on_start();
      cell_->mailbox.consume([&](SystemSignal& s) { handle_system(s); }, [&](Envelope<M>& e) { handle(e); },
                             [&] { return !a.stopping_; });
    } catch (...) {
      stop_quietly();
      throw;
    }
    stop_quietly();
  }

 private:
  // handle(e) is the per-message path: one branch for what is rare (an
  // ask, a MessageObserver and the faults it injects), then receive(). What a crash or an ask needs
  // is out of line, so this stays small enough to inline into the loop.
  [[gnu::always_inline]] void handle(Envelope<M>& e) {
    if (detail::tls_message_observer || e.reply) [[unlikely]]
      return handle_ask_or_observed(e);
    try {
      actor_->receive(e.message);
    } catch (...) {
      crashed(e);
      throw;
    }
  }
  [[gnu::noinline]] void handle_ask_or_observed(Envelope<M>& e) {
    Actor<M>& a = *actor_;
    MessageFault fault = MessageFault::none;
    if (detail::tls_message_observer) [[unlikely]]
      fault = detail::report_receive(e.message, cell_->name,
                                     e.reply ? std::string_view(e.reply->asker) : std::string_view(),
                                     static_cast<bool>(e.reply));
    if (e.reply) a.current_reply_ = std::move(e.reply);
    try {
      if (fault == MessageFault::crash) [[unlikely]]
        detail::throw_injected_crash(cell_->name);
      a.receive(e.message);
    } catch (...) {
      crashed(e);
      throw;
    }
    if (a.current_reply_) [[unlikely]]
      std::exchange(a.current_reply_, nullptr)
          ->error(std::make_exception_ptr(UsageError("grove: actor '" + cell_->name +
                                                     "' returned from receive() without answering an ask; "
                                                     "call reply() or defer_reply()")));
  }
  // crashed(e), called inside a catch block, fails the ask being answered
  // and sends the message that crashed the actor to dead letters; the
  // caller rethrows.
  [[gnu::noinline, gnu::cold]] void crashed(Envelope<M>& e) {
    Actor<M>& a = *actor_;
    try {
      throw;
    } catch (const FiberExit& exit) {
      // killed while handling it: the caller learns the actor is gone
      if (a.current_reply_)
        std::exchange(a.current_reply_, nullptr)
            ->error(std::make_exception_ptr(ActorDead("grove: actor '" + cell_->name + "' was stopped (" +
                                                      exit.reason().to_string() + ") before answering the ask")));
      cell_->mailbox.dead_letter(DeadLetterReason::crashed, exit.reason().to_string(), &e);
    } catch (...) {
      auto error = std::current_exception();
      if (a.current_reply_) std::exchange(a.current_reply_, nullptr)->error(error);
      cell_->mailbox.dead_letter(DeadLetterReason::crashed, ExitReason::exception(error).to_string(), &e);
    }
  }
  void handle_system(SystemSignal& s) {
    Actor<M>& a = *actor_;
    if (s.kind == SystemSignal::Kind::exit) a.on_exit(ExitSignal{s.from, s.reason});
    else a.on_down(Down{s.from, s.reason, s.monitor_id});
  }
  void stop_quietly() noexcept {
    try {
      actor_->on_stop();
    } catch (...) {
      log_on_stop_failure(cell_->name, std::current_exception());
    }
  }

  std::shared_ptr<ActorCell<M>> cell_;
  std::unique_ptr<Actor<M>> actor_;
};

// start_incarnation() runs actor on cell's mailbox in a new fiber.
template <class M>
Fiber<> start_incarnation(const std::shared_ptr<ActorCell<M>>& cell, std::unique_ptr<Actor<M>> actor) {
  Fiber<> f = spawn<ActorRunner<M>>(cell, std::move(actor));
  f.set_name(cell->name);
  f.base()->more().probe = cell.get();  // the cell outlives the fiber: ActorRunner holds it
  ++cell->incarnations;
  cell->fiber = f;
  // The cell's own bookkeeping does not count as handling a crash: an
  // unsupervised actor that dies of an exception is reported as unhandled
  // (HubConfig::unhandled), as any fiber nobody links or joins.
  auto on_end = [cell](FiberBase&) {
    if (!cell->supervised) cell->terminate();
  };
  auto observer = std::make_unique<CallbackObserver<decltype(on_end)>>(std::move(on_end));
  observer->handles_failure = false;
  add_observer(f.base(), std::move(observer));
  return f;
}

std::string default_actor_name(const char* type_name);

}  // namespace detail

// spawn_actor<A>(args...) constructs an A (an Actor subclass) and starts it
// in its own fiber; spawn_actor<A>(options, args...) names it and sizes its
// mailbox.
template <class A, class... Args>
requires std::derived_from<A, Actor<typename A::message_type>> ActorRef<typename A::message_type> spawn_actor(
    ActorOptions options, Args&&... args) {
  using M = typename A::message_type;
  if (options.name.empty()) options.name = detail::default_actor_name(typeid(A).name());
  auto cell = std::make_shared<detail::ActorCell<M>>(options.name, options.mailbox);
  detail::start_incarnation<M>(cell, std::make_unique<A>(std::forward<Args>(args)...));
  return ActorRef<M>(cell);
}
template <class A, class... Args>
requires std::derived_from<A, Actor<typename A::message_type>> ActorRef<typename A::message_type> spawn_actor(
    Args&&... args) {
  return spawn_actor<A>(ActorOptions{}, std::forward<Args>(args)...);
}

}  // namespace grove
