// memory_stream.cpp — MemoryStream: reads and writes through a connection's
// pipes, each wait a predicate on a detail::WaitQueue, deadlines on the hub's clock.

#include <grove/testing/memory_stream.hpp>

#include <grove/hub.hpp>
#include <grove/io_error.hpp>
#include <grove/testing/detail/memory_state.hpp>
#include <grove/detail/hub_check.hpp>

#include <boost/asio/error.hpp>

#include <algorithm>
#include <cstring>

namespace grove::testing {

namespace asio = boost::asio;

namespace detail {

void Connection::wake_all() noexcept {
  for (Pipe& p : pipes) {
    p.readers.notify_all();
    p.writers.notify_all();
  }
}

void Connection::abort() noexcept {
  if (reset) return;
  reset = true;
  for (Pipe& p : pipes) {
    p.segments.clear();
    p.in_flight = 0;
  }
  ++net->resets;
  wake_all();
}

}  // namespace detail

MemoryStream::MemoryStream(std::shared_ptr<detail::Connection> connection, int side)
    : connection_(std::move(connection)), side_(side) {}

MemoryStream::~MemoryStream() { close(); }

bool MemoryStream::is_open() const noexcept { return connection_ && connection_->open[side_]; }

const std::string& MemoryStream::local_address() const noexcept { return connection_->address[side_]; }
const std::string& MemoryStream::remote_address() const noexcept { return connection_->address[1 - side_]; }
std::uint64_t MemoryStream::id() const noexcept { return connection_->id; }

MemoryStream::Stats MemoryStream::stats() const noexcept {
  return {connection_->pipes[side_].bytes_written, connection_->pipes[1 - side_].bytes_read};
}

std::string MemoryStream::describe() const { return "memory " + local_address() + " <-> " + remote_address(); }

void MemoryStream::close() noexcept {
  if (!is_open()) return;
  auto& c = *connection_;
  c.open[side_] = false;
  detail::Pipe& out = c.pipes[side_];
  detail::Pipe& in = c.pipes[1 - side_];
  if (!c.reset && !out.fin_queued) {
    // A graceful close: the peer reads what is in flight, then the end.
    // (A stream destroyed after its hub has no one left to tell.)
    out.fin_queued = true;
    if (grove::detail::tls_scheduler == c.net->owner)
      out.segments.push_back({c.net->owner->now() + c.net->delay(out.src_host, out.dst_host), {}, 0, true});
  }
  // What the peer sent and this side will never read is dropped.
  in.segments.clear();
  in.in_flight = 0;
  c.wake_all();
}

void MemoryStream::shutdown_send(error_code& ec) {
  ec = {};
  if (connection_) grove::detail::check_hub(connection_->net->owner, "MemoryStream::shutdown_send");
  if (!is_open()) {
    ec = io_errc::not_connected;
    return;
  }
  auto& c = *connection_;
  if (c.reset) {
    ec = asio::error::connection_reset;
    return;
  }
  detail::Pipe& out = c.pipes[side_];
  if (out.fin_queued) return;
  out.fin_queued = true;
  out.segments.push_back({c.net->owner->now() + c.net->delay(out.src_host, out.dst_host), {}, 0, true});
  out.readers.notify_all();
}

std::size_t MemoryStream::read_raw(void* data, std::size_t size, error_code& ec, TimePoint deadline) {
  auto& s = grove::detail::scheduler();
  grove::detail::check_hub(connection_ ? connection_->net->owner : &s, "MemoryStream::recv");
  s.raise_pending();
  if (!is_open()) {
    ec = io_errc::not_connected;
    return 0;
  }
  auto& c = *connection_;
  detail::Pipe& in = c.pipes[1 - side_];
  for (;;) {
    if (!c.open[side_]) {
      ec = io_errc::closed_by_other;
      return 0;
    }
    if (c.reset) {
      ec = asio::error::connection_reset;
      return 0;
    }
    const TimePoint now = s.now();
    const bool cut = c.net->partitioned(in.src_host, in.dst_host);
    if (const detail::Segment* first = cut ? nullptr : in.arrived(now)) {
      if (first->fin) {
        ec = asio::error::eof;  // the end stays queued: later reads see it too
        return 0;
      }
      detail::Segment& seg = in.segments.front();
      const std::size_t n = std::min(size, seg.bytes.size() - seg.offset);
      std::memcpy(data, seg.bytes.data() + seg.offset, n);
      seg.offset += n;
      if (seg.offset == seg.bytes.size()) in.segments.pop_front();
      in.in_flight -= n;
      in.bytes_read += n;
      in.writers.notify_all();
      ec = {};
      return n;
    }
    if (now >= deadline) {
      ec = asio::error::timed_out;
      return 0;
    }
    // Wait for a writer, a fault, or the first segment's arrival: until the
    // loop above has something new to look at (or the first segment's
    // arrival time, when the wait ends on its own).
    TimePoint until = deadline;
    if (!cut && !in.segments.empty()) until = std::min(until, in.segments.front().ready_at);
    (void)in.readers.wait_until(until, "MemoryStream::recv", [&, was_empty = in.segments.empty()] {
      return !c.open[side_] || c.reset || in.segments.empty() != was_empty ||
             c.net->partitioned(in.src_host, in.dst_host) != cut || (!cut && in.arrived(s.now()) != nullptr);
    });
  }
}

std::size_t MemoryStream::write_raw(const void* data, std::size_t size, error_code& ec, TimePoint deadline) {
  auto& s = grove::detail::scheduler();
  grove::detail::check_hub(connection_ ? connection_->net->owner : &s, "MemoryStream::send");
  s.raise_pending();
  if (!is_open()) {
    ec = io_errc::not_connected;
    return 0;
  }
  auto& c = *connection_;
  detail::Pipe& out = c.pipes[side_];
  for (;;) {
    if (!c.open[side_]) {
      ec = io_errc::closed_by_other;
      return 0;
    }
    if (c.reset) {
      ec = asio::error::connection_reset;
      return 0;
    }
    if (out.fin_queued || !c.open[1 - side_]) {
      ec = asio::error::broken_pipe;
      return 0;
    }
    const std::size_t limit = c.net->buffer_bytes;
    if (out.in_flight < limit) {
      const std::size_t n = std::min(size, limit - out.in_flight);
      const TimePoint ready_at = s.now() + c.net->delay(out.src_host, out.dst_host);
      const char* p = static_cast<const char*>(data);
      if (!out.segments.empty() && out.segments.back().ready_at == ready_at && !out.segments.back().fin)
        out.segments.back().bytes.append(p, n);
      else out.segments.push_back({ready_at, std::string(p, n), 0, false});
      out.in_flight += n;
      out.bytes_written += n;
      out.readers.notify_all();
      ec = {};
      return n;
    }
    if (s.now() >= deadline) {
      ec = asio::error::timed_out;
      return 0;
    }
    // Wait for room in the window, or a fault; the loop above re-checks.
    (void)out.writers.wait_until(deadline, "MemoryStream::send (window full)", [&] {
      return !c.open[side_] || c.reset || out.fin_queued || !c.open[1 - side_] || out.in_flight < c.net->buffer_bytes;
    });
  }
}

}  // namespace grove::testing
