#pragma once
// group.hpp — Group (gevent.pool.Group): a set of fibers you can join,
// kill and map work over; Pool (pool.hpp) caps its size.
//
//   grove::Pool pool(10);                       // at most 10 members at once
//   auto lengths = pool.map(fetch, urls);       // results in input order
//   for (auto& page : pool.imap_unordered(fetch, urls)) ...   // as they finish
//   pool.join();
//
// A fiber leaves its group the moment it ends (through Fiber::link), so
// size() counts live members only. Work started by map/imap/apply belongs
// to that call: if the call is abandoned (an exception, a kill, an imap
// sequence destroyed before its end), its unfinished workers are killed
// before it returns, so they never outlive the caller's stack.
// Membership does not count as watching a fiber: a member that fails is
// reported through the hub's unhandled-exception policy as any fiber is,
// unless someone joins or links it, or a join(raise_error) rethrows it.
// Not thread-safe: use a group from its hub's thread.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/detail/wait_queue.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <list>
#include <ranges>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace grove {

template <class R>
class Imap;

namespace detail {
template <class R>
struct ImapState;
}

// MaxSize{n} ends an imap()'s arguments to bound its unread results (gevent's maxsize).
struct MaxSize {
  std::size_t value;
};

// OnValue carries apply_async()'s callback: pool.apply_async(fn, grove::on_value(cb)).
template <class C>
struct OnValue {
  C callback;
};
template <class C>
OnValue<std::decay_t<C>> on_value(C&& callback) {
  return {std::forward<C>(callback)};
}

class Group {
 public:
  // Group() has no size limit.
  Group() : Group(0) {}
  // Group({f1, f2}) / Group(range of fibers) starts with those fibers as
  // members, as add() would (gevent's Group(*greenlets)); dead ones are ignored.
  Group(std::initializer_list<Fiber<>> fibers) : Group(0) {
    for (const auto& f : fibers) add(f);
  }
  // (A Group is neither copyable nor movable: there is no move constructor
  // for this one to hide.)
  template <std::ranges::input_range Rng>
  // NOLINTNEXTLINE(bugprone-forwarding-reference-overload): see above
  requires(std::convertible_to<std::ranges::range_reference_t<Rng>, const Fiber<>&>) explicit Group(Rng&& fibers)
      : Group(0) {
    for (auto&& f : fibers) add(f);
  }
  // ~Group() forgets its members; they keep running. Calls apply_async()
  // queued are started then (outside any cap): the group forgets them too.
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  // add(f) makes a live fiber a member (a dead one is ignored); for a Pool
  // it blocks while the pool is full.
  void add(const Fiber<>& f);
  // start(f) makes an unstarted fiber (grove::create()) a member, as add()
  // does, then starts it (gevent's Group.start): it is a member before it
  // first runs, so a Pool's cap holds. A fiber already running is just added.
  void start(const Fiber<>& f) {
    add(f);
    Fiber<>(f).start();
  }
  // discard(f) removes f without touching it; false if it was no member.
  bool discard(const Fiber<>& f);

  // spawn(fn, args...) starts fn(args...) in a new member fiber; for a Pool
  // it first blocks while the pool is full.
  template <class F, class... A>
  requires detail::Spawnable<F, A...> Fiber<detail::spawn_result_t<F, A...>> spawn(F&& fn, A&&... args) {
    wait_for_slot_until(TimePoint::max(), "Group::spawn");
    SlotPassOn pass{*this};
    auto f = grove::spawn(std::forward<F>(fn), std::forward<A>(args)...);
    insert(f);
    return f;
  }

  // join() waits until the group is empty and no apply_async() call is
  // queued any more. With raise_error, a member that
  // fails while it waits ends the wait by rethrowing that exception (the
  // other members keep running). A member cannot join its own group.
  void join(bool raise_error = false) { (void)join_until(TimePoint::max(), raise_error); }
  // join(timeout) returns whether the group became empty before the deadline.
  [[nodiscard]] bool join(Deadline timeout, bool raise_error = false) {
    return join_until(timeout.time_point("Group::join"), raise_error);
  }

