#pragma once
// config.hpp — ChatConfig, every limit and timeout of grove-chat in one
// value (designated initialisers: ChatConfig{.backlog = 50}). Times are
// measured on the hub's clock, so the server runs under virtual time too.
// docs/limits.md lists each limit, its default and what happens past it.

#include <grove/duration.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace grove::chat {

struct ChatConfig {
  // backlog is how many recent messages a room keeps and replays on join.
  std::size_t backlog = 25;
  // max_line is the longest TCP line accepted, in bytes without "\r\n".
  std::size_t max_line = 4096;
  // idle_timeout closes a TCP connection that sent no complete line for so long.
  Duration idle_timeout = std::chrono::seconds(60);
  // max_outbound is how many unsent bytes a subscriber may have queued —
  // messages and the control frames (pongs) its own reads caused — before
  // it is disconnected (a slow consumer).
  std::size_t max_outbound = 1024 * 1024;
  // The soft output limit (Redis's client-output-buffer-limit shape, with
  // max_outbound as the hard limit): a subscriber whose unsent bytes stay
  // over soft_outbound for longer than soft_outbound_time is disconnected
  // ("slow_consumer_soft"); 0 turns it off. soft_limit.hpp has the rule.
  std::size_t soft_outbound = 256 * 1024;
  Duration soft_outbound_time = std::chrono::seconds(10);
  // write_timeout bounds each write to a client (an HTTP or long-poll
  // response, a TCP or WebSocket writer's batch): a client that does not
  // take the bytes in time is disconnected.
  Duration write_timeout = std::chrono::seconds(30);
  // max_connections caps the open connections of all kinds together
  // (0: no cap); past it a TCP client reads "! server full" and an HTTP
  // client gets 503, and the connection is closed.
  std::size_t max_connections = 10000;

  // head_timeout closes an HTTP connection whose request head (or body)
  // is not complete in time (slowloris); max_head bounds the head's size.
  Duration head_timeout = std::chrono::seconds(10);
  std::size_t max_head = 8 * 1024;
  // max_body bounds an HTTP request body (long-poll puts).
  std::size_t max_body = 64 * 1024;
  // max_frame bounds a WebSocket message (bigger: close code 1009).
  std::size_t max_frame = 64 * 1024;
  // A WebSocket client silent (no byte received) for ws_ping_interval is
  // sent a ping; one silent for ws_idle_timeout is disconnected. A frame
  // (a whole message, unless control frames come between its fragments)
  // must arrive within ws_frame_timeout of its first byte.
  Duration ws_ping_interval = std::chrono::seconds(30);
  Duration ws_idle_timeout = std::chrono::seconds(60);
  Duration ws_frame_timeout = std::chrono::seconds(10);
  // poll_timeout is how long POST /poll waits for messages before it
  // answers []; poll_expiry retires a long-poll member not seen for so long.
  Duration poll_timeout = std::chrono::seconds(10);
  Duration poll_expiry = std::chrono::seconds(60);

  // Rooms: at most max_rooms exist at once, and one client (a connection,
  // or a long-poll nick) creates at most max_rooms_per_client of them;
  // a room empty for room_idle_timeout is removed with its backlog.
  std::size_t max_rooms = 10000;
  std::size_t max_rooms_per_client = 100;
  Duration room_idle_timeout = std::chrono::seconds(300);
  // rooms_page is how many rooms one /rooms answer lists at most.
  std::size_t rooms_page = 100;

  // Room supervision: more than room_restarts restarts within
  // room_restart_period make the room supervisor give up.
  int room_restarts = 100;
  Duration room_restart_period = std::chrono::seconds(5);

  // fault (tests only) runs in a room actor before it records a message;
  // an exception thrown from it crashes that room's actor.
  std::function<void(const std::string& room, const std::string& text)> fault = nullptr;
};

}  // namespace grove::chat
