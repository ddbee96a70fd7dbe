#pragma once
// detail/memory_state.hpp — the engine behind MemoryNetwork: the shared
// network state (listeners, partitions, live connections) and one
// connection's two pipes. Everything here belongs to one hub's thread and
// is touched only by its fibers; waits park on the one Waiter primitive and
// every deadline is measured on the hub's clock.

#include <grove/duration.hpp>
#include <grove/detail/scheduler.hpp>
#include <grove/detail/wait_queue.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace grove::testing::detail {

using grove::detail::Scheduler;
using grove::detail::WaitQueue;

// Segment is bytes written at once that become readable at ready_at (the
// write time plus the latency), or the end of the stream when fin is set.
struct Segment {
  TimePoint ready_at;
  std::string bytes;
  std::size_t offset = 0;  // bytes before offset were read already
  bool fin = false;
};

// Pipe is one direction of a connection: written by one side, read by the
// other. in_flight counts bytes written and not yet read (the window).
struct Pipe {
  std::string src_host;
  std::string dst_host;
  std::deque<Segment> segments;
  std::size_t in_flight = 0;
  bool fin_queued = false;  // the writer shut down its sending side
  WaitQueue readers;        // the reading side's fibers, waiting for data
  WaitQueue writers;        // the writing side's fibers, waiting for room
  std::uint64_t bytes_written = 0;
  std::uint64_t bytes_read = 0;

  // arrived(now) is the first segment when it has arrived by now.
  const Segment* arrived(TimePoint now) const noexcept {
    if (segments.empty() || segments.front().ready_at > now) return nullptr;
    return &segments.front();
  }
};

struct NetState;

// Connection is both ends of one connection: side 0 connected, side 1 was
// accepted. pipes[i] is written by side i and read by side 1 - i.
struct Connection {
  std::shared_ptr<NetState> net;
  std::uint64_t id = 0;
  std::string address[2];  // "host:port" of each side
  Pipe pipes[2];
  bool open[2] = {true, true};  // side i has not closed
  bool reset = false;           // reset: both sides fail with connection_reset

  // wake_all() wakes every fiber waiting on the connection (they re-check).
  void wake_all() noexcept;
  // abort() resets the connection: queued bytes are dropped, every waiter wakes.
  void abort() noexcept;
};

// ListenerState is one listening address and its backlog.
struct ListenerState {
  std::string address;
  std::deque<std::shared_ptr<Connection>> backlog;
  WaitQueue acceptors;
  bool open = true;
};

struct NetState {
  explicit NetState(Scheduler& owner) : owner(&owner) {}

  Scheduler* owner;
  Duration latency{};
  std::size_t buffer_bytes = 0;
  Duration connect_timeout{};
  std::map<std::string, ListenerState*, std::less<>> listeners;
  std::vector<std::weak_ptr<Connection>> connections;
  std::set<std::pair<std::string, std::string>> partitions;       // each pair sorted
  std::map<std::pair<std::string, std::string>, Duration> clogs;  // extra latency, each pair sorted
  WaitQueue heal_waiters;                                         // connects waiting for a partition to heal
  std::uint16_t next_port = 49152;
  std::uint64_t next_connection = 1;
  std::uint64_t opened = 0, refused = 0, resets = 0;

  bool partitioned(std::string_view a, std::string_view b) const {
    if (partitions.empty() || a == b) return false;
    auto key = a < b ? std::pair<std::string, std::string>(a, b) : std::pair<std::string, std::string>(b, a);
    return partitions.count(key) != 0;
  }
  // delay(src, dst) is how long bytes written now from src take to reach
  // dst: the latency, plus the pair's clog.
  Duration delay(std::string_view src, std::string_view dst) const {
    if (clogs.empty() || src == dst) return latency;
    auto key =
        src < dst ? std::pair<std::string, std::string>(src, dst) : std::pair<std::string, std::string>(dst, src);
    auto it = clogs.find(key);
    return it == clogs.end() ? latency : latency + it->second;
  }
  // live() is every connection still referenced by a stream or a backlog.
  std::vector<std::shared_ptr<Connection>> live();
  void track(const std::shared_ptr<Connection>& c);
};

// split_address("chat:5555") is {"chat", "5555"}; it throws UsageError for
// anything but "host:port" with a non-empty host and a numeric port.
std::pair<std::string_view, std::string_view> split_address(std::string_view address);

// wait_until(s, when, deadline, what) parks the running fiber until the
// hub's clock reaches when; false when the deadline came first. Timeout
// and kill() throw out of it.
bool wait_until(Scheduler& s, TimePoint when, TimePoint deadline, const char* what);

}  // namespace grove::testing::detail