  // kill() raises FiberExit (or e) in every member and, unless block is
  // false, waits until they have died (members added meanwhile too); the
  // queued apply_async() calls die with it, never having run. As
  // gevent's, it skips a member already being killed (a FiberExit sent to
  // it, by a kill or a link, and not finished): a member catching FiberExit
  // to clean up sees it once however often the group is killed, and a
  // blocking kill() just waits for it. Another exception e is an ordinary
  // one the member may handle: each call delivers it to those not dying.
  void kill(bool block = true) { kill_with(std::make_exception_ptr(FiberExit{}), block); }
  template <class E>
  requires(!std::same_as<std::decay_t<E>, bool> &&
           !detail::is_deadline_v<std::decay_t<E>>) void kill(E&& e, bool block = true) {
    kill_with(std::make_exception_ptr(std::forward<E>(e)), block);
  }
  void kill_with(std::exception_ptr e, bool block = true) { (void)kill_until(std::move(e), block, TimePoint::max()); }
  // kill([e,] timeout) waits at most timeout for the members to die and
  // returns whether the group became empty (gevent's kill(timeout=t)).
  [[nodiscard]] bool kill(Deadline timeout) { return kill(FiberExit{}, timeout); }
  template <class E>
  [[nodiscard]] bool kill(E&& e, Deadline timeout) {
    const TimePoint until = timeout.time_point("Group::kill");
    return kill_until(std::make_exception_ptr(std::forward<E>(e)), true, until);
  }
  // killone(f[, e][, block]) kills f if it is a member not already being
  // killed (gevent's killone): FiberExit (or e) is raised in it and,
  // unless block is false, the call waits for it to die. A fiber that is
  // no member is left alone. killone(f[, e], timeout) waits at most
  // timeout. Each returns whether f is dead.
  bool killone(const Fiber<>& f, bool block = true) {
    return killone_until(f, std::make_exception_ptr(FiberExit{}), block, TimePoint::max());
  }
  template <class E>
  requires(!std::same_as<std::decay_t<E>, bool> &&
           !detail::is_deadline_v<std::decay_t<E>>) bool killone(const Fiber<>& f, E&& e, bool block = true) {
    return killone_until(f, std::make_exception_ptr(std::forward<E>(e)), block, TimePoint::max());
  }
  bool killone(const Fiber<>& f, Deadline timeout) { return killone(f, FiberExit{}, timeout); }
  template <class E>
  bool killone(const Fiber<>& f, E&& e, Deadline timeout) {
    const TimePoint until = timeout.time_point("Group::killone");
    return killone_until(f, std::make_exception_ptr(std::forward<E>(e)), true, until);
  }

  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }
  // queued() counts the apply_async() calls waiting for a slot (not members yet).
  [[nodiscard]] std::size_t queued() const noexcept { return queued_.size(); }
  [[nodiscard]] bool empty() const noexcept { return members_.empty(); }
  [[nodiscard]] bool contains(const Fiber<>& f) const { return f && index_.contains(f.base()); }
  // fibers() is a snapshot of the members, oldest first.
  [[nodiscard]] std::vector<Fiber<>> fibers() const;

  // imap(fn, range...) is a lazy sequence of fn(item) for each item, in
  // input order; each fn runs in its own member fiber (for a Pool, at most
  // size() at once). Several ranges are zipped, as gevent's
  // imap(func, *iterables): fn(a, b) for the pairs of items, ending with
  // the shortest range. A trailing MaxSize{n} bounds the results started
  // and not yet taken by the reader to n (gevent's maxsize): a slow reader
  // holds back the work instead of piling up results. Iterate it with
  // range-for or next(); an exception from fn is rethrown at its place in
  // the sequence, and, as with gevent, calling next() again goes on with
  // the remaining items (a range-for loop ends there instead; leaving it
  // abandons the sequence). See imap.hpp. The ranges and the group must
  // outlive the sequence.
  template <class F, class... Args>
  requires(sizeof...(Args) >= 1) [[nodiscard]] auto imap(F&& fn, Args&&... ranges_then_maxsize) {
    return make_imap<true>(std::forward<F>(fn), std::forward<Args>(ranges_then_maxsize)...);
  }
  // imap_unordered(fn, range... [, MaxSize{n}]) is imap() in completion order.
  template <class F, class... Args>
  requires(sizeof...(Args) >= 1) [[nodiscard]] auto imap_unordered(F&& fn, Args&&... ranges_then_maxsize) {
    return make_imap<false>(std::forward<F>(fn), std::forward<Args>(ranges_then_maxsize)...);
  }
  // map(fn, range...) runs imap() to the end and returns the results in
  // input order (nothing when fn returns void); it rethrows the first
  // failure in input order. Several ranges are zipped, as for imap().
  template <class F, class Rng, class... More>
  requires(std::ranges::input_range<Rng>) auto map(F&& fn, Rng&& range, More&&... more) {
    std::size_t expected = 0;
    if constexpr (std::ranges::sized_range<Rng>) expected = static_cast<std::size_t>(std::ranges::size(range));
    auto seq = imap(std::forward<F>(fn), std::forward<Rng>(range), std::forward<More>(more)...);
    using R = typename decltype(seq)::result_type;
    if constexpr (std::is_void_v<R>) {
      (void)expected;
      while (seq.next()) {
      }
    } else {
      std::vector<R> out;
      out.reserve(expected);  // at most the first range's size
      while (auto v = seq.next()) out.push_back(std::move(*v));
      return out;
    }
  }

  // map_cb(fn, range, callback) is map(fn, range), then callback(results)
  // (callback() when fn returns void) in the caller; it returns the results.
  template <class F, std::ranges::input_range Rng, class C>
  auto map_cb(F&& fn, Rng&& range, C&& callback) {
    if constexpr (std::is_void_v<decltype(map(std::forward<F>(fn), std::forward<Rng>(range)))>) {
      map(std::forward<F>(fn), std::forward<Rng>(range));
      std::forward<C>(callback)();
    } else {
      auto results = map(std::forward<F>(fn), std::forward<Rng>(range));
      std::forward<C>(callback)(results);
      return results;
    }
  }
  // map_async(fn, range[, callback]) runs map() (map_cb()) in a new fiber
  // outside the group and returns it: get() is the results. fn, the range
  // and callback are copied into that fiber (a container is copied: pass
  // std::views::all(c) or a span to share it); the group must outlive it.
  template <class F, std::ranges::input_range Rng>
  auto map_async(F&& fn, Rng&& range) {
    return grove::spawn([this, fn = std::decay_t<F>(std::forward<F>(fn)),
                         r = std::decay_t<Rng>(std::forward<Rng>(range))]() mutable { return map(fn, r); });
  }
  template <class F, std::ranges::input_range Rng, class C>
  auto map_async(F&& fn, Rng&& range, C&& callback) {
    return grove::spawn([this, fn = std::decay_t<F>(std::forward<F>(fn)),
                         r = std::decay_t<Rng>(std::forward<Rng>(range)),
                         cb = std::decay_t<C>(std::forward<C>(callback))]() mutable { return map_cb(fn, r, cb); });
  }

  // apply(fn, args...) runs fn(args...) in a member fiber, waits, and
  // returns its result or rethrows its exception. Called from a member of
  // a full Pool, it runs fn inline instead of waiting for itself (gevent).
  template <class F, class... A>
  requires detail::Spawnable<F, A...> detail::spawn_result_t<F, A...> apply(F&& fn, A&&... args) {
    if (!has_free_slot() && index_.contains(detail::scheduler().current())) {
      auto call = detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...);
      return call();
    }
    auto f = spawn(std::forward<F>(fn), std::forward<A>(args)...);
    f.base()->error_observed = true;  // the caller receives the failure
    KillIfAbandoned guard{f};
    return f.get();
  }
  // apply_async(fn, args...) runs fn(args...) in a member fiber and returns
  // that fiber as the future. It never blocks (gevent: "even if this group
  // is full"): on a full Pool the call is queued and runs, inside the cap,
  // when a slot frees. gevent (>= 1.1) spawns a helper greenlet outside the
  // pool that waits for a slot and calls apply(); grove queues the fiber
  // itself, which comes to the same order of events. A queued fiber is not
  // started() nor a member (queued() counts it) until it gets its slot;
  // freed slots go to queued calls, oldest first, before blocked spawn()
  // or add() callers. Killing a queued fiber means fn never runs.
  template <class F, class... A>
  requires detail::Spawnable<F, A...> Fiber<detail::spawn_result_t<F, A...>> apply_async(F&& fn, A&&... args) {
    if (has_free_slot()) return spawn(std::forward<F>(fn), std::forward<A>(args)...);
    using T = detail::spawn_result_t<F, A...>;
    Fiber<T> f(detail::make_fiber<T>(detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...)));
    enqueue(f);
    return f;
  }
  // apply_async(fn, on_value(callback)) is apply_async(fn) that also runs
  // callback(value) (callback() for void) once fn has returned, in a new
  // fiber outside the group; nothing when fn threw or was killed (gevent's
  // apply_async(func, callback=cb)). The value is copied to the callback.
  template <class F, class C>
  requires(detail::Spawnable<F>) auto apply_async(F&& fn, OnValue<C> on_value) {
    using T = detail::spawn_result_t<F>;
    auto f = apply_async(std::forward<F>(fn));
    Fiber<>(f).link_value([cb = std::move(on_value.callback)](Fiber<> done) mutable {
      if (done.base()->error) return;  // killed: no value (gevent would pass the GreenletExit)
      if constexpr (std::is_void_v<T>) {
        grove::spawn(std::move(cb));
      } else {
        auto* state = static_cast<detail::FiberState<T>*>(done.base());
        grove::spawn(std::move(cb), *state->result);
      }
    });
    return f;
  }
  // apply_cb(fn, callback) is apply(fn), then, unless fn threw,
  // callback(result) (callback() for void) in a new fiber outside the
  // group (gevent's apply_cb); it returns fn's result.
  template <class F, class C>
  requires(detail::Spawnable<F>) detail::spawn_result_t<F> apply_cb(F&& fn, C&& callback) {
    if constexpr (std::is_void_v<detail::spawn_result_t<F>>) {
      apply(std::forward<F>(fn));
      grove::spawn(std::forward<C>(callback));
    } else {
      detail::spawn_result_t<F> result = apply(std::forward<F>(fn));
      grove::spawn(std::forward<C>(callback), result);
      return result;
    }
  }

 protected:
  // Group(capacity) caps the membership (0: no cap); Pool uses it.
  explicit Group(std::size_t capacity) : capacity_(capacity) {}
  bool has_free_slot() const noexcept { return capacity_ == 0 || members_.size() < capacity_; }
  // wait_for_slot_until() blocks until a member may be added; false on timeout.
  bool wait_for_slot_until(TimePoint deadline, const char* what);
  // add_until() is add() waiting for a slot until deadline; false on timeout.
  bool add_until(const Fiber<>& f, TimePoint deadline, const char* what);
  // wait_free_until() is the same wait for a caller that adds nothing.
  bool wait_free_until(TimePoint deadline, const char* what);

  std::size_t capacity_;

 private:
  template <class R>
  friend struct detail::ImapState;

  struct Member {
    Fiber<> fiber;
    LinkId link = 0;
    detail::ExitObserver* observer = nullptr;  // owned by the fiber's observer list
  };
  // SlotPassOn hands a free slot on to the next waiting spawner once this
  // one has added its fiber (or failed to).
  struct SlotPassOn {
    Group& group;
    ~SlotPassOn() { group.pass_on_slot(); }
  };
  struct KillIfAbandoned {
    Fiber<> fiber;
    ~KillIfAbandoned();
  };

  // Queued is an apply_async() call waiting for a slot: a created fiber,
  // with an observer that drops it from the queue if it is killed first.
  struct Queued {
    Fiber<> fiber;
    LinkId link = 0;
  };

  void insert(const Fiber<>& f);
  void enqueue(const Fiber<>& f);
  // start_queued() makes the oldest queued call a member and schedules it.
  void start_queued();
  void on_member_exit(detail::FiberBase& dead);
  void on_queued_exit(detail::FiberBase& dead) noexcept;
  bool idle() const noexcept { return members_.empty() && queued_.empty(); }
  void report_failure(detail::FiberBase& dead);
  // set_failure_handled() tells the hub whether a member's failure has a taker.
  void set_failure_handled(bool handled) noexcept;
  void pass_on_slot() noexcept;
  bool join_until(TimePoint deadline, bool raise_error);
  bool kill_until(std::exception_ptr e, bool block, TimePoint deadline);
  bool killone_until(const Fiber<>& f, std::exception_ptr e, bool block, TimePoint deadline);

  template <bool Ordered, class F, class... Args>
  auto make_imap(F&& fn, Args&&... args);
  template <bool Ordered, class F, class... Rngs>
  auto make_zip_imap(std::size_t maxsize, F&& fn, Rngs&&... ranges);

  std::list<Member> members_;  // oldest first
  std::unordered_map<const detail::FiberBase*, std::list<Member>::iterator> index_;
  std::list<Queued> queued_;  // oldest first
  std::unordered_map<const detail::FiberBase*, std::list<Queued>::iterator> queued_index_;
  detail::WaitQueue slot_waiters_;                     // spawners/adders waiting for a free slot
  detail::WaitQueue join_waiters_;                     // join() callers
  std::vector<std::exception_ptr*> failure_watchers_;  // join(raise_error) callers
};

}  // namespace grove

// The imap sequence, Group::make_imap() included, and Pool.
#include <grove/imap.hpp>
#include <grove/pool.hpp>
