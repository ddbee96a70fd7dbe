// w10_driver --port P [--clients 1000] [--rate 1000] [--seconds 10]
//            [--room bench] [--server-pid PID] [--label grove-chat]
//
// The W10 driver (chat fan-out, ../../../shared/bench/WORKLOADS.md) for
// grove-chat's TCP line protocol, in plain single-threaded Asio. The sender
// joins first (`/nick sender`, `/join ROOM`), so the room exists before the
// clients come; then it connects CLIENTS clients to 127.0.0.1:P (`/nick cN`,
// `/join ROOM`, at most 64 connecting at once). Once
// every client has seen "* joined ROOM", the sender sends RATE messages per
// second for SECONDS seconds on a fixed schedule (message i is due at
// start + i/RATE; a late tick sends every message due), each carrying a
// run token, its index and the steady-clock time it was written. Every
// client parses each "[ROOM] sender: RUN I T" line of this run (older ones
// come from a room's backlog) and records now - T. The run ends when every
// client has every message, or 10 s after the last send.
//
// Prints one JSON line (WORKLOADS.md's shape plus W10's figures):
//   {"peer":LABEL,"config":"...","workload":"W10","n":deliveries,
//    "elapsed_ms":first send -> last delivery,"ns_per_op":...,
//    "ops_per_s":deliveries/s,"rss_kb":...,"hwm_kb":...(server's, with
//    --server-pid),"p50_us":...,"p99_us":...,"p999_us":...,"max_us":...,
//    "clients":C,"sent":M,"expected":C*M,"delivered":...,"out_of_order":...,
//    "send_lag_max_us":...,"deliveries_per_read":...,"correct":bool}
// deliveries_per_read (deliveries over completed reads on all sockets)
// shows how much the server batches: 1.0 is one send per delivered line.
// and exits 1 when a delivery is missing or out of order (a wrong answer).
// Latency includes the driver's own time to read the line: client and
// server share the machine's cores, as in W7.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int port = 0;
  int clients = 1000;
  int rate = 1000;
  double seconds = 10;
  std::string room = "bench";
  long server_pid = 0;
  std::string label = "grove-chat";
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

long status_kb(long pid, const char* field) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const std::size_t len = std::strlen(field);
  while (std::getline(in, line))
    if (line.compare(0, len, field) == 0 && line.size() > len && line[len] == ':')
      return std::strtol(line.c_str() + len + 1, nullptr, 10);
  return -1;
}

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

class Driver;

// Client is one chat connection: it joins the room, then reads lines and
// records the latency of every message from the sender.
class Client {
 public:
  Client(Driver& driver, asio::io_context& io, int id, std::string nick)
      : driver_(driver), socket_(io), id_(id), nick_(std::move(nick)) {}

  void start(const tcp::endpoint& server);
  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

  bool joined = false;
  std::int64_t received = 0;
  std::int64_t last_index = -1;
  std::int64_t out_of_order = 0;

  tcp::socket& socket() { return socket_; }

 private:
  void read();
  void on_line(std::string_view line, std::int64_t now);

  Driver& driver_;
  tcp::socket socket_;
  int id_;
  std::string nick_;
  std::string hello_;
  std::array<char, 16 * 1024> buffer_{};
  std::string partial_;
};

class Driver {
 public:
  Driver(asio::io_context& io, Options options)
      : io_(io), options_(std::move(options)), timer_(io),
        server_(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(options_.port)) {
    total_ = static_cast<std::int64_t>(options_.rate * options_.seconds);
    token_ = "r" + std::to_string(now_ns() % 1000000007) + " ";
    prefix_ = "[" + options_.room + "] sender: " + token_;
    for (int i = 0; i < options_.clients; ++i)
      clients_.push_back(std::make_unique<Client>(*this, io_, i, "c" + std::to_string(i)));
    sender_ = std::make_unique<Client>(*this, io_, -1, "sender");
    latencies_.reserve(static_cast<std::size_t>(total_) * options_.clients);
  }

  void run() {
    phase_start_ = Clock::now();
    sender_->start(server_);
    arm_watchdog();
    io_.run();
  }

  const std::string& room() const { return options_.room; }
  const std::string& prefix() const { return prefix_; }

  // joined() counts a client in; the sending starts when all are in.
  void joined(Client& client) {
    client.joined = true;
    --connecting_;
    if (&client != sender_.get()) ++joined_;
    connect_more();  // the first call, when the sender is in, starts the clients
    if (joined_ == options_.clients && sender_->joined && !sending_) start_sending();
  }

  void delivered(Client& client, std::int64_t index, std::int64_t sent_ns, std::int64_t now) {
    if (&client == sender_.get()) return;  // the sender's own copy is not a delivery
    latencies_.push_back(now - sent_ns);
    if (index <= client.last_index) ++client.out_of_order;
    client.last_index = index;
    ++client.received;
    last_delivery_ns_ = now;
    if (++delivered_ == expected()) finish();
  }

