# embed_page.cmake — cmake -DINPUT=<html> -DOUTPUT=<cpp> -P embed_page.cmake
# writes a .cpp defining grove::chat::chat_page() as the file's bytes, so
# grove-chat serves its page without reading files at run time.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('[^']*',){16})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by embed_page.cmake; do not edit.
#include <grove/chat/chat_server.hpp>

namespace grove::chat {
namespace {
const char page_bytes[${size} + 1] = {
    ${bytes}'\\0'};
}  // namespace

std::string_view chat_page() noexcept { return std::string_view(page_bytes, ${size}); }

}  // namespace grove::chat
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
