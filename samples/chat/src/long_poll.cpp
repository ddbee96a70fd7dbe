// long_poll.cpp — the seed's Flask chat over HTTP: POST /put/ROOM/NICK
// publishes the form field `message`, POST /poll/NICK waits for messages.
#include "http_detail.hpp"

#include <grove/chat/long_poll.hpp>

#include <boost/beast/http/field.hpp>

#include <optional>

namespace grove::chat::detail {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// url_decode(s) undoes application/x-www-form-urlencoded escaping ('+' is
// a space); nullopt on a malformed escape.
std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// form_field(body, name) is the decoded value of `name` in a form body.
std::optional<std::string> form_field(std::string_view body, std::string_view name) {
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body.remove_prefix(amp == std::string_view::npos ? body.size() : amp + 1);
    const auto eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq));
    if (key && *key == name) return url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace

Response handle_put(ChatService& svc, const Request& req, const std::string& room, const std::string& nick) {
  auto message = form_field(req.body(), "message");
  if (!message) return error_response(req, http::status::bad_request, "expected form field 'message'");
  try {
    check_text(*message, svc.config().max_line);
    // Long-poll members live on the service's hub (at_home: at once there).
    auto m = svc.at_home([&svc, nick, room, text = std::move(*message)]() mutable {
      auto member = svc.poll_member(nick, room);
      return svc.say(*member, std::move(text));
    });
    return json_response(req, http::status::ok, to_json(*m));
  } catch (const ChatError& e) {
    const std::string_view what = e.what();
    const auto status = what.rfind("nick taken", 0) == 0 ? http::status::conflict
                        : what.rfind("room ", 0) == 0    ? http::status::service_unavailable
                                                         : http::status::bad_request;
    return error_response(req, status, what);
  }
}

Response handle_poll(ChatService& svc, const Request& req, const std::string& nick) {
  auto taken = svc.at_home([&svc, nick]() -> std::optional<std::vector<MessagePtr>> {
    auto member = svc.find_poll_member(nick);
    if (!member) return std::nullopt;
    return member->take(svc.config().poll_timeout);
  });
  if (!taken) return error_response(req, http::status::not_found, "unknown nick: POST /put/ROOM/" + nick + " first");
  nlohmann::json out = nlohmann::json::array();
  for (auto& m : *taken) out.push_back(to_json(*m));
  return json_response(req, http::status::ok, out);
}

}  // namespace grove::chat::detail