  void failed(const char* what, const error_code& ec, int id) {
    if (finished_) return;
    std::fprintf(stderr, "w10_driver: client %d: %s: %s\n", id, what, ec.message().c_str());
    ++failures_;
    if (!sending_) {
      finish();  // a client that cannot join makes the run meaningless
    }
  }

  std::int64_t expected() const { return total_ * options_.clients; }
  int print_result();

 private:
  void connect_more() {
    // At most 64 clients connect and join at once.
    while (connecting_ < 64 && next_client_ < options_.clients) {
      ++connecting_;
      clients_[next_client_++]->start(server_);
    }
  }

  void start_sending() {
    sending_ = true;
    std::fprintf(stderr, "w10_driver: %d clients joined in %.2f s; sending %lld messages at %d/s\n",
                 options_.clients, std::chrono::duration<double>(Clock::now() - phase_start_).count(),
                 static_cast<long long>(total_), options_.rate);
    send_start_ = Clock::now();
    first_send_ns_ = now_ns();
    tick();
  }

  // tick() sends every message due by now, then sleeps until the next one.
  void tick() {
    const auto now = Clock::now();
    const auto period = std::chrono::duration<double>(1.0 / options_.rate);
    std::string batch;
    while (sent_ < total_) {
      auto due = send_start_ + std::chrono::duration_cast<Clock::duration>(period * sent_);
      if (due > now) break;
      const std::int64_t lag = std::chrono::duration_cast<std::chrono::nanoseconds>(now - due).count();
      max_send_lag_ns_ = std::max(max_send_lag_ns_, lag);
      batch += token_;
      batch += std::to_string(sent_);
      batch += ' ';
      batch += std::to_string(now_ns());
      batch += '\n';
      ++sent_;
    }
    if (!batch.empty()) write(std::move(batch));
    if (sent_ < total_) {
      timer_.expires_at(send_start_ + std::chrono::duration_cast<Clock::duration>(period * sent_));
      timer_.async_wait([this](error_code ec) {
        if (!ec && !finished_) tick();
      });
    } else {
      // Everything is sent: give the deliveries up to 10 s more.
      timer_.expires_after(std::chrono::seconds(10));
      timer_.async_wait([this](error_code ec) {
        if (!ec) finish();
      });
    }
  }

  void write(std::string data) {
    if (writing_) {
      pending_ += data;
      return;
    }
    writing_ = true;
    in_flight_ = std::move(data);
    asio::async_write(sender_->socket(), asio::buffer(in_flight_), [this](error_code ec, std::size_t) {
      writing_ = false;
      if (ec) return failed("send", ec, -1);
      if (!pending_.empty()) write(std::exchange(pending_, {}));
    });
  }

  // arm_watchdog() bounds the joining phase: 60 s for everyone to join.
  void arm_watchdog() {
    auto watchdog = std::make_shared<asio::steady_timer>(io_, std::chrono::seconds(60));
    watchdog->async_wait([this, watchdog](error_code ec) {
      if (ec || sending_ || finished_) return;
      std::fprintf(stderr, "w10_driver: only %d of %d clients joined within 60 s\n", joined_, options_.clients);
      ++failures_;
      finish();
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    rss_kb_ = status_kb(options_.server_pid, "VmRSS");
    hwm_kb_ = status_kb(options_.server_pid, "VmHWM");
    timer_.cancel();
    for (auto& c : clients_) c->close();
    sender_->close();
    io_.stop();
  }

  asio::io_context& io_;
  Options options_;
  asio::steady_timer timer_;
  tcp::endpoint server_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::unique_ptr<Client> sender_;
  std::string token_;   // "rNNN ": this run's messages
  std::string prefix_;  // "[ROOM] sender: rNNN "
  int next_client_ = 0;
  int connecting_ = 1;  // the sender
  int joined_ = 0;
  int failures_ = 0;
  bool sending_ = false;
  bool finished_ = false;
  bool writing_ = false;
  std::string in_flight_;
  std::string pending_;
  Clock::time_point phase_start_;
  Clock::time_point send_start_;
  std::int64_t total_ = 0;
  std::int64_t sent_ = 0;
  std::int64_t delivered_ = 0;
  std::int64_t first_send_ns_ = 0;
  std::int64_t last_delivery_ns_ = 0;
  std::int64_t max_send_lag_ns_ = 0;
  std::int64_t reads_ = 0;  // completed reads on all sockets (about the server's sends)
  long rss_kb_ = -1;
  long hwm_kb_ = -1;
  std::vector<std::int64_t> latencies_;

  friend class Client;
};

void Client::start(const tcp::endpoint& server) {
  socket_.async_connect(server, [this](error_code ec) {
    if (ec) return driver_.failed("connect", ec, id_);
    socket_.set_option(tcp::no_delay(true), ec);
    hello_ = "/nick " + nick_ + "\n/join " + driver_.room() + "\n";
    asio::async_write(socket_, asio::buffer(hello_), [this](error_code ec, std::size_t) {
      if (ec) return driver_.failed("join", ec, id_);
    });
    read();
  });
}

void Client::read() {
  socket_.async_read_some(asio::buffer(buffer_), [this](error_code ec, std::size_t n) {
    if (ec) {
      if (!driver_.finished_) driver_.failed("read", ec, id_);
      return;
    }
    const std::int64_t now = now_ns();  // one clock read per batch of lines
    ++driver_.reads_;
    std::string_view data(buffer_.data(), n);
    if (!partial_.empty()) {
      auto nl = data.find('\n');
      if (nl == std::string_view::npos) {
        partial_.append(data);
        return read();
      }
      partial_.append(data.substr(0, nl));
      std::string line = std::move(partial_);
      partial_.clear();
      on_line(line, now);
      data.remove_prefix(nl + 1);
    }
    for (;;) {
      auto nl = data.find('\n');
      if (nl == std::string_view::npos) break;
      on_line(data.substr(0, nl), now);
      data.remove_prefix(nl + 1);
    }
    partial_.assign(data);
    read();
  });
}

void Client::on_line(std::string_view line, std::int64_t now) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!joined) {
    if (line == "* joined " + driver_.room()) driver_.joined(*this);
    else if (line.starts_with("! ")) std::fprintf(stderr, "w10_driver: %s: %.*s\n", nick_.c_str(), int(line.size()), line.data());
    return;
  }
  if (!line.starts_with(driver_.prefix())) return;
  line.remove_prefix(driver_.prefix().size());
  std::int64_t index = 0, sent_ns = 0;
  auto space = line.find(' ');
  if (space == std::string_view::npos) return;
  std::from_chars(line.data(), line.data() + space, index);
  std::from_chars(line.data() + space + 1, line.data() + line.size(), sent_ns);
  driver_.delivered(*this, index, sent_ns, now);
}

