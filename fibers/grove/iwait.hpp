#pragma once
// iwait.hpp — grove::wait and grove::iwait over any mix of waitables
// (waitable.hpp: Fiber<T>, Event, AsyncResult<T>, the Queue family,
// Mailbox, FdWatch), as gevent.wait and gevent.iwait:
//
//   auto ready = grove::wait(fibers);                 // all of them, when all are ready
//   auto first = grove::wait({fiber, event, q}, 1s, 1);  // the first ready one, or none in 1 s
//   for (auto& f : grove::iwait(fibers, 5s)) ...      // each one as it becomes ready
//
// Contract:
// - wait(objects, timeout, count) blocks until `count` of the objects (all
//   of them by default) are ready, or the timeout passes, and returns the
//   ready ones in the order they became ready (those ready at the same
//   moment in the order given). It never throws for a timeout: fewer are
//   returned. A negative or NaN timeout is a UsageError naming the call.
// - iwait(objects, timeout, count) yields the objects one by one as they
//   become ready, at most `count` of them; it ends when all were yielded,
//   `count` were, or the timeout (measured from the iwait() call) passed.
// - What "ready" means is the object's: a fiber has finished, an Event is
//   set (or was set since the wait began), an AsyncResult has its outcome, a
//   queue has an item to get (or is shut down: a get would not block), a
//   Mailbox has input, an FdWatch's descriptor is readable/writable. Being
//   ready consumes nothing: the caller gets, receives or reads afterwards.
// - Objects: a range whose elements are waitables or pointers to
//   waitables, a braced list of waitables of any types ({a, b, ev}), or the
//   objects themselves (wait(a, b, ev)). A range of copyable handles
//   (Fiber<T>, AsyncResult<T>, pointers, WaitableRef) returns copies; a
//   range of non-copyable objects (std::array<Event, 3>) returns pointers
//   to them; the mixed forms return WaitableRefs (ref.is(ev), ref.as<T>()).
// - Each wait links one node per object (WaitQueue::wait_until_any). wait()
//   allocates nothing beyond the result vector for up to 8 objects; iwait()
//   allocates its own list once, so it may outlive a temporary range.
// - A fiber cannot wait for itself (UsageError); every object must belong
//   to the calling thread's hub. While an AsyncResult may still be set from
//   another thread, the wait keeps the hub from raising LoopExit, as
//   AsyncResult::wait does.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/waitable.hpp>
#include <grove/detail/next_iterator.hpp>
#include <grove/detail/waiter.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

namespace grove {

// wait_all is the default count: every object.
inline constexpr std::size_t wait_all = std::numeric_limits<std::size_t>::max();

namespace detail {

// WaitSlot is one object of a wait: its reference, the mark its begin()
// gave, its node in the object's queue, and (in slot k) the k-th pending
// slot's index.
struct WaitSlot {
  WaitableRef ref;
  std::uint64_t mark = 0;
  std::size_t own_copies = 0;  // handles to the object the wait keeps (iwait)
  std::size_t order = 0;
  Waiter node;
};

// WaitSet waits on slots[0..n) (their refs filled in): the constructor
// begins each (which may throw UsageError), next() returns the index of
// the next ready one (the earliest given among those ready) and drops it
// from the pending ones, or nullopt at the deadline or when none is left.
class WaitSet {
 public:
  WaitSet(WaitSlot* slots, std::size_t n, const char* call);
  std::optional<std::size_t> next(TimePoint deadline);
  std::size_t pending() const noexcept { return pending_; }

 private:
  WaitSlot* slots_;
  std::size_t pending_;
  const char* call_;
};

// SlotBuffer holds a wait's slots: on the stack up to 8, else one array.
class SlotBuffer {
 public:
  explicit SlotBuffer(std::size_t n) : heap_(n > inline_size ? new WaitSlot[n] : nullptr) {}
  WaitSlot* data() noexcept { return heap_ ? heap_.get() : inline_.data(); }

 private:
  static constexpr std::size_t inline_size = 8;
  std::array<WaitSlot, inline_size> inline_;
  std::unique_ptr<WaitSlot[]> heap_;
};

// WaitItem<V> is what wait/iwait return for range elements of type V: V
// itself when copyable (a handle, a pointer, a WaitableRef), else V*.
template <class V>
struct WaitItem {
  using type = std::conditional_t<std::is_copy_constructible_v<V>, V, V*>;
  using object = std::remove_pointer_t<type>;  // V, or what a V* points to
  static constexpr bool erased = std::is_same_v<V, WaitableRef>;
  static constexpr bool pointer = std::is_pointer_v<type>;

