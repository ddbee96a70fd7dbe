#pragma once
// fiber_result.hpp — async_result(fiber): a fiber's outcome as an
// AsyncResult of the calling hub. It is the cross-hub form of join() and
// get(): a Fiber handle may travel to another hub of a grove::Runtime, but
// only the fiber's own hub may join it (a fiber never migrates; joining it
// elsewhere is a UsageError that names this call).
//
//   grove::Fiber<int> f = rt.call_on(HubId{1}, [] { return grove::spawn(work); }).get();
//   int v = grove::async_result(f).get();   // on any hub of the Runtime, or f's own
//
// The result holds the fiber's value (a copy), the exception that escaped
// it, or FiberKilled with its reason when it was killed. The watch is
// installed on the fiber's hub (a closure posted there when it is another
// hub of the caller's Runtime; docs/design/runtime.md, "Across hubs").

#include <grove/async_result.hpp>
#include <grove/errors.hpp>
#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/detail/hub_domain.hpp>

#include <exception>
#include <string>
#include <type_traits>
#include <utility>

namespace grove {

namespace detail {
// deliver_outcome(result, f) runs on f's hub once f has ended.
template <class T>
void deliver_outcome(AsyncResult<T>& result, const Fiber<T>& f) {
  if (std::exception_ptr e = f.exception()) {
    if (is_fiber_exit(e))
      result.set_exception(std::make_exception_ptr(
          FiberKilled("grove::async_result: fiber '" + f.name() + "' was killed", f.exit_reason())));
    else result.set_exception(std::move(e));
  } else if constexpr (std::is_void_v<T>) {
    result.set();
  } else {
    result.set(f.value());
  }
}
}  // namespace detail

// async_result(fiber) is fiber's outcome as an AsyncResult of the calling
// thread's hub (see above). An empty handle, or a fiber of a hub outside
// the caller's Runtime, is a UsageError; a fiber whose hub has stopped
// fails the result with UsageError.
template <class T>
AsyncResult<T> async_result(const Fiber<T>& fiber) {
  if (!fiber) throw UsageError("grove::async_result: empty fiber handle; assign it from spawn() first");
  AsyncResult<T> result;
  auto watch = [result, f = fiber]() mutable {
    (void)f.link([result, f](Fiber<>) mutable { detail::deliver_outcome(result, f); });
  };
  if (detail::is_local(fiber.base()->hub)) {
    watch();
  } else if (!detail::address_of(fiber.base()->hub, "async_result").post(std::move(watch))) {
    result.set_exception(
        std::make_exception_ptr(UsageError("grove::async_result: the fiber's hub has stopped; its outcome is gone")));
  }
  return result;
}

}  // namespace grove
