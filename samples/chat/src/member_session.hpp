#pragma once
// member_session.hpp — the shape every chat connection shares (private to
// grove_chat): a reader running in the connection's fiber and a writer
// fiber draining the member's outbox, ended together.

#include <grove/chat/chat_service.hpp>

#include <grove/duration.hpp>
#include <grove/fiber.hpp>
#include <grove/stream.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace grove::chat::detail {

// kFlushGrace is how long a writer may flush what is queued once the
// reader is done, before the connection is closed under it.
inline constexpr Duration kFlushGrace = std::chrono::seconds(2);

// serve_member(svc, m, s, writer, read, abandon) runs read() (which returns
// why the connection ends) and then retires the member: it leaves its room,
// counts the reason, drops unsent output and closes s when abandon(reason)
// says the output is lost anyway, and lets the writer flush for
// kFlushGrace. When read() is interrupted (the server is stopping and kills
// the connection), the member is retired at once — outbox dropped, stream
// closed, writer killed — and the interrupt goes on unwinding. It returns
// the reason; m.stream is cleared either way.
template <class M, class Read, class Abandon>
std::string serve_member(ChatService& svc, M& m, Stream& s, Fiber<>& writer, Read read, Abandon abandon) {
  std::string reason;
  try {
    reason = read();
  } catch (...) {
    svc.leave(m);
    svc.count_disconnect("killed");
    m.outbox.abandon();
    s.close();
    try {
      writer.kill();
    } catch (...) {
    }
    m.stream = nullptr;
    throw;
  }
  svc.leave(m);
  svc.count_disconnect(reason);
  if (abandon(std::string_view(reason))) {
    m.outbox.abandon();
    s.close();
  }
  m.outbox.close();
  if (!writer.join(kFlushGrace)) {
    s.close();
    writer.kill();
  }
  m.stream = nullptr;
  return reason;
}

}  // namespace grove::chat::detail
