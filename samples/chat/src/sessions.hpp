#pragma once
// sessions.hpp — the connection handlers behind ChatServer (private to
// grove_chat). Each runs in the connection's fiber, against grove::Stream,
// and returns when the connection is done; the caller closes the stream.

#include <grove/chat/chat_service.hpp>

#include <grove/stream.hpp>

namespace grove::chat::detail {

// run_tcp_session() speaks the line protocol on s.
void run_tcp_session(ChatService& service, Stream& s);
// run_http_session() serves HTTP requests on s (the page, /stats, long
// poll) until the client is done, and hands /ws upgrades to the WebSocket
// session.
void run_http_session(ChatService& service, Stream& s);

}  // namespace grove::chat::detail
