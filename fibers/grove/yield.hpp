#pragma once
// yield.hpp — grove::yield, the Asio completion token that runs any Asio
// asynchronous operation in synchronous style inside a fiber (DESIGN §4):
//
//   std::size_t n = sock.async_read_some(buf, grove::yield);          // throws std::system_error
//   n = sock.async_read_some(buf, grove::yield[ec]);                  // reports ec instead
//   n = sock.async_read_some(buf, grove::yield.cancel_by(sock));      // Timeout/kill cancel it
//   http::async_read(s, b, res, grove::yield[ec].cancel_by([&] { s.close(); }));
//
// The initiating fiber parks on the one waiter primitive; the completion
// handler (which runs in the hub's context: its associated executor is the
// hub's io_context, so operations of other executors complete there too)
// stores the results and wakes it. The value returned is the handler's
// argument after the error_code: nothing for void(error_code), T for
// void(error_code, T), a std::tuple for more.
//
// Cancellation contract. The waiting obeys Timeout and kill(): when the
// fiber is interrupted while the operation is outstanding, the token calls
// its canceller — cancel_by(io_object) calls io_object.cancel(ec) (sockets,
// timers, resolvers), cancel_by(fn) calls fn() — then waits, deferring any
// further interrupt, until the handler has run, and only then raises the
// interrupt; the operation's results are discarded. So no handler ever
// touches a dead stack, and buffers on the fiber's stack stay valid for as
// long as the operation may use them. Plain grove::yield has no canceller:
// an interrupted fiber waits for the operation to finish on its own before
// it raises, so give a canceller to anything that may never complete.
// Use the token from a fiber on its hub's thread (not from an Asio handler).

#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/detail/scheduler.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/context/fiber.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <concepts>
#include <cstddef>
#include <exception>
#include <optional>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace grove {

namespace detail {

// defer_interrupts_until(done, what) parks the running fiber until done()
// holds. Interrupts (Timeout, kill) that arrive meanwhile are set aside and
// queued again, in order, before it returns: the caller raises them once
// the operation it waits for can no longer touch its stack. If the hub
// proves that nothing can complete it (LoopExit, main fiber only), that is
// thrown instead: no handler can run any more.
// (Core note: this reaches into FiberBase::pending/more_pending; it belongs
// in Scheduler as park_shielded(), see io/README.md.)
template <class Done>
void defer_interrupts_until(Scheduler& s, Done&& done, const char* what) {
  if (done()) return;
  FiberBase* self = s.current();
  std::vector<std::exception_ptr> deferred;
  auto set_aside = [&](std::exception_ptr e) {
    if (!e) return;
    for (const auto& d : deferred)
      if (d == e) return;
    deferred.push_back(std::move(e));
  };
  auto take_pending = [&] {
    set_aside(std::exchange(self->pending, nullptr));
    if (self->extras) {
      for (auto& e : self->extras->more_pending) set_aside(std::move(e));
      self->extras->more_pending.clear();
    }
  };
  std::exception_ptr never;  // LoopExit: nothing can complete the operation any more
  while (!done()) {
    take_pending();
    try {
      s.park(what);
    } catch (const boost::context::detail::forced_unwind&) {
      throw;  // the stack is being destroyed: nothing will ever run the handler
    } catch (const LoopExit&) {
      never = std::current_exception();
      break;
    } catch (...) {
      set_aside(std::current_exception());
    }
  }
  take_pending();
  if (!deferred.empty()) {
    self->pending = deferred.front();
    if (deferred.size() > 1) {
      auto& more = self->more().more_pending;
      more.insert(more.begin(), std::make_move_iterator(deferred.begin() + 1), std::make_move_iterator(deferred.end()));
    }
  }
  if (never) std::rethrow_exception(never);
}

// requeue_interrupt(e) puts e back at the head of the running fiber's
// pending interrupts (it was raised by park but must wait its turn).
inline void requeue_interrupt(Scheduler& s, std::exception_ptr e) {
  FiberBase* self = s.current();
  if (self->pending == e) return;  // a doomed fiber keeps it pending anyway
  if (self->pending) {
    auto& more = self->more().more_pending;
    more.insert(more.begin(), std::move(self->pending));
  }
  self->pending = std::move(e);
}

// OpWaiter is the running fiber's side of one outstanding asynchronous
// operation: the handler calls complete() (hub thread, noexcept), the fiber
// calls wait(). It lives on the fiber's stack for the whole operation.
class OpWaiter {
 public:
  enum class Outcome {
    completed,    // the handler ran before any deadline or interrupt
    timed_out,    // the deadline passed: cancelled, and the handler has run since
    interrupted,  // Timeout/kill: cancelled, the handler has run, the interrupt is pending again
  };

