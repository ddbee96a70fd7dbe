#pragma once
// detail/remote_call.hpp — RemoteCall<R, F>: fn() run on another hub, its
// outcome delivered into an AsyncResult<R> that belongs to the caller's
// hub. Whatever happens, the caller hears once: the value, fn's exception,
// FiberKilled when the fiber running fn was killed, or UsageError when the
// hub stopped before it ran fn (the call was destroyed unrun).

#include <grove/async_result.hpp>
#include <grove/errors.hpp>
#include <grove/exit_reason.hpp>

#include <boost/context/fiber.hpp>

#include <cstddef>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

namespace grove::detail {

// unrun_call_error(hub) is the error of a call its hub dropped unrun.
std::exception_ptr unrun_call_error(std::size_t hub);

template <class R, class F>
class RemoteCall {
 public:
  RemoteCall(AsyncResult<R> result, F fn, std::size_t hub)
      : result_(std::move(result)), fn_(std::move(fn)), hub_(hub) {}
  RemoteCall(RemoteCall&& o) noexcept(std::is_nothrow_move_constructible_v<F>)
      : result_(std::move(o.result_)), fn_(std::move(o.fn_)), hub_(o.hub_), armed_(std::exchange(o.armed_, false)) {}
  RemoteCall& operator=(RemoteCall&&) = delete;
  RemoteCall(const RemoteCall&) = delete;
  RemoteCall& operator=(const RemoteCall&) = delete;
  ~RemoteCall() {
    if (armed_) fail(unrun_call_error(hub_));
  }

  // run() calls fn and delivers its outcome. In a fiber, a kill (FiberExit)
  // or a forced unwind is delivered as FiberKilled and goes on unwinding.
  void run() {
    armed_ = false;
    try {
      if constexpr (std::is_void_v<R>) {
        fn_();
        result_.set();
      } else {
        result_.set(fn_());
      }
    } catch (const FiberExit& e) {
      fail(std::make_exception_ptr(FiberKilled("grove::Runtime::spawn_on: the fiber was killed", e.reason())));
      throw;
    } catch (const boost::context::detail::forced_unwind&) {
      fail(std::make_exception_ptr(FiberKilled("grove::Runtime::spawn_on: the hub stopped", ExitReason::killed())));
      throw;
    } catch (const ForcedUnwind&) {
      fail(std::make_exception_ptr(FiberKilled("grove::Runtime::spawn_on: the hub stopped", ExitReason::killed())));
      throw;
    } catch (...) {
      fail(std::current_exception());
    }
  }

 private:
  void fail(std::exception_ptr e) noexcept {
    try {
      result_.set_exception(std::move(e));
    } catch (...) {
    }
  }

  AsyncResult<R> result_;
  F fn_;
  std::size_t hub_;
  bool armed_ = true;
};

}  // namespace grove::detail
