#pragma once
// protocol.hpp — the input rules shared by the three protocols: what a
// nick and a room name may be, UTF-8 validity, and what a message's text
// may be.

#include <cstddef>
#include <string_view>

namespace grove::chat {

// valid_nick(s): 1-32 characters of [A-Za-z0-9_-].
bool valid_nick(std::string_view s) noexcept;
// valid_room(s): 1-64 characters of [A-Za-z0-9_-].
bool valid_room(std::string_view s) noexcept;
// valid_utf8(s): s is well-formed UTF-8 (no overlongs, surrogates, or
// code points past U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;
// text_error(text, max) is "" when text may be said — well-formed UTF-8,
// 1 to max bytes, one line, no control character but tab (no C0, DEL or
// C1: escape sequences and a bare CR could rewrite a terminal's screen) —
// and otherwise the reason shown to the user. Every transport applies it.
std::string_view text_error(std::string_view text, std::size_t max) noexcept;

}  // namespace grove::chat
