#pragma once
// fiber.hpp — spawning fibers and the Fiber<T> handle (gevent's Greenlet).
//
//   auto f = grove::spawn([](int x) { return x * 2; }, 21);
//   int v = f.get();            // 42; rethrows what escaped the fiber
//
// A Fiber<T> is a cheap copyable handle to a ref-counted control block; the
// fiber runs whether or not a handle is kept. Fiber<> (= Fiber<void>) can
// refer to any fiber, so Fiber<T> converts to it for joinall and friends.
// Handles may be used only on the OS thread of the hub that ran the spawn.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/exit_reason.hpp>
#include <grove/hub.hpp>
#include <grove/source_site.hpp>
#include <grove/detail/fiber_base.hpp>

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace grove {

template <class T = void>
class Fiber;

// LinkId names one registration made by Fiber::link(); unlink() takes it.
using LinkId = std::uint64_t;

namespace detail {

template <class T>
class FiberState : public FiberBase {
 public:
  using FiberBase::FiberBase;
  std::optional<T> result;
};

template <>
class FiberState<void> : public FiberBase {
 public:
  using FiberBase::FiberBase;
};

// FiberImpl stores the callable inline, so a spawn costs one allocation; the
// callable is destroyed as soon as it returns. (A union rather than an
// optional: whether it lives is FiberBase::body_gone, a bit in padding.)
template <class T, class F>
class FiberImpl final : public FiberState<T> {
 public:
  FiberImpl(Hub* hub, std::uint64_t id, F&& fn) : FiberState<T>(hub, id) { std::construct_at(&fn_, std::move(fn)); }
  ~FiberImpl() override {
    if (!this->body_gone) std::destroy_at(&fn_);
  }
  FiberImpl(const FiberImpl&) = delete;
  FiberImpl& operator=(const FiberImpl&) = delete;
  void run_body() override {
    struct Drop {
      FiberImpl& self;
      ~Drop() {
        self.body_gone = true;
        std::destroy_at(&self.fn_);
      }
    } drop{*this};
    if constexpr (std::is_void_v<T>) {
      std::invoke(fn_);
    } else {
      this->result.emplace(std::invoke(fn_));
    }
  }

 private:
  union {
    F fn_;
  };
};

// The stored callable is invoked as an lvalue with its stored arguments
// moved in (once).
template <class F, class... A>
using spawn_result_t = std::invoke_result_t<std::decay_t<F>&, std::decay_t<A>...>;
template <class F, class... A>
concept Spawnable = std::invocable < std::decay_t<F>
&, std::decay_t<A>... > ;

// The out-of-line halves of the handle API (fiber.cpp).
void join(FiberBase* f);
bool join_until(FiberBase* f, TimePoint deadline);
bool kill(FiberBase* f, std::exception_ptr e, bool block, TimePoint deadline = TimePoint::max());
void rethrow_failure(FiberBase* f);
[[noreturn]] void throw_join_timeout(Duration d);
[[noreturn]] void throw_no_value(const FiberBase* f);
[[noreturn]] void throw_killed(const FiberBase* f);
LinkId add_observer(FiberBase* f, std::unique_ptr<ExitObserver> o);
bool remove_observer(FiberBase* f, LinkId id) noexcept;
bool failed(const FiberBase* f) noexcept;
// is_fiber_exit() tells whether e holds a FiberExit (or a subclass).
bool is_fiber_exit(const std::exception_ptr& e) noexcept;
Scheduler& spawn_scheduler();  // throws when the hub has shut down

// spawn_callbacks_on is true while any add_spawn_callback() is registered
// (spawn_callbacks.hpp); run_spawn_callbacks() calls them with a new fiber.
extern std::atomic<bool> spawn_callbacks_on;
void run_spawn_callbacks(Scheduler& s, FiberBase* f);
// spawned() records a new, not yet scheduled fiber's parent and tells the
// spawn callbacks; it costs one relaxed load when none is registered. If a
// callback throws, the fiber dies unstarted and the exception propagates.
inline void spawned(Scheduler& s, FiberBase* f) {
  f->parent_id = s.current()->id;  // the hub's own fiber has id no_parent
  if (spawn_callbacks_on.load(std::memory_order_relaxed)) [[unlikely]]
    run_spawn_callbacks(s, f);
}

template <class F>
struct CallbackObserver final : ExitObserver {
  explicit CallbackObserver(F fn) : fn(std::move(fn)) {}
  void on_exit(FiberBase& dead) override { fn(dead); }
  F fn;
};

}  // namespace detail

// Fiber<> is the untyped handle: everything but the value.
template <>
class Fiber<void> {
 public:
  Fiber() = default;
  explicit Fiber(detail::Ref<detail::FiberBase> r) noexcept : ref_(std::move(r)) {}

  explicit operator bool() const noexcept { return static_cast<bool>(ref_); }
  [[nodiscard]] std::uint64_t id() const { return ref_->id; }
  // parent_id() is the id of the fiber that spawned this one (the main
  // fiber's id is 0), or nullopt for the main fiber and for fibers spawned
  // from the hub's own context (gevent's spawning_greenlet).
  [[nodiscard]] std::optional<std::uint64_t> parent_id() const {
    if (ref_->parent_id == detail::FiberBase::no_parent) return std::nullopt;
    return ref_->parent_id;
  }
  // name() is the fiber's name, "Fiber-<id>" unless set_name() gave one.
  [[nodiscard]] std::string name() const { return ref_->display_name(); }
  void set_name(std::string name) { checked("set_name")->more().name = std::move(name); }

  // create(fn, args...) makes a fiber that will run fn(args...) but does
  // not schedule it (gevent's Greenlet(fn, *args)): start() or
  // start_later() does. It is the same as grove::create(fn, args...).
  template <class F, class... A>
  requires detail::Spawnable<F, A...>
  [[nodiscard]] static Fiber<detail::spawn_result_t<F, A...>> create(F&& fn, A&&... args);

  // start() schedules a fiber made by create() to run when the caller
  // next blocks or yields, as spawn() would have; start_later(d) schedules
  // it once d has passed (its timer keeps the hub busy, as gevent's
  // start_later does). Either does nothing to a fiber already started,
  // scheduled or dead (gevent's start()). Until started, a fiber is
  // listed by Hub::describe_fibers() as not started, counts in
  // fiber_count(), and is owned by the hub: dropping every handle does not
  // free it (start or kill it; the hub's destruction kills it). kill()
  // ends it without running it; join() waits for it to be started and
  // finish (LoopExit from the main fiber when nothing can start it).
  void start() {
    detail::FiberBase* f = checked("start");
    if (!f->finished && !started()) detail::engine_of(*f->hub).schedule(f);
  }
  // The delay is a Deadline: a duration from now or a time point; a
  // negative or NaN duration is a UsageError naming Fiber::start_later.
  void start_later(Deadline delay) {
    detail::FiberBase* f = checked("start_later");
    auto& s = detail::engine_of(*f->hub);
    const TimePoint at = delay.resolve(s.now(), "Fiber::start_later");
    if (f->finished || started()) return;
    s.schedule_at(f, at);
  }
  // started() is true once the fiber was scheduled (start(), start_later(),
  // spawn()) or has run, or was killed before it started.
  [[nodiscard]] bool started() const { return ref_->scheduled || ref_->state != detail::RunState::created; }
  // ready() / dead() are true once the fiber has finished, however it ended.
  [[nodiscard]] bool ready() const { return ref_->is_dead(); }
  [[nodiscard]] bool dead() const { return ref_->is_dead(); }
  // successful() is true when it finished without an exception, or was
  // ended by FiberExit (kill()).
  [[nodiscard]] bool successful() const { return ref_->is_dead() && !detail::failed(ref_.get()); }
  // exception() is what ended the fiber (FiberExit included), or null.
  [[nodiscard]] std::exception_ptr exception() const {
    ref_->error_observed = true;
    return ref_->error;
  }
  // exit_reason() is normal, shutdown, killed or exception; only
  // meaningful once dead().
  [[nodiscard]] ExitReason exit_reason() const { return ref_->exit_reason(); }

  // join() waits until the fiber has finished; it throws UsageError if
  // called from the fiber itself. It does not rethrow the fiber's exception.
  void join() { detail::join(checked("join")); }
  // join(timeout) returns false if the fiber is still running at the deadline.
  [[nodiscard]] bool join(Deadline timeout) {
    auto* f = checked("join");
    return detail::join_until(f, timeout.time_point("Fiber::join"));
  }
  // get() joins, then rethrows the exception that escaped the fiber.
  void get() {
    join();
    detail::rethrow_failure(ref_.get());
  }
  // get(timeout) throws grove::Timeout if the fiber is not done in time.
  void get(Deadline timeout) {
    join_for_get(timeout);
    detail::rethrow_failure(ref_.get());
  }

  // kill() raises FiberExit (or e) in the fiber at its suspension point and,
  // unless block is false, waits for it to die. A fiber that never started
  // never runs. Killing a dead fiber does nothing; killing yourself throws e.
  void kill(bool block = true) { kill(FiberExit{}, block); }
  template <class E>
  requires(!std::same_as<std::decay_t<E>, bool> &&
           !detail::is_deadline_v<std::decay_t<E>>) void kill(E&& e, bool block = true) {
    (void)detail::kill(checked("kill"), std::make_exception_ptr(std::forward<E>(e)), block);
  }
  void kill_with(std::exception_ptr e, bool block = true) { (void)detail::kill(checked("kill"), std::move(e), block); }
  // kill(timeout) / kill(e, timeout) wait at most timeout for the fiber to
  // die and return whether it did (gevent's kill(block=True, timeout=t)): a
  // fiber that swallows FiberExit cannot hold its killer forever.
  [[nodiscard]] bool kill(Deadline timeout) { return kill(FiberExit{}, timeout); }
  template <class E>
  [[nodiscard]] bool kill(E&& e, Deadline timeout) {
    auto* f = checked("kill");
    const TimePoint until = timeout.time_point("Fiber::kill");
    return detail::kill(f, std::make_exception_ptr(std::forward<E>(e)), true, until);
  }

  // link(cb) calls cb(Fiber<>) once the fiber has died (at once if it is
  // dead already), on the dying fiber's stack. link_value / link_exception
  // call it only on success / failure. unlink(id) cancels a registration.
  template <class F>
  requires std::invocable<F&, Fiber<>> LinkId link(F cb) {
    return add_link(std::move(cb), [](const detail::FiberBase&) { return true; });
  }
  template <class F>
  requires std::invocable<F&, Fiber<>> LinkId link_value(F cb) {
    return add_link(
        std::move(cb), [](const detail::FiberBase& d) { return !detail::failed(&d); }, false);
  }
  template <class F>
  requires std::invocable<F&, Fiber<>> LinkId link_exception(F cb) {
    return add_link(std::move(cb), [](const detail::FiberBase& d) { return detail::failed(&d); });
  }
  bool unlink(LinkId id) { return detail::remove_observer(checked("unlink"), id); }

  [[nodiscard]] detail::FiberBase* base() const noexcept { return ref_.get(); }
  friend bool operator==(const Fiber& a, const Fiber& b) noexcept { return a.ref_.get() == b.ref_.get(); }

 protected:
  // join_for_get(timeout) is get(timeout)'s join: grove::Timeout (saying
  // how long it waited) if the fiber is not done by the deadline.
  void join_for_get(Deadline timeout) {
    auto* f = checked("get");
    const TimePoint start = detail::scheduler().now();
    const TimePoint until = timeout.resolve(start, "Fiber::get");
    if (!detail::join_until(f, until)) detail::throw_join_timeout(until > start ? until - start : Duration::zero());
  }
  detail::FiberBase* checked(const char* what) const {
    if (!ref_) throw UsageError(std::string("grove::Fiber::") + what + ": empty handle; assign it from spawn() first");
    detail::check_owner(ref_.get(), what);
    return ref_.get();
  }
  template <class F, class Filter>
  LinkId add_link(F cb, Filter filter, bool handles_failure = true) {
    auto* f = checked("link");
    auto wrapped = [cb = std::move(cb), filter](detail::FiberBase& d) mutable {
      if (filter(d)) cb(Fiber<>(detail::Ref<detail::FiberBase>(&d)));
    };
    auto observer = std::make_unique<detail::CallbackObserver<decltype(wrapped)>>(std::move(wrapped));
    observer->handles_failure = handles_failure;
    return detail::add_observer(f, std::move(observer));
  }

  detail::Ref<detail::FiberBase> ref_;
};

// Fiber<T> adds the fiber's value.
template <class T>
class Fiber : public Fiber<void> {
 public:
  Fiber() = default;
  explicit Fiber(detail::Ref<detail::FiberState<T>> r) noexcept : Fiber<void>(detail::Ref<detail::FiberBase>(r)) {}

  // get() joins, rethrows the fiber's exception, and returns its value (a
  // copy; moved out for move-only types, and from an rvalue handle:
  // std::move(f).get()). A fiber ended by kill() has no value, so get()
  // throws FiberKilled (an Error: the caller is not killed by it).
  T get() & {
    join();
    return take(std::is_copy_constructible<T>{});
  }
  T get() && {
    join();
    return take(std::false_type{});
  }
  T get(Deadline timeout) & {
    join_for_get(timeout);
    return take(std::is_copy_constructible<T>{});
  }
  T get(Deadline timeout) && {
    join_for_get(timeout);
    return take(std::false_type{});
  }
  // value() is the returned value; it throws UsageError if there is none yet.
  [[nodiscard]] const T& value() const {
    auto* s = state();
    if (!s->result) detail::throw_no_value(s);
    return *s->result;
  }

 private:
  detail::FiberState<T>* state() const { return static_cast<detail::FiberState<T>*>(ref_.get()); }
  template <bool Copy>
  T take(std::bool_constant<Copy>) {
    auto* s = state();
    detail::rethrow_failure(s);
    if (!s->result) detail::throw_killed(s);
    if constexpr (Copy) return *s->result;
    else return std::move(*s->result);
  }
};

namespace detail {

template <class F, class... A>
auto bind_call(F&& f, A&&... a) {
  if constexpr (sizeof...(A) == 0) {
    return std::decay_t<F>(std::forward<F>(f));
  } else {
    return [fn = std::decay_t<F>(std::forward<F>(f)),
            args = std::make_tuple(std::decay_t<A>(std::forward<A>(a))...)]() mutable {
      return std::apply(fn, std::move(args));
    };
  }
}

template <class T, class F>
Ref<FiberState<T>> make_fiber(F&& call, SourceSite site = {}) {
  Scheduler& s = spawn_scheduler();
  auto* impl = new FiberImpl<T, std::decay_t<F>>(&s.facade(), s.next_id(), std::forward<F>(call));
  impl->stats.spawn_site = site;
  // Two references from the start, without locked increments: the handle
  // returned and the hub's (adopt()).
  impl->refs.store(2, std::memory_order_relaxed);
  s.adopt(impl);
  Ref<FiberState<T>> ref = Ref<FiberState<T>>::adopt(impl);
  spawned(s, impl);
  return ref;
}

}  // namespace detail

// kill(f[, e][, block]) is gevent.kill(greenlet, exception): it raises
// FiberExit (or e) in f and, unlike f.kill(), returns at once unless block
// is true ("the current greenlet is not unscheduled"). kill(f[, e],
// timeout) waits at most timeout for f to die and returns whether it did
// (gevent's Greenlet.kill(block=True, timeout=t)). Killing yourself throws
// e at once; killing a dead fiber does nothing; an unstarted one never runs.
inline void kill(const Fiber<>& f, bool block = false) { Fiber<>(f).kill(block); }
template <class E>
requires(!std::same_as<std::decay_t<E>, bool> &&
         !detail::is_deadline_v<std::decay_t<E>>) void kill(const Fiber<>& f, E&& e, bool block = false) {
  Fiber<>(f).kill(std::forward<E>(e), block);
}
[[nodiscard]] inline bool kill(const Fiber<>& f, Deadline timeout) { return Fiber<>(f).kill(timeout); }
template <class E>
[[nodiscard]] bool kill(const Fiber<>& f, E&& e, Deadline timeout) {
  return Fiber<>(f).kill(std::forward<E>(e), timeout);
}

// Launch says when a spawned fiber first runs: post (the default, FIFO as
// gevent.spawn: when the spawner next blocks or yields) or dispatch (at
// once; the spawner continues right after the new fiber first blocks or
// ends). Dispatch walks a fan-out tree depth-first, so few stacks are live.
enum class Launch { post, dispatch };

// spawn(fn, args...) starts fn(args...) in a new fiber. It runs when the
// spawning fiber next blocks or yields (FIFO, like gevent.spawn).
// The forms without bound arguments record their call site as the fiber's
// spawn site (grove::debug snapshots, docs/observability.md); a default
// argument cannot follow a parameter pack, so the others record none.
template <class F>
requires detail::Spawnable<F> Fiber<detail::spawn_result_t<F>> spawn(F&& fn, SourceSite site = SourceSite::current()) {
  using T = detail::spawn_result_t<F>;
  auto ref = detail::make_fiber<T>(detail::bind_call(std::forward<F>(fn)), site);
  detail::engine_of(*ref->hub).schedule(ref.get());
  return Fiber<T>(std::move(ref));
}
template <class F, class... A>
requires(sizeof...(A) > 0 && detail::Spawnable<F, A...>) Fiber<detail::spawn_result_t<F, A...>> spawn(F&& fn,
                                                                                                      A&&... args) {
  using T = detail::spawn_result_t<F, A...>;
  auto ref = detail::make_fiber<T>(detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...));
  detail::engine_of(*ref->hub).schedule(ref.get());
  return Fiber<T>(std::move(ref));
}

