# embed_bytes.cmake — cmake -DINPUT=<file> -DOUTPUT=<cpp> -DNAMESPACE=<ns> -DNAME=<name> -P embed_bytes.cmake
# writes <cpp>, defining `std::string_view <ns>::<name>() noexcept` (declared
# in a header too) as the file's bytes, so a program serves a page without
# reading files at run time (observe_web's /debug/ page, grove-chat's page).
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('[^']*',){16})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by embed_bytes.cmake; do not edit.
#include <string_view>

namespace ${NAMESPACE} {
namespace {
const char embedded_bytes[${size} + 1] = {
    ${bytes}'\\0'};
}  // namespace

std::string_view ${NAME}() noexcept;
std::string_view ${NAME}() noexcept { return std::string_view(embedded_bytes, ${size}); }

}  // namespace ${NAMESPACE}
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
