// w10_asio_fanout [--port P] [--host 127.0.0.1]: a reference point for W10
// (chat fan-out), not a chat server. A raw single-threaded Asio callback
// server speaking just the part of grove-chat's TCP line protocol the W10
// driver uses: a welcome line, `/nick NAME` -> "* you are NAME",
// `/join ROOM` -> "* joined ROOM", and any other line is sent to every
// member of the sender's room (sender included) as "[ROOM] NAME: TEXT".
// No backlog, no checks, no limits. Each message's line is formatted once
// and appended to every member's pending output; a connection has at most
// one write in flight, so lines that arrive meanwhile leave together in the
// next one (the natural Asio write coalescing). Prints
// "w10_asio_fanout: tcp listening on HOST:PORT" and serves until SIGTERM.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>

#include <sys/resource.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

class Session;
std::map<std::string, std::set<std::shared_ptr<Session>>> rooms;

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() {
    send("* welcome to w10_asio_fanout\n");
    read();
  }

  // send(line) queues line; it leaves with the next write.
  void send(std::string_view line) {
    pending_.append(line);
    if (!writing_) flush();
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](error_code ec, std::size_t n) {
      if (ec) return self->leave();
      self->partial_.append(self->buffer_.data(), n);
      std::size_t start = 0;
      for (auto nl = self->partial_.find('\n', start); nl != std::string::npos;
           nl = self->partial_.find('\n', start)) {
        std::string_view line(self->partial_.data() + start, nl - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        self->on_line(line);
        start = nl + 1;
      }
      self->partial_.erase(0, start);
      self->read();
    });
  }

  void on_line(std::string_view line) {
    if (line.starts_with("/nick ")) {
      nick_ = line.substr(6);
      send("* you are " + nick_ + "\n");
    } else if (line.starts_with("/join ")) {
      if (!room_.empty()) rooms[room_].erase(shared_from_this());
      room_ = line.substr(6);
      rooms[room_].insert(shared_from_this());
      send("* joined " + room_ + "\n");
    } else if (!room_.empty()) {
      std::string out = "[" + room_ + "] " + nick_ + ": ";
      out.append(line);
      out += '\n';
      for (auto& member : rooms[room_]) member->send(out);
    }
  }

  void flush() {
    writing_ = true;
    in_flight_.swap(pending_);
    pending_.clear();
    asio::async_write(socket_, asio::buffer(in_flight_), [self = shared_from_this()](error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) return self->leave();
      if (!self->pending_.empty()) self->flush();
    });
  }

  void leave() {
    if (!room_.empty()) rooms[room_].erase(shared_from_this());
    room_.clear();
    error_code ignored;
    socket_.close(ignored);
  }

  tcp::socket socket_;
  std::array<char, 16 * 1024> buffer_{};
  std::string partial_;
  std::string pending_;
  std::string in_flight_;
  std::string nick_ = "anonymous";
  std::string room_;
  bool writing_ = false;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket))->start();
    }
    accept(acceptor);
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 5555;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--port") && i + 1 < argc) port = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
    else if (!std::strcmp(argv[i], "--http-port") && i + 1 < argc) ++i;   // accepted, unused
    else if (!std::strcmp(argv[i], "--log-level") && i + 1 < argc) ++i;   // accepted, unused
    else {
      std::fprintf(stderr, "usage: w10_asio_fanout [--port P] [--host 127.0.0.1]\n");
      return 2;
    }
  }
  raise_fd_limit();
  try {
    asio::io_context io{1};
    tcp::acceptor acceptor(io);
    tcp::endpoint endpoint(asio::ip::make_address(host), static_cast<unsigned short>(port));
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(4096);
    std::printf("w10_asio_fanout: tcp listening on %s:%u\n", host.c_str(), acceptor.local_endpoint().port());
    std::fflush(stdout);
    accept(acceptor);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](error_code, int) { io.stop(); });
    io.run();
    rooms.clear();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "w10_asio_fanout: %s\n", e.what());
    return 1;
  }
  return 0;
}
