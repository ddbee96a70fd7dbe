// command.cpp — the TCP line and WebSocket JSON decoders (command.hpp).
#include <grove/chat/command.hpp>

#include <nlohmann/json.hpp>

namespace grove::chat {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

LineCommand parse_line(std::string_view line) {
  if (line.empty()) return {};
  if (line.front() != '/') return {LineKind::say, std::string(line)};
  const auto space = line.find(' ');
  const std::string_view cmd = line.substr(0, space);
  std::string arg(space == std::string_view::npos ? std::string_view() : trim(line.substr(space + 1)));
  LineKind kind = LineKind::unknown;
  if (cmd == "/nick") kind = LineKind::nick;
  else if (cmd == "/join") kind = LineKind::join;
  else if (cmd == "/rooms") kind = LineKind::rooms;
  else if (cmd == "/who") kind = LineKind::who;
  else if (cmd == "/quit") kind = LineKind::quit;
  return {kind, std::move(arg)};
}

JsonRequest decode_request(std::string_view text) {
  using json = nlohmann::json;
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return {RequestKind::invalid, {}, "malformed JSON"};
  const auto type_it = j.is_object() ? j.find("type") : j.end();
  if (type_it == j.end() || !type_it->is_string())
    return {RequestKind::invalid, {}, "expected a JSON object with a string \"type\""};
  const auto& type = type_it->get_ref<const std::string&>();
  auto string_field = [&](RequestKind kind, const char* key) -> JsonRequest {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string())
      return {RequestKind::invalid, {}, std::string("expected a string \"") + key + "\""};
    return {kind, it->get<std::string>(), {}};
  };
  if (type == "nick") return string_field(RequestKind::nick, "nick");
  if (type == "join") return string_field(RequestKind::join, "room");
  if (type == "say") return string_field(RequestKind::say, "text");
  if (type == "who") return {RequestKind::who, {}, {}};
  if (type == "rooms") {
    auto it = j.find("after");
    return {RequestKind::rooms, it != j.end() && it->is_string() ? it->get<std::string>() : std::string(), {}};
  }
  return {RequestKind::invalid, {}, "unknown type: " + type};
}

}  // namespace grove::chat
