// tcp_session.cpp — the TCP line protocol: one reader (this fiber) parses
// commands; one writer fiber drains the connection's Outbox, so a room
// never waits for this client.
#include "member_session.hpp"
#include "sessions.hpp"

#include <grove/chat/command.hpp>
#include <grove/chat/outbox.hpp>
#include <grove/chat/protocol.hpp>
#include <grove/chat/soft_limit.hpp>

#include <grove/fiber.hpp>
#include <grove/io_error.hpp>
#include <grove/timeout.hpp>

#include <boost/asio/error.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace grove::chat::detail {

namespace {

using namespace std::chrono_literals;
using boost::system::error_code;

// How many messages a reader sends to its room before it awaits the answers.
constexpr std::size_t kMaxPipelined = 64;
// How long a closing connection may keep sending before it is cut off.
constexpr auto kLinger = 1s;

// LineMember is a TCP client as a room sees it: lines queued in an Outbox.
class LineMember final : public Member {
 public:
  LineMember(std::uint64_t id, const ChatConfig& cfg)
      : Member(MemberKind::tcp, id), outbox(cfg.max_outbound), soft(cfg.soft_outbound, cfg.soft_outbound_time) {}

  void on_joined(const std::string& room, const std::vector<MessagePtr>& backlog) noexcept override {
    push("* joined " + room + "\n");
    for (auto& m : backlog) push(m->line);
  }
  void on_deliver(const MessagePtr& m) noexcept override {
    if (m->room == this->room()) push(m->line);
  }
  // push(line) queues a line; a client too slow to take it is disconnected:
  // at once past the hard limit, or once over the soft limit for too long.
  void push(std::string line) noexcept {
    try {
      if (outbox.push(std::move(line))) return check_soft();
      if (!outbox.overflowed()) return;
    } catch (...) {
    }
    kick();
  }
  // check_soft() applies the soft limit to what is unsent now.
  void check_soft() noexcept {
    if (!soft.exceeded(outbox.unsent(), hub().now())) return;
    soft_exceeded = true;
    kick();
  }
  // kick() ends the connection from any fiber (blocked reads/writes fail).
  void kick() noexcept {
    if (kicked) return;
    kicked = true;
    if (stream) stream->close();
  }