  OpWaiter() : sched_(&scheduler()), fiber_(sched_->current()) {}
  explicit OpWaiter(Scheduler& s) : sched_(&s), fiber_(s.current()) {}
  OpWaiter(const OpWaiter&) = delete;
  OpWaiter& operator=(const OpWaiter&) = delete;

  Scheduler& scheduler_ref() const noexcept { return *sched_; }
  bool done() const noexcept { return done_; }
  // complete() marks the operation finished and wakes the fiber.
  void complete() noexcept {
    done_ = true;
    sched_->wake(fiber_);
  }

  // wait(deadline, what, cancel) parks until complete(). If the deadline
  // passes or the fiber is interrupted first, it calls cancel() (noexcept
  // in spirit: exceptions are swallowed) and waits for complete() anyway.
  // After Outcome::interrupted the caller either raises the interrupt
  // (scheduler.raise_pending()) or, when the operation had an effect that
  // must not be lost (bytes read, a connection accepted), returns it and
  // lets the interrupt surface at the fiber's next suspension point.
  template <class Cancel>
  Outcome wait(TimePoint deadline, const char* what, Cancel&& cancel) {
    if (done_) return Outcome::completed;
    bool in_time = true;
    std::exception_ptr interrupt, loop_exit;
    try {
      while (!done_ && in_time) in_time = sched_->park_until(deadline, what);
    } catch (const boost::context::detail::forced_unwind&) {
      call(cancel);
      throw;
    } catch (const LoopExit&) {
      loop_exit = std::current_exception();
    } catch (...) {
      // Leave the catch block before parking again: a fiber must not
      // switch while it is handling an exception (the C++ runtime keeps
      // the caught-exception stack per thread).
      interrupt = std::current_exception();
    }
    if (loop_exit) {
      // Nothing could complete the operation: cancel it, give a completion
      // the cancel may have posted its chance to run, and report LoopExit.
      if (!done_) call(cancel);
      defer_interrupts_until(*sched_, [this] { return done_; }, what);
      std::rethrow_exception(loop_exit);
    }
    if (interrupt) {
      if (!done_) call(cancel);
      requeue_interrupt(*sched_, std::move(interrupt));
      defer_interrupts_until(*sched_, [this] { return done_; }, what);
      return Outcome::interrupted;
    }
    if (done_) return Outcome::completed;
    call(cancel);
    defer_interrupts_until(*sched_, [this] { return done_; }, what);
    return Outcome::timed_out;
  }

 private:
  template <class Cancel>
  static void call(Cancel& cancel) noexcept {
    try {
      cancel();
    } catch (...) {
    }
  }

  Scheduler* sched_;
  FiberBase* fiber_;
  bool done_ = false;
};

struct NoCancel {
  void operator()() const noexcept {}
};

template <class T>
concept CancellableObject = requires(T& t, boost::system::error_code& ec) { t.cancel(ec); } || requires(T& t) {
  t.cancel();
};

// ObjectCancel cancels an Asio I/O object (socket, timer, resolver...).
template <class T>
struct ObjectCancel {
  T* object;
  void operator()() const noexcept {
    if constexpr (requires(boost::system::error_code& ec) { object->cancel(ec); }) {
      boost::system::error_code ignored;
      object->cancel(ignored);
    } else {
      try {
        object->cancel();
      } catch (...) {
      }
    }
  }
};

}  // namespace detail

// basic_yield<Cancel> is the completion token; grove::yield is the one to
// use. operator[](ec) makes errors reported through ec instead of thrown;
// cancel_by(x) names what cancels the operation on Timeout/kill.
template <class Cancel = detail::NoCancel>
class basic_yield {
 public:
  constexpr basic_yield() = default;
  constexpr basic_yield(Cancel cancel, boost::system::error_code* ec) : cancel_(std::move(cancel)), ec_(ec) {}

  // yield[ec]: the operation's error goes to ec (cleared on success).
  basic_yield operator[](boost::system::error_code& ec) const { return basic_yield(cancel_, &ec); }