  // ref(element) refers to the waitable an element stands for.
  static WaitableRef ref(WaitableRef r) noexcept { return r; }
  template <class E>
  static WaitableRef ref(E& element) noexcept {
    if constexpr (std::is_pointer_v<std::remove_const_t<E>>) return WaitableRef(*element);
    else return WaitableRef(element);
  }
  // item(ref) is the returned item for the object ref refers to.
  static type item(const WaitableRef& r) {
    if constexpr (erased) return r;
    else if constexpr (pointer) return r.as<object>();
    else return *r.as<V>();
  }
  // stored(element) is the item an iwait() keeps for an element.
  template <class E>
  static type stored(E& element) {
    if constexpr (std::is_copy_constructible_v<V>) return element;
    else return &element;
  }
};

template <class R>
using wait_value_t = std::remove_cvref_t<std::ranges::range_reference_t<R>>;

// WaitElement<V>: V is a waitable, a pointer to one, or a WaitableRef.
template <class V>
concept WaitElement = std::same_as<V, WaitableRef> || Waitable<V> || Waitable<const V> ||
    (std::is_pointer_v<V>&& Waitable<std::remove_pointer_t<V>>);

template <class V, class R>
std::vector<typename WaitItem<V>::type> wait_range(R&& objects, Deadline timeout, std::size_t count) {
  const TimePoint deadline = timeout.time_point("wait");
  std::size_t n = 0;
  if constexpr (std::ranges::sized_range<R>) n = std::ranges::size(objects);
  else n = static_cast<std::size_t>(std::ranges::distance(objects));
  SlotBuffer buffer(n);
  WaitSlot* slots = buffer.data();
  std::size_t i = 0;
  for (auto&& element : objects) slots[i++].ref = WaitItem<V>::ref(element);
  WaitSet set(slots, n, "wait");
  std::vector<typename WaitItem<V>::type> out;
  out.reserve(count < n ? count : n);
  while (out.size() < count) {
    const auto k = set.next(deadline);
    if (!k) break;
    out.push_back(WaitItem<V>::item(slots[*k].ref));
  }
  return out;
}

}  // namespace detail

// wait(objects, timeout, count): see the contract above.
template <std::ranges::forward_range R>
requires detail::WaitElement<detail::wait_value_t<R>>
auto wait(R&& objects, Deadline timeout = Deadline::never(), std::size_t count = wait_all) {
  return detail::wait_range<detail::wait_value_t<R>>(objects, timeout, count);
}
inline std::vector<WaitableRef> wait(std::initializer_list<WaitableRef> objects, Deadline timeout = Deadline::never(),
                                     std::size_t count = wait_all) {
  return detail::wait_range<WaitableRef>(objects, timeout, count);
}
// wait(a, b, ev) waits for every one of the objects given (no timeout).
template <class... W>
requires(sizeof...(W) >= 1 && (Waitable<W> && ...)) std::vector<WaitableRef> wait(W&... objects) {
  const std::array<WaitableRef, sizeof...(W)> refs{WaitableRef(objects)...};
  return detail::wait_range<WaitableRef>(refs, Deadline::never(), wait_all);
}

// Iwait<Item> is what iwait() returns: a single-pass range of Items (see
// the contract above). next() is the next ready item, or nullopt at the
// end; the iterator does the same for range-for.
template <class Item>
class Iwait {
 public:
  // Iwait(items, deadline, count, call): `call` names the caller in errors.
  Iwait(std::vector<Item> items, TimePoint deadline, std::size_t count, const char* call = "iwait")
      : items_(std::move(items)), slots_(new detail::WaitSlot[items_.size()]), deadline_(deadline), left_(count) {
    constexpr std::size_t copies = detail::WaitItem<Item>::erased || detail::WaitItem<Item>::pointer ? 0 : 1;
    for (std::size_t i = 0; i < items_.size(); ++i) {
      slots_[i].ref = detail::WaitItem<Item>::ref(items_[i]);
      slots_[i].own_copies = copies;
    }
    set_.emplace(slots_.get(), items_.size(), call);
  }

  std::optional<Item> next() {
    if (left_ == 0 || set_->pending() == 0) return std::nullopt;
    const auto k = set_->next(deadline_);
    if (!k) {
      left_ = 0;
      return std::nullopt;
    }
    --left_;
    return items_[*k];
  }

  using iterator = detail::NextIterator<Iwait, Item>;
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  std::vector<Item> items_;
  std::unique_ptr<detail::WaitSlot[]> slots_;
  std::optional<detail::WaitSet> set_;
  TimePoint deadline_;
  std::size_t left_;
};

// iwait(objects, timeout, count): see the contract above.
template <std::ranges::forward_range R>
requires detail::WaitElement<detail::wait_value_t<R>>
auto iwait(R&& objects, Deadline timeout = Deadline::never(), std::size_t count = wait_all) {
  using V = detail::wait_value_t<R>;
  using Item = typename detail::WaitItem<V>::type;
  const TimePoint deadline = timeout.time_point("iwait");
  std::vector<Item> items;
  if constexpr (std::ranges::sized_range<R>) items.reserve(std::ranges::size(objects));
  // NOLINTNEXTLINE(performance-inefficient-vector-operation): reserved above when R is sized
  for (auto&& element : objects) items.push_back(detail::WaitItem<V>::stored(element));
  return Iwait<Item>(std::move(items), deadline, count);
}
inline Iwait<WaitableRef> iwait(std::initializer_list<WaitableRef> objects, Deadline timeout = Deadline::never(),
                                std::size_t count = wait_all) {
  const TimePoint deadline = timeout.time_point("iwait");
  return Iwait<WaitableRef>(std::vector<WaitableRef>(objects), deadline, count);
}
template <class... W>
requires(sizeof...(W) >= 1 && (Waitable<W> && ...)) Iwait<WaitableRef> iwait(W&... objects) {
  return Iwait<WaitableRef>(std::vector<WaitableRef>{WaitableRef(objects)...}, TimePoint::max(), wait_all);
}

}  // namespace grove
