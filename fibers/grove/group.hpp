#pragma once
// group.hpp — Group and Pool (gevent.pool): a set of fibers you can join,
// kill and map work over.
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

#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/wait.hpp>
#include <grove/detail/park_on.hpp>
#include <grove/detail/waiter.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <list>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace grove {

template <class R>
class Imap;

namespace detail {
template <class R>
struct ImapState;
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
  template <std::ranges::input_range Rng>
    requires std::convertible_to<std::ranges::range_reference_t<Rng>, const Fiber<>&>
  explicit Group(Rng&& fibers) : Group(0) {
    for (auto&& f : fibers) add(f);
  }
  // ~Group() forgets its members; they keep running.
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  // add(f) makes a live fiber a member (a dead one is ignored); for a Pool
  // it blocks while the pool is full.
  void add(const Fiber<>& f);
  // discard(f) removes f without touching it; false if it was no member.
  bool discard(const Fiber<>& f);

  // spawn(fn, args...) starts fn(args...) in a new member fiber; for a Pool
  // it first blocks while the pool is full.
  template <class F, class... A>
    requires detail::Spawnable<F, A...>
  Fiber<detail::spawn_result_t<F, A...>> spawn(F&& fn, A&&... args) {
    wait_for_slot_until(TimePoint::max(), "Group::spawn");
    SlotPassOn pass{*this};
    auto f = grove::spawn(std::forward<F>(fn), std::forward<A>(args)...);
    insert(f);
    return f;
  }

  // join() waits until the group is empty. With raise_error, a member that
  // fails while it waits ends the wait by rethrowing that exception (the
  // other members keep running). A member cannot join its own group.
  void join(bool raise_error = false) { (void)join_until(TimePoint::max(), raise_error); }
  // join(timeout) returns whether the group became empty before the deadline.
  template <class Rep, class Period>
  bool join(std::chrono::duration<Rep, Period> timeout, bool raise_error = false) {
    return join_until(deadline_after(detail::scheduler().now(), to_duration(timeout, "Group::join")), raise_error);
  }

  // kill() raises FiberExit (or e) in every member and, unless block is
  // false, waits until they have died (members added meanwhile too).
  void kill(bool block = true) { kill_with(std::make_exception_ptr(FiberExit{}), block); }
  template <class E>
    requires(!std::same_as<std::decay_t<E>, bool>)
  void kill(E&& e, bool block = true) {
    kill_with(std::make_exception_ptr(std::forward<E>(e)), block);
  }
  void kill_with(std::exception_ptr e, bool block = true);

  std::size_t size() const noexcept { return members_.size(); }
  bool empty() const noexcept { return members_.empty(); }
  bool contains(const Fiber<>& f) const { return f && index_.contains(f.base()); }
  // fibers() is a snapshot of the members, oldest first.
  std::vector<Fiber<>> fibers() const;

  // imap(fn, range) is a lazy sequence of fn(item) for each item, in input
  // order; each fn runs in its own member fiber (for a Pool, at most size()
  // at once). Iterate it with range-for or next(); an exception from fn is
  // rethrown at its place in the sequence, which then ends. The range and
  // the group must outlive the sequence.
  template <class F, std::ranges::input_range Rng>
  auto imap(F&& fn, Rng&& range) {
    return make_imap<true>(std::forward<F>(fn), std::forward<Rng>(range));
  }
  // imap_unordered(fn, range) is imap() in completion order.
  template <class F, std::ranges::input_range Rng>
  auto imap_unordered(F&& fn, Rng&& range) {
    return make_imap<false>(std::forward<F>(fn), std::forward<Rng>(range));
  }
  // map(fn, range) runs imap() to the end and returns the results in input
  // order (nothing when fn returns void); it rethrows the first failure in
  // input order.
  template <class F, std::ranges::input_range Rng>
  auto map(F&& fn, Rng&& range) {
    std::size_t expected = 0;
    if constexpr (std::ranges::sized_range<Rng>) expected = static_cast<std::size_t>(std::ranges::size(range));
    auto seq = imap(std::forward<F>(fn), std::forward<Rng>(range));
    using R = typename decltype(seq)::result_type;
    if constexpr (std::is_void_v<R>) {
      (void)expected;
      while (seq.next()) {
      }
    } else {
      std::vector<R> out;
      out.reserve(expected);
      while (auto v = seq.next()) out.push_back(std::move(*v));
      return out;
    }
  }