  // cancel_by(io_object): io_object.cancel(ec) on interrupt; the object
  // must outlive the call. cancel_by(fn): fn() on interrupt.
  template <class T>
    requires detail::CancellableObject<T>
  basic_yield<detail::ObjectCancel<T>> cancel_by(T& io_object) const {
    return basic_yield<detail::ObjectCancel<T>>(detail::ObjectCancel<T>{&io_object}, ec_);
  }
  template <class F>
    requires(std::invocable<std::decay_t<F>&> && !detail::CancellableObject<std::remove_reference_t<F>>)
  basic_yield<std::decay_t<F>> cancel_by(F&& fn) const {
    return basic_yield<std::decay_t<F>>(std::forward<F>(fn), ec_);
  }

  Cancel& canceller() noexcept { return cancel_; }
  boost::system::error_code* error_target() const noexcept { return ec_; }

 private:
  Cancel cancel_{};
  boost::system::error_code* ec_ = nullptr;
};

using yield_t = basic_yield<>;

// yield is the completion token: pass it where Asio takes a handler.
inline constexpr yield_t yield{};

namespace detail {

// is_error_code<T> picks the signatures whose first argument is an error.
template <class T>
inline constexpr bool is_error_code_v = std::is_same_v<std::decay_t<T>, boost::system::error_code>;

// YieldResult stores what the handler was called with.
template <class... Args>
struct YieldResult {
  std::optional<std::tuple<std::decay_t<Args>...>> values;
};

template <class... Args>
struct YieldHandler {
  using executor_type = boost::asio::io_context::executor_type;
  OpWaiter* waiter;
  YieldResult<Args...>* result;
  executor_type executor;

  executor_type get_executor() const noexcept { return executor; }

  template <class... A>
  void operator()(A&&... args) {
    result->values.emplace(std::forward<A>(args)...);
    waiter->complete();
  }
};

// yield_value() turns the stored arguments into the call's return value,
// throwing (or reporting through ec) the leading error_code.
template <class... Args, std::size_t... I>
auto yield_value(std::tuple<Args...>&& t, boost::system::error_code* ec, std::index_sequence<I...>) {
  constexpr std::size_t offset = (sizeof...(Args) > 0 && is_error_code_v<std::tuple_element_t<0, std::tuple<Args..., int>>>) ? 1 : 0;
  if constexpr (offset == 1) {
    boost::system::error_code& err = std::get<0>(t);
    if (ec) {
      *ec = err;
    } else if (err) {
      throw std::system_error(std::error_code(err), "grove::yield");
    }
  }
  constexpr std::size_t rest = sizeof...(Args) - offset;
  if constexpr (rest == 0) {
    return;
  } else if constexpr (rest == 1) {
    return std::move(std::get<offset>(t));
  } else {
    return std::make_tuple(std::move(std::get<offset + I>(t))...);
  }
}

template <class... Args>
struct YieldReturn {
  using tuple = std::tuple<std::decay_t<Args>...>;
  using type = decltype(yield_value(std::declval<tuple&&>(), nullptr,
                                    std::make_index_sequence<(sizeof...(Args) > 0 && is_error_code_v<std::tuple_element_t<0, std::tuple<Args..., int>>>)
                                                                 ? sizeof...(Args) - 1
                                                                 : sizeof...(Args)>{}));
};

}  // namespace detail
}  // namespace grove

namespace boost::asio {

template <class Cancel, class R, class... Args>
class async_result<grove::basic_yield<Cancel>, R(Args...)> {
 public:
  using return_type = typename grove::detail::YieldReturn<Args...>::type;
  using completion_handler_type = grove::detail::YieldHandler<Args...>;

  template <class Initiation, class RawToken, class... InitArgs>
  static return_type initiate(Initiation&& init, RawToken&& token, InitArgs&&... init_args) {
    using namespace grove::detail;
    Scheduler& s = scheduler();
    s.require_fiber_context("grove::yield");
    grove::basic_yield<Cancel> tok(std::forward<RawToken>(token));
    YieldResult<Args...> result;
    OpWaiter waiter(s);
    std::forward<Initiation>(init)(YieldHandler<Args...>{&waiter, &result, s.io().get_executor()},
                                   std::forward<InitArgs>(init_args)...);
    if (waiter.wait(grove::TimePoint::max(), "grove::yield", tok.canceller()) == OpWaiter::Outcome::interrupted)
      s.raise_pending();
    constexpr bool has_ec = sizeof...(Args) > 0 && is_error_code_v<std::tuple_element_t<0, std::tuple<Args..., int>>>;
    constexpr std::size_t rest = has_ec ? sizeof...(Args) - 1 : sizeof...(Args);
    return yield_value(std::move(*result.values), tok.error_target(), std::make_index_sequence<rest>{});
  }
};

}  // namespace boost::asio
