#pragma once
// detail/run_op.hpp — run_op, the one bridge from an Asio asynchronous
// operation to a parked fiber, and settle_op, the one mapping of how it
// ended to what its caller reports. Every green I/O call (TcpSocket,
// TlsStream, UdpSocket, ZmqSocket, TcpListener, wait_fd) and grove::yield
// go through it:
//
//   detail::OpResult r;
//   auto status = detail::run_op(s, deadline, "TcpSocket::recv", r,
//       [&](auto handler) { socket_.async_read_some(buffer, std::move(handler)); },
//       [this] { cancel_io(); },          // what stops the operation early
//       detail::IoTarget<TcpSocket>{this});  // what an abort by another fiber means
//   if (status == detail::OpStatus::retry) continue;   // another fiber's cancel: start again
//   ec = r.ec; return r.bytes;
//
// run_op starts the operation with a handler that stores what it reports
// and wakes the fiber, parks on an OpWaiter until the handler has run (on a
// deadline or an interrupt it calls cancel() and still waits, so buffers on
// the fiber's stack stay valid), then settles the result. Hub thread, from
// a fiber only.

#include <grove/duration.hpp>
#include <grove/detail/op_waiter.hpp>
#include <grove/detail/scheduler.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace grove::detail {

// OpStatus: done (the result is final) or retry (start the operation again).
enum class OpStatus : bool { done, retry };

// NoTarget: the operation runs on nothing grove can re-check (grove::yield).
struct NoTarget {};

// A ReopenTarget is the object an operation runs on, for rule 4 below:
// is_open() is false once another fiber closed it; closed_error() is what
// the caller then reports (grove's I/O objects: io_errc::closed_by_other,
// see io/grove/detail/io_target.hpp).
template <class T>
concept ReopenTarget = requires(const T& t) {
  { t.is_open() } -> std::convertible_to<bool>;
  { t.closed_error() } -> std::convertible_to<boost::system::error_code>;
};

// settle_op() is THE mapping from an operation's outcome (OpWaiter's
// completed / timed_out / interrupted) and its handler's (ec, bytes) to the
// caller's result; it rewrites ec in place. In order:
//  1. The operation took effect — no error, or bytes moved, or the end of
//     the stream (eof): the result stands as reported, even if the deadline
//     passed or an interrupt came meanwhile. Such an interrupt stays pending
//     and is raised at the fiber's next suspension point: what arrived is
//     never lost. (Asio's *_some operations never report bytes together
//     with an error; composed operations through grove::yield can, and
//     then return both.)
//  2. Interrupted (Timeout, kill): the interrupt is raised now.
//  3. The deadline passed: ec = timed_out.
//  4. operation_aborted that this call did not ask for: another fiber
//     cancelled the object's I/O (cancel_io(), or close()). While the
//     target is open: OpStatus::retry (the cancel was meant for another
//     waiter; start again). Once it is closed: ec = target.closed_error().
//     With NoTarget (grove::yield) it stays operation_aborted.
//  5. Any other error stands.
template <class Target>
OpStatus settle_op(Scheduler& s, OpWaiter::Outcome outcome, boost::system::error_code& ec, std::size_t bytes,
                   const Target& target) {
  if (!ec || bytes > 0 || ec == boost::asio::error::eof) [[likely]]
    return OpStatus::done;
  if (outcome == OpWaiter::Outcome::interrupted) s.raise_pending();
  if (outcome == OpWaiter::Outcome::timed_out) {
    ec = boost::asio::error::timed_out;
    return OpStatus::done;
  }
  if constexpr (ReopenTarget<Target>) {
    if (ec == boost::asio::error::operation_aborted) {
      if (target.is_open()) return OpStatus::retry;
      ec = target.closed_error();
    }
  } else {
    static_assert(std::is_same_v<Target, NoTarget>, "run_op: a target needs is_open() and closed_error()");
  }
  return OpStatus::done;
}

// OpResult is the (error_code[, bytes]) of a plain Asio operation. A
// run_op result type provides handler(waiter) — the completion handler
// that stores into it and calls waiter.complete() — error() and
// transferred(); grove::yield's YieldResult is the other one.
struct OpResult {
  boost::system::error_code ec;
  std::size_t bytes = 0;

  struct Handler {
    OpWaiter* waiter;
    OpResult* result;
    void operator()(const boost::system::error_code& e) noexcept {
      result->ec = e;
      waiter->complete();
    }
    void operator()(const boost::system::error_code& e, std::size_t n) noexcept {
      result->ec = e;
      result->bytes = n;
      waiter->complete();
    }
  };
  Handler handler(OpWaiter& w) noexcept { return Handler{&w, this}; }
  boost::system::error_code& error() noexcept { return ec; }
  std::size_t transferred() const noexcept { return bytes; }
};

// run_op(s, deadline, what, result, start, cancel, target) runs one
// operation: start(handler) initiates it (the handler may run inside
// start), the fiber parks as `what` (the name LoopExit prints) until the
// handler has run, and settle_op() maps the outcome. cancel() is called
// (its exceptions swallowed) when the deadline passes or an interrupt comes
// first; the fiber then waits for the handler anyway, deferring further
// interrupts. Throws the interrupt (rule 2) or LoopExit. Declared `inline`
// so that GCC inlines it into its one call site (see detail/run_io.hpp).
template <class Result, class Start, class Cancel, class Target = NoTarget>
inline OpStatus run_op(Scheduler& s, TimePoint deadline, const char* what, Result& result, Start&& start,
                       Cancel&& cancel, const Target& target = Target{}) {
  OpWaiter waiter(s);
  std::forward<Start>(start)(result.handler(waiter));
  const OpWaiter::Outcome outcome = waiter.wait(deadline, what, cancel);
  return settle_op(s, outcome, result.error(), result.transferred(), target);
}

}  // namespace grove::detail
