#pragma once
// chat_server.hpp — ChatServer, the grove-chat server (issue 6) as a
// library: rooms are actors under a supervisor, and the three protocols —
// TCP lines, HTTP (page, long poll, /stats) and WebSocket — share them.
// The handlers are written against grove::Stream, so the same server runs
// on TcpSocket connections and on the test kit's in-memory network:
//
//   grove::chat::ChatServer chat({.backlog = 25});
//   grove::StreamServer tcp(grove::tcp_endpoint("127.0.0.1", 5555),
//                           [&](grove::Stream& s) { chat.handle_tcp(s); });
//   grove::StreamServer http(grove::tcp_endpoint("127.0.0.1", 8080),
//                            [&](grove::Stream& s) { chat.handle_http(s); });
//   tcp.start(); http.start();
//   ...
//   chat.stop();   // drain (the servers' stop() then reaps what is left)
//
// Make, use and destroy it on one hub's thread (it starts fibers).

#include <grove/chat/config.hpp>

#include <grove/duration.hpp>
#include <grove/stream.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace grove::chat {

class ChatService;

class ChatServer {
 public:
  explicit ChatServer(ChatConfig config = {});
  ~ChatServer();
  ChatServer(const ChatServer&) = delete;
  ChatServer& operator=(const ChatServer&) = delete;

  // handle_tcp(s) speaks the line protocol on s until the client quits,
  // disconnects, idles out or is too slow; it returns then (the caller
  // closes s).
  void handle_tcp(Stream& s);
  // handle_http(s) serves HTTP/1.1 on s: GET / (the page), GET /stats,
  // POST /put/ROOM/NICK, POST /poll/NICK, and the WebSocket at /ws.
  void handle_http(Stream& s);

  // stats() is what GET /stats answers: {"rooms", "members" (per room),
  // "messages", "room_restarts", "dead_letters", "disconnects" (by
  // reason), "connections" (by kind), "nicks"}.
  nlohmann::json stats() const;
  // stop(grace) drains: every connection is told the server is stopping
  // and closed once its output is flushed, waiting up to grace; then the
  // rooms stop. New connections are refused from then on. Idempotent.
  void stop(Duration grace = std::chrono::seconds(5));
  bool stopping() const noexcept;

  // crash_room(room) (a test hook) makes the room's actor throw; the
  // supervisor restarts it with its backlog, sequence and members kept.
  // False when there is no such room.
  bool crash_room(const std::string& room);
  const ChatConfig& config() const noexcept;
  ChatService& service() noexcept { return *service_; }

 private:
  std::unique_ptr<ChatService> service_;
};

// chat_page() is samples/chat/page/index.html, embedded at build time.
std::string_view chat_page() noexcept;

}  // namespace grove::chat
