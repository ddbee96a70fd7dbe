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
// nothing is lost or duplicated. put_nowait() hands its item to a waiting
// getter without blocking: the item waits in the channel until that getter
// runs, and a getter killed meanwhile leaves it to the next get (nothing is
// lost). Not thread-safe: use a channel from its hub's thread only.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/hub.hpp>
#include <grove/queue_errors.hpp>
#include <grove/detail/queue_core.hpp>
#include <grove/detail/wait_queue.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <list>
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
  void put(const T& item, Deadline timeout)
    requires std::copy_constructible<T>
  {
    put_for(nullptr, &item, timeout.time_point("Channel::put"));
  }
  void put(T&& item, Deadline timeout) { put_for(&item, &item, timeout.time_point("Channel::put")); }

  // put_nowait(item) gives the item to a fiber waiting in get(), without
  // blocking (gevent's put(item, block=False)); it throws QueueFull (the
  // item untouched) when no getter waits, QueueShutDown once closed.
  void put_nowait(const T& item)
    requires std::copy_constructible<T>
  {
    check_put_nowait();
    hand_over(T(item));
  }
  void put_nowait(T&& item) {
    check_put_nowait();
    hand_over(std::move(item));
  }

  // get() takes an item from a waiting putter, blocking until one comes.
  // It throws QueueShutDown once the channel is closed.
  T get() { return get_for(detail::forever); }
  // get(timeout) throws QueueEmpty if no putter came in time.
  T get(Deadline timeout) { return get_for(timeout.time_point("Channel::get")); }
  // try_get() takes an item from a waiting putter, or is nullopt.
  [[nodiscard]] std::optional<T> try_get() {
    if (!handed_.empty()) return take_handed();
    PutSlot* slot = offer();
    if (!slot) return std::nullopt;
    return take(slot);
  }
  // get_nowait() takes from a waiting putter or throws QueueEmpty
  // (QueueShutDown when closed).
  T get_nowait() {
    if (!handed_.empty()) return take_handed();
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
  // balance() is gevent's Channel.balance: positive when items wait for
  // getters (parked putters and put_nowait items not yet taken), negative
  // when getters wait for items.
  std::ptrdiff_t balance() const noexcept {
    return static_cast<std::ptrdiff_t>(putters_.size() + handed_.size()) -
           static_cast<std::ptrdiff_t>(getters_.size());
  }
  // empty() is true when the channel holds no item: always, except for a
  // put_nowait() item its getter has not run to take yet. full() is always
  // true: a channel has no room, a put waits for a getter (as gevent's).
  bool empty() const noexcept { return handed_.empty(); }
  bool full() const noexcept { return true; }

  // close() ends the channel: pending and later puts throw QueueShutDown
  // (keeping their items), getters throw QueueShutDown once no put_nowait
  // item is left for them. Idempotent.
  void close() noexcept {
    closed_ = true;
    getters_.notify_all();
    putters_.notify_all();
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
  void put_for(T* movable, const T* item, TimePoint deadline) {
    if (closed_) [[unlikely]] detail::throw_closed_put("Channel", "put");
    PutSlot slot(detail::scheduler().current(), movable, item);
    putters_.push(slot);  // the offer is visible before the getter runs
    if (!getters_.empty()) getters_.notify_one();
    // Only a getter taking the item unlinks the slot (and sets taken); if
    // this fiber leaves by an exception, ~Waiter unlinks it and the item
    // stays here.
    if (putters_.wait_until(deadline, "Channel::put", slot, [&slot, this] { return slot.taken || closed_; }) &&
        slot.taken)
      return;
    slot.unlink();
    if (closed_) detail::throw_closed_put("Channel", "put");
    detail::throw_full_timeout("Channel", "put");
  }
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

  T get_for(TimePoint deadline) {
    if (!handed_.empty()) [[unlikely]]
      return take_handed();
    if (PutSlot* slot = offer()) [[likely]]
      return take(slot);
    // Offers left over once this get is done go on to the next getter.
    detail::PassOn pass(getters_, [this] { return has_item(); });
    if (!wait_for_item(deadline)) {
      if (closed_) detail::throw_closed_get("Channel", "get");
      detail::throw_empty_timeout("Channel", "get");
    }
    if (!handed_.empty()) return take_handed();
    return take(offer());
  }

  std::optional<T> next_item() {
    if (!handed_.empty()) return take_handed();
    if (PutSlot* slot = offer()) return take(slot);
    detail::PassOn pass(getters_, [this] { return has_item(); });
    if (!wait_for_item(detail::forever)) return std::nullopt;
    if (!handed_.empty()) return take_handed();
    return take(offer());
  }

  // offer() is the oldest waiting putter that can still complete its put.
  // A putter with an interrupt pending (kill, a Timeout scope) is about to
  // leave with its item, so it is passed over: its put either delivers or
  // throws, never both.
  PutSlot* offer() const noexcept {
    for (detail::Waiter* w = putters_.front(); w; w = w->next)
      if (!w->fiber->has_interrupt()) return static_cast<PutSlot*>(w);
    return nullptr;
  }

  // has_item() is true when a get can complete without waiting.
  bool has_item() const noexcept { return !handed_.empty() || offer() != nullptr; }

  // wait_for_item() parks until an item can be taken (true), or the
  // channel is closed or the timeout passes (false).
  bool wait_for_item(TimePoint deadline) {
    if (closed_) return false;
    (void)getters_.wait_until(deadline, "Channel::get", [this] { return closed_ || has_item(); });
    return has_item();
  }

  // An eligible getter is one parked in get() that has not been woken yet
  // and has no interrupt pending (it will run and take an item).
  detail::Waiter* eligible_getter() const noexcept {
    for (detail::Waiter* w = getters_.front(); w; w = w->next)
      if (!w->fiber->has_interrupt()) return w;
    return nullptr;
  }
  void check_put_nowait() const {
    if (closed_) [[unlikely]] detail::throw_closed_put("Channel", "put_nowait");
    if (!eligible_getter()) [[unlikely]] detail::throw_full("Channel", "put_nowait");
  }
  // hand_over() parks the item in the channel for the getter it wakes.
  void hand_over(T&& item) {
    detail::Waiter* w = eligible_getter();
    handed_.push_back(std::move(item));
    getters_.notify(*w);
  }
  T take_handed() {
    T value(std::move(handed_.front()));
    handed_.pop_front();
    return value;
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
    slot->taken = true;
    putters_.notify(*slot);
    return value;
  }

  detail::WaitQueue getters_;
  detail::WaitQueue putters_;  // PutSlots of parked putters, oldest first
  std::list<T> handed_;  // put_nowait items whose getter has not run yet
  bool closed_ = false;
};

}  // namespace grove