int Driver::print_result() {
  std::sort(latencies_.begin(), latencies_.end());
  auto pct = [&](double p) -> double {
    if (latencies_.empty()) return -1;
    auto i = static_cast<std::size_t>(p * (latencies_.size() - 1));
    return latencies_[i] / 1e3;
  };
  std::int64_t out_of_order = 0;
  for (auto& c : clients_) out_of_order += c->out_of_order;
  const double elapsed_ms = delivered_ > 0 ? (last_delivery_ns_ - first_send_ns_) / 1e6 : 0;
  const double per_s = elapsed_ms > 0 ? delivered_ / (elapsed_ms / 1e3) : 0;
  const bool correct = failures_ == 0 && delivered_ == expected() && out_of_order == 0;
  std::printf(
      "{\"peer\":\"%s\",\"config\":\"%d TCP clients, 1 room, %d msg/s for %g s\",\"workload\":\"W10\","
      "\"n\":%lld,\"elapsed_ms\":%.1f,\"ns_per_op\":%.1f,\"ops_per_s\":%.0f,\"rss_kb\":%ld,\"hwm_kb\":%ld,"
      "\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,\"clients\":%d,\"sent\":%lld,"
      "\"expected\":%lld,\"delivered\":%lld,\"out_of_order\":%lld,\"send_lag_max_us\":%.1f,"
      "\"deliveries_per_read\":%.2f,\"correct\":%s}\n",
      options_.label.c_str(), options_.clients, options_.rate, options_.seconds, static_cast<long long>(delivered_),
      elapsed_ms, delivered_ > 0 ? elapsed_ms * 1e6 / delivered_ : 0.0, per_s, rss_kb_, hwm_kb_, pct(0.50),
      pct(0.99), pct(0.999), pct(1.0), options_.clients, static_cast<long long>(sent_),
      static_cast<long long>(expected()), static_cast<long long>(delivered_), static_cast<long long>(out_of_order),
      max_send_lag_ns_ / 1e3, reads_ > 0 ? double(delivered_) / reads_ : 0.0, correct ? "true" : "false");
  std::fflush(stdout);
  return correct ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    auto is = [&](const char* name) { return !std::strcmp(argv[i], name) && i + 1 < argc; };
    if (is("--port")) o.port = std::atoi(argv[++i]);
    else if (is("--clients")) o.clients = std::atoi(argv[++i]);
    else if (is("--rate")) o.rate = std::atoi(argv[++i]);
    else if (is("--seconds")) o.seconds = std::atof(argv[++i]);
    else if (is("--room")) o.room = argv[++i];
    else if (is("--server-pid")) o.server_pid = std::atol(argv[++i]);
    else if (is("--label")) o.label = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: w10_driver --port P [--clients 1000] [--rate 1000] [--seconds 10] [--room bench]"
                   " [--server-pid PID] [--label grove-chat]\n");
      return 2;
    }
  }
  if (o.port <= 0 || o.clients <= 0 || o.rate <= 0 || o.seconds <= 0) {
    std::fprintf(stderr, "w10_driver: --port, --clients, --rate and --seconds must be positive\n");
    return 2;
  }
  raise_fd_limit();
  asio::io_context io{1};
  Driver driver(io, o);
  driver.run();
  return driver.print_result();
}
