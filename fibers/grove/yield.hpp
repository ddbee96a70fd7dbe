#pragma once
// yield.hpp — grove::yield, the Asio completion token that runs any Asio
// asynchronous operation in synchronous style inside a fiber
// (docs/design/waiter.md, "Asio operations"):
//
//   std::size_t n = sock.async_read_some(buf, grove::yield);          // throws std::system_error
//   n = sock.async_read_some(buf, grove::yield[ec]);                  // reports ec instead
//   n = sock.async_read_some(buf, grove::yield.cancel_by(sock));      // Timeout/kill cancel it
//   n = sock.async_read_some(buf, grove::yield.cancel_by(sock).until(2s));  // and a deadline
//   http::async_read(s, b, res, grove::yield[ec].cancel_by([&] { s.close(); }));
//
// The initiating fiber parks in detail::run_op (run_op.hpp), the bridge
// every green I/O call uses; the completion handler (which runs in the
// hub's context: its associated executor is the hub's io_context, so
// operations of other executors complete there too) stores the results and
// wakes it. The value returned is the handler's argument after the
// error_code: nothing for void(error_code), T for void(error_code, T), a
// std::tuple for more.
//
// Cancellation contract. The waiting obeys Timeout, kill() and until(d):
// when the fiber is interrupted or the deadline passes while the operation
// is outstanding, the token calls its canceller — cancel_by(io_object)
// calls io_object.cancel(ec) (sockets, timers, resolvers), cancel_by(fn)
// calls fn() — then waits, deferring any further interrupt, until the
// handler has run. So no handler ever touches a dead stack, and buffers on
// the fiber's stack stay valid for as long as the operation may use them.
// Then run_op's one mapping applies (settle_op in run_op.hpp): an
// operation that took effect anyway (no error, or bytes moved, or eof)
// returns its result and the interrupt is raised at the fiber's next
// suspension point; otherwise the interrupt is raised now, and a passed
// deadline is error timed_out (std::system_error, or through yield[ec]).
// Plain grove::yield has no canceller: an interrupted fiber (or one whose
// deadline passed) waits for the operation to finish on its own, so give a
// canceller to anything that may never complete, and always with until().
// Use the token from a fiber on its hub's thread (not from an Asio handler).

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/detail/run_op.hpp>
#include <grove/detail/scheduler.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <concepts>
#include <cstddef>
#include <optional>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

namespace grove {

namespace detail {

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
// cancel_by(x) names what cancels the operation on Timeout/kill/deadline;
// until(d) gives it a deadline. Each returns a new token (order is free).
template <class Cancel = detail::NoCancel>
class basic_yield {
 public:
  constexpr basic_yield() = default;
  constexpr basic_yield(Cancel cancel, boost::system::error_code* ec, Deadline deadline = Deadline::never())
      : cancel_(std::move(cancel)), ec_(ec), deadline_(deadline) {}

  // yield[ec]: the operation's error goes to ec (cleared on success).
  basic_yield operator[](boost::system::error_code& ec) const { return basic_yield(cancel_, &ec, deadline_); }

  // cancel_by(io_object): io_object.cancel(ec) on interrupt or deadline;
  // the object must outlive the call. cancel_by(fn): fn() then.
  template <class T>
    requires detail::CancellableObject<T>
  basic_yield<detail::ObjectCancel<T>> cancel_by(T& io_object) const {
    return basic_yield<detail::ObjectCancel<T>>(detail::ObjectCancel<T>{&io_object}, ec_, deadline_);
  }
  template <class F>
    requires(std::invocable<std::decay_t<F>&> && !detail::CancellableObject<std::remove_reference_t<F>>)
  basic_yield<std::decay_t<F>> cancel_by(F&& fn) const {
    return basic_yield<std::decay_t<F>>(std::forward<F>(fn), ec_, deadline_);
  }

  // until(d): the operation must complete by d (a duration from the
  // operation's start, or a TimePoint); then it is cancelled and, unless it
  // took effect anyway, fails with timed_out. A negative or NaN duration
  // throws UsageError when the operation starts ("grove::yield.until").
  basic_yield until(Deadline deadline) const { return basic_yield(cancel_, ec_, deadline); }

