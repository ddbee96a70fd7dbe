#pragma once
// imap.hpp — Group::imap()/imap_unordered()'s lazy sequence (gevent's IMap
// and IMapUnordered) and the state it shares with its worker fibers.
// Include <grove/group.hpp>; it includes this.
//
// A failed item's exception is rethrown by next() at its place in the
// sequence (in input order for imap, in completion order for
// imap_unordered) and the sequence goes on: the next call to next()
// continues with the following items, as iterating gevent's IMap does. A
// range-for loop ends with the exception, which abandons the sequence.
// Abandoning a sequence (destroying it before its end) kills its
// unfinished workers and waits for them, so none outlives it.

#include <grove/group.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/wait.hpp>
#include <grove/detail/next_iterator.hpp>
#include <grove/detail/wait_queue.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>

namespace grove {

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

  // run(fn, items) calls fn with the items of one tuple (one per range).
  template <class F, class Items>
  static Outcome run(F& fn, Items& items) {
    Outcome out;
    try {
      if constexpr (std::is_void_v<R>) {
        std::apply(fn, items);
        out.value.emplace();
      } else {
        out.value.emplace(std::apply(fn, items));
      }
    } catch (const FiberExit&) {
      throw;  // killed: the fiber ends, its link reports it
    } catch (...) {
      if (detail::handling_forced_unwind()) throw;  // the fiber's stack is being destroyed
      out.error = std::current_exception();
    }
    return out;
  }

  // launch(body) spawns one worker into the group (blocking while it is full).
  template <class Body>
  void launch(Body&& body) {
    Fiber<Outcome> f = group.spawn(std::forward<Body>(body));
    ++unread;
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
    } else if (state->error && !is_fiber_exit(state->error)) {
      out.error = state->error;
    } else {
      // Killed from outside: an ordinary error for the consumer (a FiberExit
      // rethrown into it would end the consumer too).
      out.error = std::make_exception_ptr(FiberKilled(
          "grove::imap: the worker of item " + std::to_string(index) + " was killed", state->exit_reason()));
    }
    running.erase(dead.base());
    if (finished) return;
    if (ordered) window[index - front_index].emplace(std::move(out));
    else done.push_back(std::move(out));
    ++deliveries;
    consumer.notify_all();
  }

  // top_up() starts workers while the group has room, input remains and
  // fewer than maxsize results are started and unread.
  void top_up() {
    while (!exhausted && group.has_free_slot() && (maxsize == 0 || unread < maxsize))
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
        --unread;
        // A failure is raised at its place; the sequence goes on after it.
        if (out->error) std::rethrow_exception(std::move(out->error));
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
      consumer.wait("Group::imap", [&] { return deliveries != seen; });
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
  bool exhausted = false;   // the input is used up
  bool finished = false;    // the consumer saw the end, or left
  Feed feed;                // starts the next item's worker; false at the end of the input
  std::size_t maxsize = 0;  // bound on unread (0: none)
  std::size_t unread = 0;   // workers started whose outcome the consumer has not taken
  std::size_t front_index = 0;
  std::deque<std::optional<Outcome>> window;  // ordered: outcomes from front_index on
  std::deque<Outcome> done;                   // unordered: in completion order
  std::uint64_t deliveries = 0;
  WaitQueue consumer;
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

  // next() waits for the next result (nullopt at the end); it rethrows a
  // failed item's exception at its place, and the call after goes on.
  std::optional<value_type> next() { return st_->next(); }

  using iterator = detail::NextIterator<Imap, typename State::Stored>;
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  friend class Group;
  explicit Imap(std::shared_ptr<State> st) : st_(std::move(st)) {}
  std::shared_ptr<State> st_;
};

// make_imap() splits a trailing MaxSize off the ranges.
template <bool Ordered, class F, class... Args>
auto Group::make_imap(F&& fn, Args&&... args) {
  constexpr std::size_t n = sizeof...(Args);
  using Last = std::decay_t<std::tuple_element_t<n - 1, std::tuple<Args...>>>;
  if constexpr (std::is_same_v<Last, MaxSize>) {
    static_assert(n >= 2, "grove::Group::imap: give at least one range before MaxSize");
    auto all = std::forward_as_tuple(std::forward<Args>(args)...);
    const std::size_t maxsize = std::get<n - 1>(all).value;
    if (maxsize == 0) throw UsageError("grove::Group::imap: MaxSize must be at least 1 (leave it out for no bound)");
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return make_zip_imap<Ordered>(maxsize, std::forward<F>(fn), std::get<I>(std::move(all))...);
    }
    (std::make_index_sequence<n - 1>{});
  } else {
    return make_zip_imap<Ordered>(0, std::forward<F>(fn), std::forward<Args>(args)...);
  }
}

template <bool Ordered, class F, class... Rngs>
auto Group::make_zip_imap(std::size_t maxsize, F&& fn, Rngs&&... ranges) {
  static_assert((std::ranges::input_range<Rngs> && ...), "grove::Group::imap: each argument after fn must be a range");
  using Views = std::tuple<std::views::all_t<Rngs>...>;
  using Iterators = std::tuple<std::ranges::iterator_t<std::views::all_t<Rngs>>...>;
  using Items = std::tuple<std::ranges::range_value_t<std::views::all_t<Rngs>>...>;
  using Fn = std::decay_t<F>;
  static_assert(std::invocable<Fn&, std::ranges::range_value_t<std::views::all_t<Rngs>>&...>,
                "grove::Group::imap: fn must be callable with one item of each range");
  using R = std::invoke_result_t<Fn&, std::ranges::range_value_t<std::views::all_t<Rngs>>&...>;
  using State = detail::ImapState<R>;
  constexpr auto indices = std::index_sequence_for<Rngs...>{};

  struct Feeder {
    explicit Feeder(Views v) : views(std::move(v)) {}
    Views views;
    std::optional<Iterators> its;
  };
  auto st = std::make_shared<State>(*this, Ordered);
  st->maxsize = maxsize;
  st->feed = [fn = std::make_shared<Fn>(std::forward<F>(fn)),
              feeder = std::make_shared<Feeder>(Views(std::views::all(std::forward<Rngs>(ranges))...)),
              indices](State& self) {
    auto& views = feeder->views;
    if (!feeder->its) {
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        feeder->its.emplace(std::ranges::begin(std::get<I>(views))...);
      }
      (indices);
    }
    auto& its = *feeder->its;
    // Zipped: the input ends with the shortest range.
    const bool at_end = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return ((std::get<I>(its) == std::ranges::end(std::get<I>(views))) || ...);
    }
    (indices);
    if (at_end) return false;
    Items items = [&]<std::size_t... I>(std::index_sequence<I...>) { return Items(*std::get<I>(its)...); }
    (indices);
    [&]<std::size_t... I>(std::index_sequence<I...>) { (++std::get<I>(its), ...); }
    (indices);
    self.launch([fn, items = std::move(items)]() mutable { return State::run(*fn, items); });
    return true;
  };
  return Imap<R>(std::move(st));
}

}  // namespace grove
