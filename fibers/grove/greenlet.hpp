#pragma once
// greenlet.hpp — fibers written as a class (gevent's Greenlet subclass with
// its own _run): derive from Greenlet<T>, override run(), and keep on the
// object whatever other fibers need to reach (gevent's tutorial keeps an
// Actor's inbox on the greenlet):
//
//   class Pinger : public grove::Greenlet<> {
//    public:
//     grove::Queue<std::string> inbox;
//    protected:
//     void run() override { for (;;) handle(inbox.get()); }
//   };
//   auto ping = grove::create<Pinger>();   // constructed, not started
//   ping->inbox.put("start");              // reachable through the handle
//   ping.start();                          // now scheduled
//
// create<G>(args...) / spawn<G>(args...) construct G(args...) on the heap
// and return a GreenletPtr<G>: a Fiber<T> handle that also reaches the G.
// The object lives as long as a handle or its run() does.
// Include <grove/fiber.hpp>; it includes this.

#include <grove/fiber.hpp>

#include <concepts>
#include <type_traits>
#include <utility>

namespace grove {

// Greenlet<T> is the base for fibers written as a class: override run()
// (its result is the fiber's value), then create<MyFiber>(args...) or
// spawn<MyFiber>(args...). Construct one only through those two: a
// Greenlet is a fiber's control block, shared by its handles.
template <class T = void>
class Greenlet : public detail::FiberState<T> {
 public:
  using result_type = T;
  Greenlet() : detail::FiberState<T>(&detail::scheduler().facade(), detail::scheduler().next_id()) {}

 protected:
  virtual T run() = 0;

 private:
  void run_body() final {
    if constexpr (std::is_void_v<T>) run();
    else this->result.emplace(run());
  }
};

template <class G>
concept GreenletClass = std::derived_from<G, Greenlet<typename G::result_type>>;

// GreenletPtr<G> is a Fiber<G::result_type> handle that also reaches the
// G object: ptr->member, *ptr, ptr.object(). It converts to Fiber<T> and
// Fiber<> like any handle.
template <GreenletClass G>
class GreenletPtr : public Fiber<typename G::result_type> {
  using Base = Fiber<typename G::result_type>;

 public:
  GreenletPtr() = default;
  explicit GreenletPtr(detail::Ref<detail::FiberState<typename G::result_type>> r) noexcept : Base(std::move(r)) {}

  // object() is the G itself; it throws UsageError on an empty handle.
  [[nodiscard]] G& object() const { return static_cast<G&>(*this->checked("object")); }
  G* operator->() const { return &object(); }
  G& operator*() const { return object(); }
};

namespace detail {
template <GreenletClass G, class... A>
Ref<FiberState<typename G::result_type>> make_greenlet(A&&... args) {
  Scheduler& s = spawn_scheduler();
  Ref<FiberState<typename G::result_type>> ref(new G(std::forward<A>(args)...));
  ref->add_ref();  // the hub's reference (adopt() takes it over)
  s.adopt(ref.get());
  spawned(s, ref.get());
  return ref;
}
}  // namespace detail

// create<G>(ctor args...) constructs a Greenlet subclass without starting
// it (gevent's MyGreenlet(*args)); start() or start_later() on the handle
// schedules it, as for grove::create(fn) (fiber.hpp).
template <GreenletClass G, class... A>
[[nodiscard]] GreenletPtr<G> create(A&&... args) {
  return GreenletPtr<G>(detail::make_greenlet<G>(std::forward<A>(args)...));
}

// spawn<G>(ctor args...) constructs a Greenlet subclass and starts it.
template <GreenletClass G, class... A>
GreenletPtr<G> spawn(A&&... args) {
  GreenletPtr<G> g = create<G>(std::forward<A>(args)...);
  g.start();
  return g;
}

}  // namespace grove
