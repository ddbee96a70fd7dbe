#pragma once
// http_detail.hpp — the Beast types and helpers shared by the HTTP, long
// poll and WebSocket handlers (private to grove_chat).

#include <grove/chat/chat_service.hpp>

#include <grove/duration.hpp>
#include <grove/stream.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace grove::chat::detail {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// json_response(req, status, body) is a JSON response that follows req's keep-alive.
Response json_response(const Request& req, http::status status, const nlohmann::json& body);
// error_response(req, status, text) is {"type":"error","error":text}.
Response error_response(const Request& req, http::status status, std::string_view text);
// dump(j) is j as compact JSON (invalid UTF-8 replaced, never thrown).
std::string dump(const nlohmann::json& j);
// check_text(text, max) throws ChatError unless text is a valid message
// (protocol.hpp's text_error(), the rule of every transport).
void check_text(std::string_view text, std::size_t max);
// write_within(s, res, limit, ec) writes res, giving up after limit
// (ec = timed_out): a client that does not read cannot hold the session.
void write_within(Stream& s, Response& res, Duration limit, boost::system::error_code& ec);

// Long poll (long_poll.cpp): POST /put/ROOM/NICK and POST /poll/NICK.
Response handle_put(ChatService& svc, const Request& req, const std::string& room, const std::string& nick);
Response handle_poll(ChatService& svc, const Request& req, const std::string& nick);

}  // namespace grove::chat::detail
