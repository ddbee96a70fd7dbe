#pragma once
// io_error.hpp — how grove's I/O reports failure. Every blocking I/O call
// has two forms (as Asio): one that throws IoError (a grove::Error; IoTimeout
// when a deadline passed), and one that takes a boost::system::error_code& and reports through it.
// Interrupts are not errors: an enclosing grove::Timeout or kill() raises
// its own exception out of either form.

#include <grove/errors.hpp>

#include <boost/system/error_code.hpp>

#include <string>
#include <system_error>

namespace grove {

// io_errc are grove's own I/O error conditions (category "grove.io").
enum class io_errc {
  line_too_long = 1,    // read_line(): no newline within the maximum length
  closed_by_other = 2,  // the object was closed by another fiber while this one waited
  not_connected = 3,    // the object is not open
};

const boost::system::error_category& io_category() noexcept;
inline boost::system::error_code make_error_code(io_errc e) noexcept {
  return boost::system::error_code(static_cast<int>(e), io_category());
}

// IoError is the exception of every throwing I/O call: a grove::Error
// whose what() names the call and the error, and which keeps the error code.
class IoError : public Error {
 public:
  IoError(const boost::system::error_code& ec, const std::string& what);
  // code() is the error as a std::error_code (value() is the errno for
  // system errors); asio_code() is the boost::system::error_code the call
  // failed with (compare it with boost::asio::error::... or grove::io_errc).
  std::error_code code() const noexcept { return std::error_code(asio_code_); }
  const boost::system::error_code& asio_code() const noexcept { return asio_code_; }

 private:
  boost::system::error_code asio_code_;
};

// IoTimeout is the IoError of a call whose deadline (set_timeout, a
// connect timeout) passed: error timed_out. It is a TimeoutError.
class IoTimeout : public IoError, public TimeoutError {
 public:
  using IoError::IoError;
  const char* what() const noexcept override { return IoError::what(); }
};

// ConcurrentUseError is thrown when a second fiber tries to read (or
// write) an I/O object that another fiber is already reading (writing):
// gevent's ConcurrentObjectUseError. One reader and one writer may work at
// once; hand the object to one fiber, or serialise with a grove::Lock.
class ConcurrentUseError : public UsageError {
 public:
  using UsageError::UsageError;
};

namespace detail {
// throw_if() throws IoError(ec, what) when ec is set.
void throw_io_error(const boost::system::error_code& ec, const char* what);
inline void throw_if(const boost::system::error_code& ec, const char* what) {
  if (ec) [[unlikely]] throw_io_error(ec, what);
}
// ignore_sigpipe() makes SIGPIPE harmless once per process (when its
// disposition is still the default); sends also pass MSG_NOSIGNAL.
void ignore_sigpipe() noexcept;
}  // namespace detail

}  // namespace grove

namespace boost::system {
template <>
struct is_error_code_enum<grove::io_errc> : std::true_type {};
}  // namespace boost::system