// spawn_at(site, launch, fn, args...) is spawn(launch, fn, args...) with
// the spawn site given (for wrappers that take the caller's site).
template <class F, class... A>
requires detail::Spawnable<F, A...> Fiber<detail::spawn_result_t<F, A...>> spawn_at(SourceSite site, Launch launch,
                                                                                    F&& fn, A&&... args) {
  using T = detail::spawn_result_t<F, A...>;
  auto ref = detail::make_fiber<T>(detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...), site);
  detail::FiberState<T>* f = ref.get();
  Fiber<T> handle(std::move(ref));
  if (launch == Launch::dispatch) detail::engine_of(*f->hub).dispatch(f);
  else detail::engine_of(*f->hub).schedule(f);
  return handle;
}

// spawn(Launch::dispatch, fn, args...) runs the new fiber at once.
template <class F, class... A>
requires(sizeof...(A) > 0 &&
         detail::Spawnable<F, A...>) Fiber<detail::spawn_result_t<F, A...>> spawn(Launch launch, F&& fn, A&&... args) {
  return spawn_at(SourceSite{}, launch, std::forward<F>(fn), std::forward<A>(args)...);
}
template <class F>
requires detail::Spawnable<F> Fiber<detail::spawn_result_t<F>> spawn(Launch launch, F&& fn,
                                                                     SourceSite site = SourceSite::current()) {
  return spawn_at(site, launch, std::forward<F>(fn));
}

