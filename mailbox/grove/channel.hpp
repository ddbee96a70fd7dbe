#pragma once
// channel.hpp — Channel<T>: a rendezvous between fibers (gevent.queue.Channel,
// Go's unbuffered chan). put() blocks until a getter has taken the item; it
// holds no items of its own.
//
//   grove::Channel<int> ch;
//   auto consumer = grove::spawn([&] { for (int v : ch) use(v); });
//   ch.put(1);                 // returns once the consumer has taken 1
//   ch.put(2, 100ms);          // QueueFull if no getter took it in time
//   ch.close();                // the consumer's loop ends
//
// A waiting putter keeps its item in its own frame and a getter takes it
// from there, so a put that times out or is killed still has its item and
// nothing is lost or duplicated. Not thread-safe: use a channel from its
// hub's thread only.

#include <grove/duration.hpp>
#include <grove/hub.hpp>
#include <grove/queue_errors.hpp>
#include <grove/detail/park_on.hpp>
#include <grove/detail/queue_core.hpp>
#include <grove/detail/waiter.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <optional>
#include <utility>

namespace grove {

template <class T>
class Channel {
 public:
  using value_type = T;
  using iterator = detail::GetIterator<Channel, T>;

  Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // put(item) blocks until a getter has taken the item. It throws
  // QueueShutDown (the item not taken) if the channel is or becomes closed.
  void put(const T& item)
    requires std::copy_constructible<T>
  {
    put_for(nullptr, &item, detail::forever);
  }
  void put(T&& item) { put_for(&item, &item, detail::forever); }
  // put(item, timeout) throws QueueFull if no getter took the item in time;
  // the item is then left untouched.
  template <class Rep, class Period>
  void put(const T& item, std::chrono::duration<Rep, Period> timeout)
    requires std::copy_constructible<T>
  {
    put_for(nullptr, &item, to_duration(timeout, "Channel::put"));
  }
  template <class Rep, class Period>
  void put(T&& item, std::chrono::duration<Rep, Period> timeout) {
    put_for(&item, &item, to_duration(timeout, "Channel::put"));
  }

  // get() takes an item from a waiting putter, blocking until one comes.
  // It throws QueueShutDown once the channel is closed.
  T get() { return get_for(detail::forever); }
  // get(timeout) throws QueueEmpty if no putter came in time.
  template <class Rep, class Period>
  T get(std::chrono::duration<Rep, Period> timeout) {
    return get_for(to_duration(timeout, "Channel::get"));
  }
  // try_get() takes an item from a waiting putter, or is nullopt.
  std::optional<T> try_get() {
    PutSlot* slot = offer();
    if (!slot) return std::nullopt;
    return take(slot);
  }
  // get_nowait() takes from a waiting putter or throws QueueEmpty
  // (QueueShutDown when closed).
  T get_nowait() {
    PutSlot* slot = offer();
    if (!slot) [[unlikely]] {
      if (closed_) detail::throw_closed_get("Channel", "get_nowait");
      detail::throw_empty("Channel", "get_nowait");
    }
    return take(slot);
  }

  // waiting_putters() / waiting_getters() count the fibers parked in put()
  // and get() (gevent's Channel.balance is their difference).
  std::size_t waiting_putters() const noexcept { return putters_.size(); }
  std::size_t waiting_getters() const noexcept { return getters_.size(); }

  // close() ends the channel: pending and later puts throw QueueShutDown
  // (keeping their items), getters throw QueueShutDown. Idempotent.
  void close() noexcept {
    closed_ = true;
    detail::wake_all(getters_);
    detail::wake_all(putters_);
  }
  bool closed() const noexcept { return closed_; }

  // `for (auto&& item : channel)` gets until the channel is closed.
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  friend iterator;

  // PutSlot is a putter's waiter, carrying a pointer to the item it offers.
  // A getter copies or moves the item out, marks the slot taken, unlinks it
  // and wakes the putter.
  struct PutSlot : detail::Waiter {
    PutSlot(detail::FiberBase* f, T* movable, const T* item) noexcept
        : detail::Waiter(f), movable(movable), item(item) {}
    T* movable;      // null when the item may only be copied
    const T* item;
    bool taken = false;
  };

// GCC 12 flags the slot (a local) being linked into putters_; it is
// unlinked before put_for() returns or unwinds (~Waiter).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
  void put_for(T* movable, const T* item, Duration timeout) {
    if (closed_) [[unlikely]] detail::throw_closed_put("Channel", "put");
    detail::Scheduler& s = detail::scheduler();
    const TimePoint deadline = detail::deadline_for(s, timeout);
    PutSlot slot(s.current(), movable, item);
    putters_.push_back(slot);
    if (!getters_.empty()) detail::wake_one(getters_);
    // Only a getter (taking the item) or close() unlinks the slot; if this
    // fiber leaves by an exception, ~Waiter unlinks it and the item stays here.
    while (!slot.taken) {
      if (closed_) {
        slot.unlink();
        detail::throw_closed_put("Channel", "put");
      }
      if (!slot.linked()) putters_.push_back(slot);
      if (!s.park_until(deadline, "Channel::put") && !slot.taken) {
        slot.unlink();
        if (closed_) detail::throw_closed_put("Channel", "put");
        detail::throw_full_timeout("Channel", "put");
      }
    }
  }
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

  T get_for(Duration timeout) {
    if (PutSlot* slot = offer()) [[likely]]
      return take(slot);
    // Offers left over once this get is done go on to the next getter.
    detail::PassOn pass(getters_, [this] { return offer() != nullptr; });
    PutSlot* slot = wait_for_offer(timeout);
    if (!slot) {
      if (closed_) detail::throw_closed_get("Channel", "get");
      detail::throw_empty_timeout("Channel", "get");
    }
    return take(slot);
  }

  std::optional<T> next_item() {
    if (PutSlot* slot = offer()) return take(slot);
    detail::PassOn pass(getters_, [this] { return offer() != nullptr; });
    PutSlot* slot = wait_for_offer(detail::forever);
    if (!slot) return std::nullopt;
    return take(slot);
  }

  // offer() is the oldest waiting putter that can still complete its put.
  // A putter with an interrupt pending (kill, a Timeout scope) is about to
  // leave with its item, so it is passed over: its put either delivers or
  // throws, never both.
  PutSlot* offer() const noexcept {
    for (detail::Waiter* w = putters_.front(); w; w = w->next)
      if (!w->fiber->pending) return static_cast<PutSlot*>(w);
    return nullptr;
  }

  // wait_for_offer() parks until a putter offers an item (returned), or
  // the channel is closed or the timeout passes (nullptr).
  PutSlot* wait_for_offer(Duration timeout) {
    if (closed_) return nullptr;
    detail::Scheduler& s = detail::scheduler();
    detail::park_on(getters_, detail::deadline_for(s, timeout), "Channel::get",
                    [this] { return closed_ || offer() != nullptr; });
    return offer();
  }

  // take() moves (or copies) the offered item out; the slot is released
  // only once the item is safely here.
  T take(PutSlot* slot) {
    T value = [slot] {
      if constexpr (std::copy_constructible<T>) {
        if (!slot->movable) return T(*slot->item);
      }
      return T(std::move(*slot->movable));
    }();
    putters_.remove(*slot);
    slot->taken = true;
    detail::scheduler().wake(slot->fiber);
    return value;
  }

  detail::WaitList getters_;
  detail::WaitList putters_;  // PutSlots of parked putters, oldest first
  bool closed_ = false;
};

}  // namespace grove
