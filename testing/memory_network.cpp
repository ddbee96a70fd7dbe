// memory_network.cpp — MemoryNetwork and MemoryListener: addresses,
// connecting (a round trip through partitions), accepting, faults.

#include <grove/testing/memory_network.hpp>

#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/io_error.hpp>
#include <grove/testing/detail/memory_state.hpp>
#include <grove/detail/hub_check.hpp>

#include <boost/asio/error.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace grove::testing {

namespace asio = boost::asio;

// ------------------------------------------------------------ the engine

namespace detail {

std::vector<std::shared_ptr<Connection>> NetState::live() {
  std::vector<std::shared_ptr<Connection>> out;
  for (auto& weak : connections)
    if (auto c = weak.lock()) out.push_back(std::move(c));
  return out;
}

void NetState::track(const std::shared_ptr<Connection>& c) {
  if (connections.size() >= 64 && connections.size() % 64 == 0)
    std::erase_if(connections, [](const std::weak_ptr<Connection>& w) { return w.expired(); });
  connections.push_back(c);
}

std::pair<std::string_view, std::string_view> split_address(std::string_view address) {
  auto colon = address.rfind(':');
  bool ok = colon != std::string_view::npos && colon > 0 && colon + 1 < address.size();
  if (ok) {
    unsigned port = 0;
    auto port_text = address.substr(colon + 1);
    auto [end, err] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    ok = err == std::errc() && end == port_text.data() + port_text.size() && port <= 65535;
  }
  if (!ok)
    throw UsageError("grove::testing::MemoryNetwork: '" + std::string(address) +
                     "' is not an address of the form host:port");
  return {address.substr(0, colon), address.substr(colon + 1)};
}

bool wait_until(Scheduler& s, TimePoint when, TimePoint deadline, const char* what) {
  const TimePoint until = std::min(when, deadline);
  while (s.now() < until) s.park_until(until, what);
  return when <= deadline;
}

}  // namespace detail

// -------------------------------------------------------------- listener

MemoryListener::MemoryListener(std::shared_ptr<detail::NetState> net, std::shared_ptr<detail::ListenerState> state)
    : net_(std::move(net)), state_(std::move(state)) {}

MemoryListener& MemoryListener::operator=(MemoryListener&& other) noexcept {
  if (this != &other) {
    close();
    net_ = std::move(other.net_);
    state_ = std::move(other.state_);
  }
  return *this;
}

MemoryListener::~MemoryListener() { close(); }

const std::string& MemoryListener::address() const noexcept { return state_->address; }
bool MemoryListener::is_open() const noexcept { return state_ && state_->open; }
std::size_t MemoryListener::pending() const noexcept { return state_ ? state_->backlog.size() : 0; }

void MemoryListener::close() noexcept {
  if (!is_open()) return;
  state_->open = false;
  if (auto it = net_->listeners.find(state_->address); it != net_->listeners.end() && it->second == state_.get())
    net_->listeners.erase(it);
  // Connections nobody accepted are refused late: their clients see a reset.
  for (auto& c : state_->backlog) c->abort();
  state_->backlog.clear();
  state_->acceptors.notify_all();
}

std::unique_ptr<MemoryStream> MemoryListener::accept(error_code& ec) {
  ec = {};
  auto& s = grove::detail::scheduler();
  grove::detail::check_hub(net_ ? net_->owner : &s, "MemoryListener::accept");
  s.raise_pending();
  if (!is_open()) {
    ec = io_errc::not_connected;
    return nullptr;
  }
  auto state = state_;  // the listener may be moved from while this fiber waits
  state->acceptors.wait("MemoryListener::accept", [&state] { return !state->open || !state->backlog.empty(); });
  if (!state->open) {
    ec = io_errc::closed_by_other;
    return nullptr;
  }
  auto c = std::move(state->backlog.front());
  state->backlog.pop_front();
  return std::unique_ptr<MemoryStream>(new MemoryStream(std::move(c), 1));
}

std::unique_ptr<MemoryStream> MemoryListener::accept() {
  error_code ec;
  auto stream = accept(ec);
  if (ec) grove::detail::throw_io_error(ec, ("MemoryListener::accept " + address()).c_str());
  return stream;
}

// --------------------------------------------------------------- network