// create(fn, args...) makes, but does not schedule, a fiber that will run
// fn(args...) (gevent's Greenlet(fn, *args)); f.start() or
// f.start_later(d) schedules it. See Fiber::start() for its life until then.
template <class F, class... A>
requires detail::Spawnable<F, A...>
[[nodiscard]] Fiber<detail::spawn_result_t<F, A...>> create(F&& fn, A&&... args) {
  using T = detail::spawn_result_t<F, A...>;
  return Fiber<T>(detail::make_fiber<T>(detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...)));
}

template <class F, class... A>
requires detail::Spawnable<F, A...> Fiber<detail::spawn_result_t<F, A...>> Fiber<void>::create(F&& fn, A&&... args) {
  return grove::create(std::forward<F>(fn), std::forward<A>(args)...);
}

// spawn_raw(fn, args...) runs fn(args...) in a new fiber and returns
// nothing (gevent's spawn_raw): no handle, so nobody can join, link or
// kill it (but Hub::shutdown() and the hub's destruction do), its value is
// dropped, and an exception escaping it is unhandled: it goes to the hub's
// unhandled handler and UnhandledPolicy (hub_config.hpp). It is scheduled
// as spawn() is (FIFO); spawn callbacks are told of it too.
template <class F, class... A>
requires(sizeof...(A) > 0 && detail::Spawnable<F, A...>) void spawn_raw(F&& fn, A&&... args) {
  auto call = detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...);
  auto body = [call = std::move(call)]() mutable { (void)call(); };
  auto ref = detail::make_fiber<void>(std::move(body));
  detail::engine_of(*ref->hub).schedule(ref.get());
}
template <class F>
requires detail::Spawnable<F>
void spawn_raw(F&& fn, SourceSite site = SourceSite::current()) {
  auto body = [call = detail::bind_call(std::forward<F>(fn))]() mutable { (void)call(); };
  auto ref = detail::make_fiber<void>(std::move(body), site);
  detail::engine_of(*ref->hub).schedule(ref.get());
}

// spawn_later(delay, fn, args...) starts the fiber once delay has passed
// (a duration) or at a time point; a negative or NaN delay is a UsageError
// naming spawn_later, and no fiber is made.
template <class F, class... A>
requires detail::Spawnable<F, A...> Fiber<detail::spawn_result_t<F, A...>> spawn_later(Deadline delay, F&& fn,
                                                                                       A&&... args) {
  using T = detail::spawn_result_t<F, A...>;
  const TimePoint at = delay.time_point("spawn_later");
  auto ref = detail::make_fiber<T>(detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...));
  auto& s = detail::engine_of(*ref->hub);
  s.schedule_at(ref.get(), at);
  return Fiber<T>(std::move(ref));
}

}  // namespace grove

// Greenlet<T>, fibers written as a class (spawn<G>, create<G>).
#include <grove/greenlet.hpp>