  Outbox outbox;
  SoftLimit soft;
  Stream* stream = nullptr;  // while the session runs
  bool soft_exceeded = false;
  bool kicked = false;
  bool write_failed = false;
  bool shutting_down = false;  // the server stops: flush, then end
};

void write_loop(LineMember& m, Stream& s, Duration write_timeout) {
  std::vector<std::string> batch;
  std::string bytes;
  while (m.outbox.take(batch)) {
    if (batch.empty()) continue;
    bytes.clear();
    for (auto& chunk : batch) bytes += chunk;
    error_code ec;
    send_within(s, bytes, write_timeout, ec);
    m.outbox.written(bytes.size());
    if (!ec) m.check_soft();  // it may have drained under the soft limit
    if (ec) {
      m.write_failed = true;
      m.kick();
      return;
    }
  }
  if (m.shutting_down) m.kick();  // flushed the goodbye: wake the reader
}

// command() handles one complete line; false after /quit.
bool command(ChatService& svc, const std::shared_ptr<LineMember>& m, std::string_view line) {
  auto [kind, arg] = parse_line(line);
  if (kind == LineKind::empty) return true;
  if (kind == LineKind::say) {
    svc.say(*m, std::move(arg));  // the room echoes it to every member, this one included
    return true;
  }
  if (kind == LineKind::nick) {
    svc.set_nick(*m, arg);
    m->push("* you are " + m->nick() + "\n");
  } else if (kind == LineKind::join) {
    svc.join(m, arg);                    // the room sends "* joined ROOM" and the backlog
  } else if (kind == LineKind::rooms) {  // "/rooms [AFTER]": one page, then how to ask for the next
    auto page = svc.rooms(arg);
    std::string out = "* rooms:";
    for (auto& [name, count] : page.rooms) out += " " + name + "(" + std::to_string(count) + ")";
    if (page.more) out += " ... more: /rooms " + page.rooms.back().first;
    m->push(out + "\n");
  } else if (kind == LineKind::who) {
    std::string out = "* in " + m->room() + ": ";
    auto nicks = svc.who(*m);
    for (std::size_t i = 0; i < nicks.size(); ++i) out += (i ? " " : "") + nicks[i];
    m->push(out + "\n");
  } else if (kind == LineKind::quit) {
    m->push("* bye\n");
    return false;
  } else {
    m->push("! unknown command\n");
  }
  return true;
}

// read_loop() reads lines until the connection ends; it returns why.
std::string read_loop(ChatService& svc, const std::shared_ptr<LineMember>& m, Stream& s) {
  const std::size_t max = svc.config().max_line;
  s.set_timeout(svc.config().idle_timeout);  // each read_line: a whole line within idle_timeout
  // Messages sent to the room whose answers are not yet awaited: while more
  // input is buffered the reader keeps sending, so the room fans out many
  // messages per round; it waits for the answers (in order, reporting any
  // failure) before it would park for input and before any command.
  std::vector<std::function<MessagePtr()>> pending;
  auto settle = [&] {
    for (auto& answer : pending) {
      try {
        answer();
      } catch (const ChatError& e) {
        m->push(std::string("! ") + e.what() + "\n");
      }
    }
    pending.clear();
  };
  for (;;) {
    if (!pending.empty() && (s.buffered() == 0 || pending.size() >= kMaxPipelined)) settle();
    error_code ec;
    std::string line = s.read_line(max + 2, ec);  // + "\r\n"
    if (m->outbox.overflowed()) return "slow_consumer";
    if (m->soft_exceeded) return "slow_consumer_soft";
    if (ec == io_errc::line_too_long) {
      m->push("! line too long\n");
      return "line_too_long";
    }
    if (ec == boost::asio::error::timed_out) {
      m->push("! idle timeout\n");
      return "idle_timeout";
    }
    if (ec == io_errc::closed_by_other) return m->write_failed ? "write_failed" : "server_shutdown";
    if (ec == boost::asio::error::connection_reset) return "client_reset";
    if (ec) return "io_error";
    if (line.empty() || line.back() != '\n') return "client_closed";  // EOF (a partial last line is dropped)
    line.pop_back();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > max) {
      m->push("! line too long\n");
      return "line_too_long";
    }
    if (line.empty()) continue;
    // The rule of every transport (text_error): one line, UTF-8, no control
    // characters but tab — a bare CR or an escape sequence could rewrite
    // what the other TCP users' terminals show.
    if (auto why = text_error(line, max); !why.empty()) {
      m->push("! " + std::string(why) + "\n");
      continue;
    }
    try {
      if (!line.empty() && line.front() != '/') {
        pending.push_back(svc.say_later(*m, std::move(line)));  // the room echoes it to every member
        continue;
      }
      settle();
      if (!command(svc, m, line)) return "quit";
    } catch (const ChatError& e) {
      settle();
      m->push(std::string("! ") + e.what() + "\n");
    }
  }
}

}  // namespace

void linger(Stream& s, Duration max) {
  error_code ec;
  s.shutdown_send(ec);
  if (ec) return;
  try {
    Timeout deadline(max);
    while (!ec && !s.recv_view(64 * 1024, ec).empty()) {
    }
  } catch (const Timeout&) {
    // the client keeps talking: close anyway
  }
}

void send_within(Stream& s, std::string_view bytes, Duration limit, error_code& ec) {
  Timeout deadline(limit);
  try {
    s.send_all(bytes, ec);
  } catch (const Timeout& t) {
    if (!(t == deadline)) throw;
    ec = boost::asio::error::timed_out;
  }
}

void run_tcp_session(ChatService& svc, Stream& s) {
  if (svc.stopping()) {
    error_code ec;
    send_within(s, "! server shutting down\n", svc.config().write_timeout, ec);
    return;
  }
  if (svc.full()) {
    svc.count_disconnect("server_full");
    error_code ec;
    send_within(s, "! server full, try again later\n", svc.config().write_timeout, ec);
    return;
  }
  auto m = std::make_shared<LineMember>(svc.next_member_id(), svc.config());
  m->stream = &s;
  LineMember* raw = m.get();
  auto connection = svc.track("tcp", [raw] {
    raw->push("* server shutting down\n");
    raw->shutting_down = true;
    raw->outbox.close();
  });
  Fiber<> writer = spawn([m, &s, limit = svc.config().write_timeout] { write_loop(*m, s, limit); });
  writer.set_name("chat tcp writer");
  m->push("* welcome to grove-chat; commands: /nick NAME, /join ROOM, /rooms, /who, /quit\n");
  const std::string reason = serve_member(
      svc, *m, s, writer, [&] { return read_loop(svc, m, s); },
      [](std::string_view r) {
        return r == "slow_consumer" || r == "slow_consumer_soft" || r == "server_shutdown" || r == "write_failed";
      });
  if (reason == "line_too_long" || reason == "quit" || reason == "idle_timeout") linger(s, kLinger);
}

}  // namespace grove::chat::detail