  Cancel& canceller() noexcept { return cancel_; }
  boost::system::error_code* error_target() const noexcept { return ec_; }
  const Deadline& deadline() const noexcept { return deadline_; }

 private:
  Cancel cancel_{};
  boost::system::error_code* ec_ = nullptr;
  Deadline deadline_{};
};

using yield_t = basic_yield<>;

// yield is the completion token: pass it where Asio takes a handler.
inline constexpr yield_t yield{};

namespace detail {

// is_error_code<T> picks the signatures whose first argument is an error.
template <class T>
inline constexpr bool is_error_code_v = std::is_same_v<std::decay_t<T>, boost::system::error_code>;

template <class... Args>
inline constexpr bool has_error_code_v =
    sizeof...(Args) > 0 && is_error_code_v<std::tuple_element_t<0, std::tuple<Args..., int>>>;

// YieldResult stores what the handler was called with; it is run_op's
// result type (see OpResult): error() is the leading error_code (a dummy
// for signatures without one), transferred() a std::size_t right after it.
template <class... Args>
struct YieldResult {
  using executor_type = boost::asio::io_context::executor_type;
  std::optional<std::tuple<std::decay_t<Args>...>> values;
  executor_type executor;
  boost::system::error_code none;

  // Handler is the completion handler; it completes on the hub.
  struct Handler {
    using executor_type = YieldResult::executor_type;
    OpWaiter* waiter;
    YieldResult* result;
    executor_type get_executor() const noexcept { return result->executor; }
    template <class... A>
    void operator()(A&&... args) {
      result->values.emplace(std::forward<A>(args)...);
      waiter->complete();
    }
  };
  Handler handler(OpWaiter& w) noexcept { return Handler{&w, this}; }

  boost::system::error_code& error() noexcept {
    if constexpr (has_error_code_v<Args...>) {
      return std::get<0>(*values);
    } else {
      return none;
    }
  }
  std::size_t transferred() const noexcept {
    if constexpr (sizeof...(Args) == 2 && has_error_code_v<Args...>) {
      if constexpr (std::is_same_v<std::decay_t<std::tuple_element_t<1, std::tuple<Args...>>>, std::size_t>)
        return std::get<1>(*values);
    }
    return 0;
  }
};

// yield_value() turns the stored arguments into the call's return value,
// throwing (or reporting through ec) the leading error_code.
template <class... Args, std::size_t... I>
auto yield_value(std::tuple<Args...>&& t, boost::system::error_code* ec, std::index_sequence<I...>) {
  constexpr std::size_t offset = has_error_code_v<Args...> ? 1 : 0;
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
                                    std::make_index_sequence<has_error_code_v<Args...> ? sizeof...(Args) - 1
                                                                                        : sizeof...(Args)>{}));
};

}  // namespace detail
}  // namespace grove

namespace boost::asio {

template <class Cancel, class R, class... Args>
class async_result<grove::basic_yield<Cancel>, R(Args...)> {
 public:
  using return_type = typename grove::detail::YieldReturn<Args...>::type;
  using completion_handler_type = typename grove::detail::YieldResult<Args...>::Handler;

  template <class Initiation, class RawToken, class... InitArgs>
  static return_type initiate(Initiation&& init, RawToken&& token, InitArgs&&... init_args) {
    using namespace grove::detail;
    Scheduler& s = scheduler();
    s.require_fiber_context("grove::yield");
    grove::basic_yield<Cancel> tok(std::forward<RawToken>(token));
    const grove::TimePoint deadline =
        tok.deadline().is_never() ? grove::TimePoint::max() : tok.deadline().resolve(s.now(), "grove::yield.until");
    YieldResult<Args...> result{std::nullopt, s.io().get_executor(), {}};
    (void)run_op(
        s, deadline, "grove::yield", result,
        [&](auto handler) { std::forward<Initiation>(init)(std::move(handler), std::forward<InitArgs>(init_args)...); },
        tok.canceller());
    constexpr std::size_t rest = has_error_code_v<Args...> ? sizeof...(Args) - 1 : sizeof...(Args);
    return yield_value(std::move(*result.values), tok.error_target(), std::make_index_sequence<rest>{});
  }
};

}  // namespace boost::asio
