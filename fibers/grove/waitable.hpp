#pragma once
// waitable.hpp — the Waitable concept: anything grove::wait() and
// grove::iwait() (iwait.hpp) can wait on together, as gevent.wait and
// gevent.iwait take any mix of greenlets, events, results and watchers.
//
// A waitable names one detail::WaitQueue that its wakers notify whenever it
// may have become ready, and a ready() predicate on it; wait/iwait link one
// node per object in those queues (WaitQueue::wait_until_any), so waiting on
// n objects allocates nothing per object beyond the nodes themselves.
//
// The customization point is waitable_traits<W>. Its specialization for
// types with these members reads them (declared by Event, AsyncResult, the
// Queue family, Mailbox, FdWatch), as members:
//
//   detail::WaitQueue& waitable_queue() noexcept;
//       the queue notified whenever ready may have become true.
//   std::uint64_t waitable_begin(const char* call);
//       optional: called once per wait, before the first ready() check.
//       It checks the caller may wait (throwing UsageError naming `call`),
//       binds cross-thread wakes, arms a watch, and returns a mark that
//       every ready() of this wait receives (Event: its set() count).
//   bool waitable_ready(std::uint64_t mark) noexcept;
//       true when a wait on the object would return now.
//   static constexpr bool waitable_wakes_one = true;
//       optional: its wakers notify_one() (a queue's getters). A wait that
//       leaves while the object is still ready passes the wake on, so a
//       real getter behind the wait's node is never left asleep.
//   bool waitable_holds_hub(std::size_t own_copies) const noexcept;
//       optional: true while another OS thread may still make it ready;
//       the wait then keeps the hub from raising LoopExit (AsyncResult).
//       own_copies counts the handles to it the wait itself keeps (iwait).
//
// A type whose state is reachable through public calls may specialize
// waitable_traits instead (Fiber<T> below). WaitableRef is a non-owning,
// type-erased reference to any waitable: the element type of the mixed
// forms wait({a, b, ev}) and wait(a, b, ev).

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/detail/wait_queue.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace grove {

namespace detail {
template <class W>
concept HasWaitableMembers = requires(W& w, std::uint64_t mark) {
  { w.waitable_queue() } -> std::same_as<WaitQueue&>;
  { w.waitable_ready(mark) } -> std::same_as<bool>;
};
}  // namespace detail

// The primary template knows nothing: a type is waitable through its
// members (the specialization below) or a specialization of its own.
template <class W>
struct waitable_traits {};

template <detail::HasWaitableMembers W>
struct waitable_traits<W> {
  static detail::WaitQueue& queue(W& w) noexcept { return w.waitable_queue(); }
  static std::uint64_t begin(W& w, const char* call) {
    if constexpr (requires { w.waitable_begin(call); }) return w.waitable_begin(call);
    else return 0;
  }
  static bool ready(W& w, std::uint64_t mark) noexcept { return w.waitable_ready(mark); }
  static constexpr bool wakes_one = [] {
    if constexpr (requires { W::waitable_wakes_one; }) return W::waitable_wakes_one;
    else return false;
  }();
  static bool holds_hub(const W& w, std::size_t own_copies) noexcept {
    if constexpr (requires { w.waitable_holds_hub(own_copies); }) return w.waitable_holds_hub(own_copies);
    else return false;
  }
};

// Fiber<T>: ready once finished (however it ended); its joiners queue.
template <class T>
struct waitable_traits<Fiber<T>> {
  static detail::WaitQueue& queue(const Fiber<T>& f) noexcept { return f.base()->joiners; }
  static std::uint64_t begin(const Fiber<T>& f, const char* call) {
    if (!f) throw UsageError(std::string("grove::") + call + ": an empty Fiber handle; assign it from spawn() first");
    detail::check_owner(f.base(), call);
    if (f.base() == detail::scheduler().current() && !f.base()->finished)
      throw UsageError(std::string("grove::") + call + ": a fiber cannot wait for itself (it would wait forever)");
    return 0;
  }
  static bool ready(const Fiber<T>& f, std::uint64_t) noexcept { return f.base()->finished; }
  static constexpr bool wakes_one = false;
  static bool holds_hub(const Fiber<T>&, std::size_t) noexcept { return false; }
};
template <class T>
struct waitable_traits<const Fiber<T>> : waitable_traits<Fiber<T>> {};

// Waitable<W>: W (possibly const) can be waited on by wait()/iwait().
template <class W>
concept Waitable = requires(W& w, std::uint64_t mark) {
  { waitable_traits<W>::queue(w) } -> std::same_as<detail::WaitQueue&>;
  { waitable_traits<W>::begin(w, "") } -> std::same_as<std::uint64_t>;
  { waitable_traits<W>::ready(w, mark) } -> std::same_as<bool>;
};

// WaitableRef refers to one waitable of any type (it does not own it, and
// binds lvalues only: the object must outlive the wait). It is what the
// mixed forms return; is(obj) and as<W>() tell which object it is.
class WaitableRef {
 public:
  // WaitableRef() refers to nothing (a slot to fill in); only assign it.
  WaitableRef() noexcept = default;
  template <class W>
  requires(Waitable<W> && !std::same_as<std::remove_const_t<W>, WaitableRef>) WaitableRef(W& object)
  noexcept  // NOLINT(google-explicit-constructor): wait({a, b, ev})
      : object_(const_cast<std::remove_const_t<W>*>(&object)), ops_(&ops_for<W>) {}
  // A temporary would be gone before the wait ends (W& takes no rvalue, so
  // this is the overload every rvalue finds).
  template <class W>
  requires(Waitable<W> && !std::same_as<W, WaitableRef>) WaitableRef(const W&& object)
  = delete;

  // is(obj) is true when this refers to obj itself.
  template <class W>
  bool is(const W& object) const noexcept {
    return object_ == static_cast<const void*>(&object);
  }
  // as<W>() is the object if it is a W (or const W), else nullptr.
  template <class W>
  W* as() const noexcept {
    using U = std::remove_const_t<W>;
    bool match = false;
    if constexpr (Waitable<U>) match = ops_ == &ops_for<U>;
    if constexpr (Waitable<const U>) match = match || ops_ == &ops_for<const U>;
    return match ? static_cast<W*>(object_) : nullptr;
  }

  detail::WaitQueue& queue() const noexcept { return ops_->queue(object_); }
  std::uint64_t begin(const char* call) const { return ops_->begin(object_, call); }
  bool ready(std::uint64_t mark) const noexcept { return ops_->ready(object_, mark); }
  bool wakes_one() const noexcept { return ops_->wakes_one; }
  bool holds_hub(std::size_t own_copies) const noexcept { return ops_->holds_hub(object_, own_copies); }

  friend bool operator==(const WaitableRef& a, const WaitableRef& b) noexcept { return a.object_ == b.object_; }

 private:
  struct Ops {
    detail::WaitQueue& (*queue)(void*) noexcept;
    std::uint64_t (*begin)(void*, const char*);
    bool (*ready)(void*, std::uint64_t) noexcept;
    bool (*holds_hub)(void*, std::size_t) noexcept;
    bool wakes_one;
  };
  template <class W>
  static W& self(void* p) noexcept {
    return *static_cast<W*>(p);
  }
  template <class W>
  static constexpr Ops ops_for{
      [](void* p) noexcept -> detail::WaitQueue& { return waitable_traits<W>::queue(self<W>(p)); },
      [](void* p, const char* call) { return waitable_traits<W>::begin(self<W>(p), call); },
      [](void* p, std::uint64_t mark) noexcept { return waitable_traits<W>::ready(self<W>(p), mark); },
      [](void* p, std::size_t copies) noexcept { return waitable_traits<W>::holds_hub(self<W>(p), copies); },
      waitable_traits<W>::wakes_one,
  };

  void* object_ = nullptr;
  const Ops* ops_ = nullptr;
};

}  // namespace grove