MemoryNetwork::MemoryNetwork(MemoryNetworkOptions options)
    : state_(std::make_shared<detail::NetState>(grove::detail::scheduler())) {
  state_->latency = to_duration(options.latency, "MemoryNetwork latency");
  state_->connect_timeout = to_duration(options.connect_timeout, "MemoryNetwork connect_timeout");
  if (options.buffer_bytes == 0) throw UsageError("grove::testing::MemoryNetwork: buffer_bytes must be positive");
  state_->buffer_bytes = options.buffer_bytes;
}

MemoryListener MemoryNetwork::listen(std::string_view address, error_code& ec) {
  ec = {};
  grove::detail::check_hub(state_->owner, "MemoryNetwork::listen");
  auto [host, port] = detail::split_address(address);
  std::string bound(address);
  if (port == "0") bound = std::string(host) + ":" + std::to_string(state_->next_port++);
  auto listener_state = std::make_shared<detail::ListenerState>();
  listener_state->address = bound;
  if (state_->listeners.count(bound)) {
    ec = asio::error::address_in_use;
    listener_state->open = false;
    return MemoryListener(state_, std::move(listener_state));
  }
  state_->listeners.emplace(bound, listener_state.get());
  return MemoryListener(state_, std::move(listener_state));
}

MemoryListener MemoryNetwork::listen(std::string_view address) {
  error_code ec;
  auto listener = listen(address, ec);
  if (ec) grove::detail::throw_io_error(ec, ("MemoryNetwork::listen " + std::string(address)).c_str());
  return listener;
}

std::unique_ptr<MemoryStream> MemoryNetwork::connect(std::string_view address, error_code& ec, ConnectOptions options) {
  ec = {};
  auto& s = grove::detail::scheduler();
  grove::detail::check_hub(state_->owner, "MemoryNetwork::connect");
  auto [host, port] = detail::split_address(address);
  if (options.from.empty()) throw UsageError("grove::testing::MemoryNetwork::connect: 'from' names no host");
  const TimePoint deadline = options.timeout ? options.timeout->resolve(s.now(), "MemoryNetwork::connect")
                                             : deadline_after(s.now(), state_->connect_timeout);
  auto& net = *state_;
  s.raise_pending();
  // The SYN waits out a partition, then travels one latency.
  if (!net.heal_waiters.wait_until(deadline, "MemoryNetwork::connect (partitioned)",
                                   [&net, &options, h = host] { return !net.partitioned(options.from, h); })) {
    ec = asio::error::timed_out;
    return nullptr;
  }
  if (!detail::wait_until(s, s.now() + net.latency, deadline, "MemoryNetwork::connect")) {
    ec = asio::error::timed_out;
    return nullptr;
  }
  auto it = net.listeners.find(address);
  if (it == net.listeners.end() || !it->second->open) {
    ++net.refused;
    // The refusal travels back.
    if (!detail::wait_until(s, s.now() + net.latency, deadline, "MemoryNetwork::connect")) {
      ec = asio::error::timed_out;
      return nullptr;
    }
    ec = asio::error::connection_refused;
    return nullptr;
  }
  auto c = std::make_shared<detail::Connection>();
  c->net = state_;
  c->id = net.next_connection++;
  c->address[0] = options.from + ":" + std::to_string(net.next_port++);
  c->address[1] = std::string(address);
  c->pipes[0].src_host = c->pipes[1].dst_host = options.from;
  c->pipes[0].dst_host = c->pipes[1].src_host = std::string(host);
  net.track(c);
  ++net.opened;
  it->second->backlog.push_back(c);
  it->second->acceptors.notify_one();
  std::unique_ptr<MemoryStream> stream(new MemoryStream(std::move(c), 0));
  // The acceptance travels back (the stream closes if this is interrupted).
  if (!detail::wait_until(s, s.now() + net.latency, deadline, "MemoryNetwork::connect")) {
    ec = asio::error::timed_out;
    return nullptr;
  }
  return stream;
}

std::unique_ptr<MemoryStream> MemoryNetwork::connect(std::string_view address, ConnectOptions options) {
  error_code ec;
  auto stream = connect(address, ec, std::move(options));
  if (ec) grove::detail::throw_io_error(ec, ("MemoryNetwork::connect " + std::string(address)).c_str());
  return stream;
}

// ---------------------------------------------------------------- faults

void MemoryNetwork::partition(std::string_view a, std::string_view b) {
  if (a == b) throw UsageError("grove::testing::MemoryNetwork::partition: a host cannot be cut from itself");
  state_->partitions.emplace(std::min(a, b), std::max(a, b));
}

bool MemoryNetwork::partitioned(std::string_view a, std::string_view b) const { return state_->partitioned(a, b); }

