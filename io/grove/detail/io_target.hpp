#pragma once
// detail/io_target.hpp — IoTarget, the run_op target of grove's I/O
// objects (detail/run_op.hpp, rule 4): an operation aborted by another
// fiber's cancel is started again while the object is open, and fails with
// io_errc::closed_by_other once another fiber has closed it.

#include <grove/io_error.hpp>

#include <boost/system/error_code.hpp>

namespace grove::detail {

// IoTarget<Object>: Object has is_open(); it must outlive the operation.
template <class Object>
struct IoTarget {
  const Object* object;
  bool is_open() const noexcept { return object->is_open(); }
  static boost::system::error_code closed_error() noexcept { return io_errc::closed_by_other; }
};

template <class Object>
IoTarget<Object> io_target(const Object& object) noexcept {
  return IoTarget<Object>{&object};
}

}  // namespace grove::detail
