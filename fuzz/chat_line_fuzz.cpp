// chat_line_fuzz.cpp — the chat's TCP line protocol (samples/chat): the
// input is what a client sends; it is cut into lines as the TCP reader does
// ("\n", an optional "\r" before it), each line checked by text_error and
// split by parse_line, and a line that may be said is made into a message
// whose two wire forms are checked. valid_utf8 is checked against
// nlohmann_json's UTF-8 validation (a second, independent decoder).
// Any broken invariant aborts.
#include <grove/chat/command.hpp>
#include <grove/chat/message.hpp>
#include <grove/chat/protocol.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr std::size_t kMaxLine = 4096;  // ChatConfig's default max_line

void require(bool ok, const char* what, std::string_view line) {
  if (ok) return;
  std::fprintf(stderr, "chat_line: %s (line of %zu bytes)\n", what, line.size());
  std::abort();
}

bool nlohmann_accepts_utf8(std::string_view s) {
  try {
    (void)nlohmann::json(std::string(s)).dump();  // error_handler_t::strict
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

bool trimmed(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  return s.empty() || (!blank(s.front()) && !blank(s.back()));
}

void one_line(std::string_view line) {
  require(nlohmann_accepts_utf8(line) == grove::chat::valid_utf8(line), "valid_utf8 disagrees with nlohmann", line);
  const auto why = grove::chat::text_error(line, kMaxLine);
  auto cmd = grove::chat::parse_line(line);
  if (line.empty()) {
    require(cmd.kind == grove::chat::LineKind::empty && cmd.arg.empty(), "an empty line is not empty", line);
    return;
  }
  if (line.front() != '/') {
    require(cmd.kind == grove::chat::LineKind::say && cmd.arg == line, "text is not said whole", line);
  } else {
    require(cmd.kind != grove::chat::LineKind::say && cmd.kind != grove::chat::LineKind::empty, "a command is said",
            line);
    require(trimmed(cmd.arg), "a command's argument is not trimmed", line);
    require(line.find(cmd.arg) != std::string_view::npos, "a command's argument is not from its line", line);
  }
  if (!why.empty()) return;
  // A line that may be said: one line of UTF-8 with no control character.
  require(line.size() <= kMaxLine, "an over-long line was accepted", line);
  require(line.find_first_of("\r\n") == std::string_view::npos, "a line break was accepted", line);
  for (char c : line) require(static_cast<unsigned char>(c) >= 0x20 || c == '\t', "a C0 control was accepted", line);
  if (cmd.kind == grove::chat::LineKind::nick && grove::chat::valid_nick(cmd.arg)) {
    require(cmd.arg.size() <= 32, "an over-long nick was accepted", line);
  }
  const auto m = grove::chat::make_message("lobby", "fuzz", cmd.arg, 7);
  require(m->line == "[lobby] fuzz: " + cmd.arg + "\n", "to_line", line);
  const auto back = nlohmann::json::parse(m->json_text);  // throws (a crash) on malformed output
  require(back.at("text").get<std::string>() == cmd.arg, "the JSON form does not round-trip", line);
  require(back.at("seq").get<std::uint64_t>() == 7, "the JSON form's seq", line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) break;  // a partial last line is dropped, as the reader does
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    one_line(line);
  }
  // The whole input as one line too: bytes the reader never sees in a line
  // ("\n") still must not break the checks.
  one_line(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
