// io_error.cpp — the grove.io error category, IoError, SIGPIPE.

#include <grove/io_error.hpp>

#include <grove/errors.hpp>
#include <grove/detail/hub_check.hpp>
#include <grove/detail/one_user.hpp>

#include <boost/asio/error.hpp>

#include <csignal>
#include <mutex>

namespace grove {

namespace {

class IoCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "grove.io"; }
  std::string message(int ev) const override {
    switch (static_cast<io_errc>(ev)) {
      case io_errc::line_too_long: return "line too long: no newline within the maximum line length";
      case io_errc::closed_by_other: return "closed by another fiber while waiting";
      case io_errc::not_connected: return "not open";
    }
    return "grove.io error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& io_category() noexcept {
  static const IoCategory category;
  return category;
}

IoError::IoError(const boost::system::error_code& ec, const std::string& what)
    : Error(what + ": " + ec.message()), asio_code_(ec) {}

namespace detail {

void throw_io_error(const boost::system::error_code& ec, const char* what) {
  if (ec == boost::asio::error::timed_out) throw IoTimeout(ec, what);
  throw IoError(ec, what);
}

void throw_wrong_hub(const char* what) {
  throw UsageError(std::string("grove: ") + what +
                   ": this I/O object belongs to another thread's hub; use it only on the thread that made it");
}

void throw_concurrent_use(const char* what, const FiberBase& user) {
  throw ConcurrentUseError(std::string("grove: ") + what + ": fiber '" + user.display_name() +
                           "' is already waiting on this object in the same direction; one fiber may read and one "
                           "may write at a time: give the object to one fiber, or serialise the calls with a "
                           "grove::Lock");
}

void ignore_sigpipe() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL &&
        !(current.sa_flags & SA_SIGINFO)) {
      struct sigaction ignore {};
      ignore.sa_handler = SIG_IGN;
      sigemptyset(&ignore.sa_mask);
      ::sigaction(SIGPIPE, &ignore, nullptr);
    }
  });
}

}  // namespace detail

}  // namespace grove