  // apply(fn, args...) runs fn(args...) in a member fiber, waits, and
  // returns its result or rethrows its exception. Called from a member of
  // a full Pool, it runs fn inline instead of waiting for itself (gevent).
  template <class F, class... A>
    requires detail::Spawnable<F, A...>
  detail::spawn_result_t<F, A...> apply(F&& fn, A&&... args) {
    if (!has_free_slot() && index_.contains(detail::scheduler().current())) {
      auto call = detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...);
      return call();
    }
    auto f = spawn(std::forward<F>(fn), std::forward<A>(args)...);
    f.base()->error_observed = true;  // the caller receives the failure
    KillIfAbandoned guard{f};
    return f.get();
  }
  // apply_async(fn, args...) is spawn(): the member fiber is the future.
  template <class F, class... A>
    requires detail::Spawnable<F, A...>
  Fiber<detail::spawn_result_t<F, A...>> apply_async(F&& fn, A&&... args) {
    return spawn(std::forward<F>(fn), std::forward<A>(args)...);
  }

 protected:
  // Group(capacity) caps the membership (0: no cap); Pool uses it.
  explicit Group(std::size_t capacity) : capacity_(capacity) {}
  bool has_free_slot() const noexcept { return capacity_ == 0 || members_.size() < capacity_; }
  // wait_for_slot_until() blocks until a member may be added; false on timeout.
  bool wait_for_slot_until(TimePoint deadline, const char* what);
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

  void insert(const Fiber<>& f);
  void on_member_exit(detail::FiberBase& dead);
  void report_failure(detail::FiberBase& dead);
  // set_failure_handled() tells the hub whether a member's failure has a taker.
  void set_failure_handled(bool handled) noexcept;
  void pass_on_slot() noexcept;
  bool join_until(TimePoint deadline, bool raise_error);

  template <bool Ordered, class F, class Rng>
  auto make_imap(F&& fn, Rng&& range);

  std::list<Member> members_;  // oldest first
  std::unordered_map<const detail::FiberBase*, std::list<Member>::iterator> index_;
  detail::WaitList slot_waiters_;  // spawners/adders waiting for a free slot
  detail::WaitList join_waiters_;  // join() callers
  std::vector<std::exception_ptr*> failure_watchers_;  // join(raise_error) callers
};

// Pool is a Group of at most size() live members: spawn(), add() and the
// map family block while it is full.
class Pool : public Group {
 public:
  // Pool(size) throws UsageError for size 0.
  explicit Pool(std::size_t size);

  // capacity() is the size limit; free_count() how many more may be
  // added now; full() is free_count() == 0.
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t free_count() const noexcept { return size() >= capacity_ ? 0 : capacity_ - size(); }
  bool full() const noexcept { return free_count() == 0; }

  // wait_available() blocks until the pool is not full.
  void wait_available() { (void)wait_free_until(TimePoint::max(), "Pool::wait_available"); }
  // wait_available(timeout) returns whether a slot was free before the deadline.
  template <class Rep, class Period>
  bool wait_available(std::chrono::duration<Rep, Period> timeout) {
    return wait_free_until(deadline_after(detail::scheduler().now(), to_duration(timeout, "Pool::wait_available")),
                           "Pool::wait_available");
  }
};

namespace detail {

// ImapState is shared by an Imap sequence and its worker fibers. Each
// worker returns an Outcome; a link on the worker stores it (however the
// worker died, even killed before it started) and wakes the consumer.
template <class R>
struct ImapState : std::enable_shared_from_this<ImapState<R>> {
  using Stored = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
  struct Outcome {
    std::optional<Stored> value;
    std::exception_ptr error;
  };
  using Feed = std::function<bool(ImapState&)>;

  ImapState(Group& group, bool ordered) : group(group), ordered(ordered) {}

  template <class F, class Item>
  static Outcome run(F& fn, Item& item) {
    Outcome out;
    try {
      if constexpr (std::is_void_v<R>) {
        std::invoke(fn, item);
        out.value.emplace();
      } else {
        out.value.emplace(std::invoke(fn, item));
      }
    } catch (const FiberExit&) {
      throw;  // killed: the fiber ends, its link reports it
    } catch (const boost::context::detail::forced_unwind&) {
      throw;
    } catch (...) {
      out.error = std::current_exception();
    }
    return out;
  }

  // launch(body) spawns one worker into the group (blocking while it is full).
  template <class Body>
  void launch(Body&& body) {
    Fiber<Outcome> f = group.spawn(std::forward<Body>(body));
    const std::size_t index = front_index + window.size();
    if (ordered) window.emplace_back();
    running.emplace(f.base(), f);
    Fiber<>(f).link([self = this->shared_from_this(), index](Fiber<> dead) { self->finished_worker(dead, index); });
  }

  void finished_worker(const Fiber<>& dead, std::size_t index) {
    auto* state = static_cast<FiberState<Outcome>*>(dead.base());
    Outcome out;
    if (state->result) {
      out = std::move(*state->result);
    } else {
      out.error = state->error ? state->error : std::make_exception_ptr(FiberExit{});
    }
    running.erase(dead.base());
    if (finished) return;
    if (ordered) window[index - front_index].emplace(std::move(out));
    else done.push_back(std::move(out));
    ++deliveries;
    wake_all(consumer);
  }

