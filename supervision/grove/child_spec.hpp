#pragma once
// child_spec.hpp — what a Supervisor knows about one child (OTP's child
// spec, as a value): its id, how to start an incarnation, when to restart
// it (Restart) and how to stop it (Shutdown).
//
//   grove::fiber_child("ticker", {.restart = grove::Restart::transient}, tick, 10ms)
//   grove::actor_child<Worker>("worker", {.shutdown = 100ms}, ctor args...)   // actor_child.hpp

#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/fiber.hpp>

#include <any>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace grove {

// Restart says when a child that ended is started again: permanent always,
// transient only after an abnormal exit (any reason but normal and
// shutdown), temporary never (the child is removed once it ends).
enum class Restart { permanent, transient, temporary };

// ChildType tells workers from nested supervisors (count_children()).
enum class ChildType { worker, supervisor };

// Shutdown is how a supervisor stops a child: gracefully (FiberExit with
// reason shutdown, then kill() once `timeout` has passed) or brutally (kill()
// at once). A Duration converts to a graceful Shutdown: `.shutdown = 100ms`.
struct Shutdown {
  Duration timeout = std::chrono::seconds(5);
  bool brutal = false;

  constexpr Shutdown() = default;
  // A negative or NaN duration is a UsageError; a huge one means infinity().
  template <class Rep, class Period>
  Shutdown(std::chrono::duration<Rep, Period> d)  // NOLINT: implicit by design
      : timeout(to_duration(d, "grove::Shutdown")) {}
  static constexpr Shutdown brutal_kill() {
    Shutdown s;
    s.timeout = Duration::zero();
    s.brutal = true;
    return s;
  }
  // infinity() waits as long as the child takes (the default for supervisors).
  static constexpr Shutdown infinity() {
    Shutdown s;
    s.timeout = Duration::max();
    return s;
  }
  friend constexpr bool operator==(const Shutdown&, const Shutdown&) = default;
};

inline constexpr Shutdown brutal_kill = Shutdown::brutal_kill();

// ChildOptions are the policy half of a spec, for designated initialisers.
// hub places the child on that hub of the supervisor's grove::Runtime (a
// HubId's index; empty: the supervisor's own hub). It is started, and
// restarted, there; the supervisor must run on a hub of that Runtime.
struct ChildOptions {
  Restart restart = Restart::permanent;
  Shutdown shutdown = std::chrono::seconds(5);
  ChildType type = ChildType::worker;
  std::optional<std::size_t> hub{};
};

// ChildSpec describes one child. start() begins one incarnation and returns
// its fiber; it is called again at every restart. A start() that throws is
// a start error (start() and start_child() rethrow it; at a restart it
// counts as another crash); one that returns an empty Fiber<> ignores the
// start, as OTP's `ignore`: the child is not running and is not restarted,
// its spec stays (a temporary or simple_one_for_one child is forgotten),
// and restart_child() may try again. retire() (optional) runs
// once the child is gone for good (deleted, temporary and ended, or its
// supervisor stopped): actor children close their mailbox there. handle
// carries what callers need to reach the child (an ActorRef for actors).
struct ChildSpec {
  std::string id;
  std::function<Fiber<>()> start;
  Restart restart = Restart::permanent;
  Shutdown shutdown = std::chrono::seconds(5);
  ChildType type = ChildType::worker;
  std::function<void()> retire;
  std::any handle;
  // hub: the Runtime hub the child runs on (ChildOptions::hub); start and
  // retire are called there (supervision/src/remote_child.cpp).
  std::optional<std::size_t> hub;

  ChildSpec& with(const ChildOptions& o) {
    restart = o.restart;
    shutdown = o.shutdown;
    type = o.type;
    hub = o.hub;
    return *this;
  }
};

// fiber_child(id, options, fn, args...) is a child that runs fn(args...) in
// a fresh fiber at each (re)start; fn and args are copied for every start.
template <class F, class... A>
requires detail::Spawnable<F, A...> && std::copy_constructible<std::decay_t<F>> ChildSpec
fiber_child(std::string id, ChildOptions options, F&& fn, A&&... args) {
  ChildSpec spec;
  spec.id = std::move(id);
  spec.with(options);
  spec.start = [fn = std::decay_t<F>(std::forward<F>(fn)),
                args = std::make_tuple(std::decay_t<A>(std::forward<A>(args))...)]() -> Fiber<> {
    return std::apply([&](const auto&... a) { return Fiber<>(grove::spawn(fn, a...)); }, args);
  };
  return spec;
}

// ChildTemplate is simple_one_for_one's one spec: start_child(args...) makes
// a ChildSpec from it. Arguments must have the template's parameter types
// (after decay); a mismatch is a UsageError.
struct ChildTemplate {
  std::string id;  // children are named "<id>-<n>"
  std::function<ChildSpec(std::any& packed_args)> instantiate;
};

namespace detail {
[[noreturn]] void throw_template_mismatch(const std::string& id, const std::type_info& expected,
                                          const std::type_info& given);
}

// child_template<Args...>(id, make) is a template whose children are
// make(args...) for the arguments given to start_child.
template <class... Args, class Make>
requires std::is_invocable_r_v<ChildSpec, Make&, Args...> ChildTemplate child_template(std::string id, Make make) {
  ChildTemplate t;
  t.id = id;
  t.instantiate = [id, make = std::move(make)](std::any& packed) mutable -> ChildSpec {
    using Tuple = std::tuple<std::decay_t<Args>...>;
    auto* args = std::any_cast<Tuple>(&packed);
    if (!args) detail::throw_template_mismatch(id, typeid(Tuple), packed.type());
    return std::apply(make, std::move(*args));
  };
  return t;
}

}  // namespace grove
