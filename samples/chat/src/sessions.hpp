#pragma once
// sessions.hpp — the connection handlers behind ChatServer (private to
// grove_chat). Each runs in the connection's fiber, against grove::Stream,
// and returns when the connection is done; the caller closes the stream.

#include <grove/chat/chat_service.hpp>

#include <grove/duration.hpp>
#include <grove/stream.hpp>

#include <boost/system/error_code.hpp>

#include <string_view>

namespace grove::chat::detail {

// run_tcp_session() speaks the line protocol on s.
void run_tcp_session(ChatService& service, Stream& s);
// run_http_session() serves HTTP requests on s (the page, /stats, long
// poll) until the client is done, and hands /ws upgrades to the WebSocket
// session.
void run_http_session(ChatService& service, Stream& s);

// linger(s, max) ends a connection the server gives up on (after its last
// words are written): it shuts down sending and reads and drops whatever
// the client still sends, until the client closes or max has passed, so
// unread input does not turn the close into a reset that destroys the
// final message before the client reads it.
void linger(Stream& s, Duration max);

// send_within(s, bytes, limit, ec) is send_all that gives up after limit
// (ec = timed_out): a client that does not read cannot hold a writer.
void send_within(Stream& s, std::string_view bytes, Duration limit, boost::system::error_code& ec);

}  // namespace grove::chat::detail