  // top_up() starts workers while the group has room and input remains.
  void top_up() {
    while (!exhausted && group.has_free_slot())
      if (!feed(*this)) exhausted = true;
  }
  std::optional<Outcome> take() {
    std::optional<Outcome> out;
    if (ordered) {
      if (!window.empty() && window.front()) {
        out = std::move(window.front());
        window.pop_front();
        ++front_index;
      }
    } else if (!done.empty()) {
      out = std::move(done.front());
      done.pop_front();
    }
    return out;
  }

  std::optional<Stored> next() {
    if (finished) return std::nullopt;
    for (;;) {
      top_up();
      if (auto out = take()) {
        if (out->error) {
          finished = true;
          std::rethrow_exception(out->error);
        }
        return std::move(out->value);
      }
      if (running.empty()) {
        if (exhausted) {
          finished = true;
          return std::nullopt;
        }
        if (!feed(*this)) exhausted = true;  // the group is full of other fibers: wait for room
        continue;
      }
      const std::uint64_t seen = deliveries;
      park_on(consumer, TimePoint::max(), "Group::imap", [&] { return deliveries != seen; });
    }
  }

  // abandon() kills the unfinished workers and waits for them (unless this
  // is the hub's context or the hub is shutting down).
  void abandon() noexcept {
    finished = true;
    if (running.empty() || tls_scheduler == nullptr) return;
    std::vector<Fiber<>> victims;
    try {
      for (auto& [base, f] : running) victims.push_back(f);
      const bool block = !tls_scheduler->in_hub_context() && !tls_scheduler->stopped();
      grove::killall(victims, block);
    } catch (...) {
      // interrupted again while waiting: the workers are dying anyway
    }
  }

  Group& group;
  const bool ordered;
  bool exhausted = false;  // the input is used up
  bool finished = false;   // the consumer saw the end, a failure, or left
  Feed feed;               // starts the next item's worker; false at the end of the input
  std::size_t front_index = 0;
  std::deque<std::optional<Outcome>> window;  // ordered: outcomes from front_index on
  std::deque<Outcome> done;                   // unordered: in completion order
  std::uint64_t deliveries = 0;
  WaitList consumer;
  std::unordered_map<const FiberBase*, Fiber<>> running;
};

}  // namespace detail

// Imap<R> is the lazy sequence imap()/imap_unordered() return: next()
// yields the next result (nullopt at the end), and it is a range:
//   for (int len : pool.imap(fetch, urls)) ...
// Destroying it before its end kills its unfinished workers and waits.
template <class R>
class Imap {
  using State = detail::ImapState<R>;

 public:
  using result_type = R;
  using value_type = typename State::Stored;

  Imap(Imap&&) noexcept = default;
  Imap& operator=(Imap&&) = delete;
  ~Imap() {
    if (st_) st_->abandon();
  }

  // next() waits for the next result; it rethrows a worker's exception.
  std::optional<value_type> next() { return st_->next(); }

  class iterator {
   public:
    using value_type = typename State::Stored;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(Imap* owner) : owner_(owner) { ++*this; }
    value_type& operator*() const { return *current_; }
    iterator& operator++() {
      current_ = owner_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return !it.current_; }

   private:
    Imap* owner_ = nullptr;
    mutable std::optional<value_type> current_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  friend class Group;
  explicit Imap(std::shared_ptr<State> st) : st_(std::move(st)) {}
  std::shared_ptr<State> st_;
};

template <bool Ordered, class F, class Rng>
auto Group::make_imap(F&& fn, Rng&& range) {
  using View = std::views::all_t<Rng>;
  using Item = std::ranges::range_value_t<View>;
  using Fn = std::decay_t<F>;
  static_assert(std::invocable<Fn&, Item&>, "grove::Group::imap: fn must be callable with an item of the range");
  using R = std::invoke_result_t<Fn&, Item&>;
  using State = detail::ImapState<R>;

  struct Feeder {
    explicit Feeder(View v) : view(std::move(v)) {}
    View view;
    std::optional<std::ranges::iterator_t<View>> it;
  };
  auto st = std::make_shared<State>(*this, Ordered);
  st->feed = [fn = std::make_shared<Fn>(std::forward<F>(fn)),
              feeder = std::make_shared<Feeder>(std::views::all(std::forward<Rng>(range)))](State& self) {
    if (!feeder->it) feeder->it.emplace(std::ranges::begin(feeder->view));
    auto& it = *feeder->it;
    if (it == std::ranges::end(feeder->view)) return false;
    Item item(*it);
    ++it;
    self.launch([fn, item = std::move(item)]() mutable { return State::run(*fn, item); });
    return true;
  };
  return Imap<R>(std::move(st));
}

}  // namespace grove
