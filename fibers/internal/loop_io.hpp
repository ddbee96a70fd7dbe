#pragma once
// internal/loop_io.hpp — the Asio objects the hub's loop owns: the timer
// that wakes the io_context for the next deadline and the work guard that
// keeps it running while another thread may still end a wait. Private to
// fibers/*.cpp: detail/scheduler.hpp only names them, so that including a
// primitive does not pull in Asio (docs/design/hub.md).

#include <grove/detail/scheduler.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <optional>

namespace grove::detail {

struct Scheduler::LoopIo {
  explicit LoopIo(boost::asio::io_context& io) : wakeup_timer(io) {}
  boost::asio::steady_timer wakeup_timer;  // armed for the earliest strong timer
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> keep_alive;  // hold()
};

}  // namespace grove::detail