namespace {

// rejoin() lets the bytes held up by a healed partition flow again: they
// arrive a latency after the heal, in order.
void rejoin(detail::NetState& net, std::string_view a, std::string_view b, bool every_pair) {
  const TimePoint arrival = net.owner->now() + net.latency;
  for (auto& c : net.live()) {
    for (auto& p : c->pipes) {
      bool crosses = every_pair || (p.src_host == a && p.dst_host == b) || (p.src_host == b && p.dst_host == a);
      if (!crosses || net.partitioned(p.src_host, p.dst_host)) continue;
      for (auto& seg : p.segments) seg.ready_at = std::max(seg.ready_at, arrival);
    }
    c->wake_all();
  }
  net.heal_waiters.notify_all();
}

}  // namespace

void MemoryNetwork::heal(std::string_view a, std::string_view b) {
  grove::detail::check_hub(state_->owner, "MemoryNetwork::heal");
  if (state_->partitions.erase({std::string(std::min(a, b)), std::string(std::max(a, b))}) == 0) return;
  rejoin(*state_, a, b, false);
}

void MemoryNetwork::heal() {
  grove::detail::check_hub(state_->owner, "MemoryNetwork::heal");
  if (state_->partitions.empty()) return;
  state_->partitions.clear();
  rejoin(*state_, {}, {}, true);
}

void MemoryNetwork::reset(Stream& stream) {
  grove::detail::check_hub(state_->owner, "MemoryNetwork::reset");
  auto* memory = dynamic_cast<MemoryStream*>(&stream);
  if (!memory || !memory->connection_ || memory->connection_->net != state_)
    throw UsageError("grove::testing::MemoryNetwork::reset: the stream is not a connection of this network");
  memory->connection_->abort();
}

std::size_t MemoryNetwork::reset_all(std::string_view host) {
  grove::detail::check_hub(state_->owner, "MemoryNetwork::reset_all");
  std::size_t n = 0;
  for (auto& c : state_->live()) {
    if (c->reset || (!c->open[0] && !c->open[1])) continue;
    if (c->pipes[0].src_host == host || c->pipes[0].dst_host == host) {
      c->abort();
      ++n;
    }
  }
  return n;
}

std::size_t MemoryNetwork::reset(std::string_view a, std::string_view b) {
  grove::detail::check_hub(state_->owner, "MemoryNetwork::reset");
  std::size_t n = 0;
  for (auto& c : state_->live()) {
    if (c->reset || (!c->open[0] && !c->open[1])) continue;
    const auto& src = c->pipes[0].src_host;
    const auto& dst = c->pipes[0].dst_host;
    if ((src == a && dst == b) || (src == b && dst == a)) {
      c->abort();
      ++n;
    }
  }
  return n;
}

void MemoryNetwork::clog(std::string_view a, std::string_view b, Duration extra) {
  if (a == b) throw UsageError("grove::testing::MemoryNetwork::clog: a host cannot be clogged from itself");
  extra = to_duration(extra, "MemoryNetwork::clog");
  state_->clogs[{std::string(std::min(a, b)), std::string(std::max(a, b))}] = extra;
}

void MemoryNetwork::unclog(std::string_view a, std::string_view b) {
  state_->clogs.erase({std::string(std::min(a, b)), std::string(std::max(a, b))});
}

void MemoryNetwork::unclog() { state_->clogs.clear(); }

std::vector<std::pair<std::string, std::string>> MemoryNetwork::links() const {
  std::set<std::pair<std::string, std::string>> pairs;
  for (auto& c : state_->live()) {
    if (c->reset || (!c->open[0] && !c->open[1])) continue;
    const auto& src = c->pipes[0].src_host;
    const auto& dst = c->pipes[0].dst_host;
    if (src != dst) pairs.emplace(std::min(src, dst), std::max(src, dst));
  }
  return {pairs.begin(), pairs.end()};
}

void MemoryNetwork::set_latency(Duration latency) {
  state_->latency = to_duration(latency, "MemoryNetwork::set_latency");
}
Duration MemoryNetwork::latency() const noexcept { return state_->latency; }

MemoryNetworkStats MemoryNetwork::stats() const noexcept { return {state_->opened, state_->refused, state_->resets}; }

std::size_t MemoryNetwork::open_connections() const {
  std::size_t n = 0;
  for (auto& c : state_->live())
    if (c->open[0] || c->open[1]) ++n;
  return n;
}

}  // namespace grove::testing
