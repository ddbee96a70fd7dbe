#pragma once
// detail/run_io.hpp — run_io, the one retry loop around detail::run_op that
// every green I/O call on an open object shares (TcpSocket, UnixSocket,
// TlsStream, UdpSocket, UnixDatagramSocket):
//
//   std::size_t n = detail::run_io(s, deadline, "TcpSocket::recv", socket_, ec,
//       [&](auto handler) { socket_.async_read_some(buffer, std::move(handler)); },
//       [this] { cancel_io(); });
//
// Contract. Before each attempt the fiber's pending interrupt is raised,
// and a closed object reports io_errc::not_connected. The operation then
// runs through run_op with the object as its IoTarget (detail/io_target.hpp):
// an abort that another fiber's cancel_io() caused starts it again, a close
// by another fiber reports closed_by_other, a deadline timed_out, and an
// interrupt is raised unless bytes moved (run_op.hpp, settle_op). It returns
// the bytes the operation reported and sets ec. Result is run_op's result
// type (OpResult, or one derived from it that rewrites errors, as TLS does).

#include <grove/io_error.hpp>
#include <grove/detail/io_target.hpp>
#include <grove/detail/run_op.hpp>
#include <grove/detail/scheduler.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>

namespace grove::detail {

// `inline` is deliberate: GCC treats a function template without it as an
// "auto" inline candidate with a small size limit, and then calls run_io and
// run_op out of line (+5% Ir per UDP round trip, docs/benchmarks.md). The
// Start lambda makes each instantiation particular to one call site.
template <class Result = OpResult, class Object, class Start, class Cancel>
inline std::size_t run_io(Scheduler& s, TimePoint deadline, const char* what, const Object& object,
                          boost::system::error_code& ec, Start&& start, Cancel&& cancel) {
  for (;;) {
    s.raise_pending();
    if (!object.is_open()) {
      ec = io_errc::not_connected;
      return 0;
    }
    Result r;
    if (run_op(s, deadline, what, r, start, cancel, io_target(object)) == OpStatus::retry) continue;
    ec = r.ec;
    return r.bytes;
  }
}

}  // namespace grove::detail
