# embed_bytes.cmake — cmake -DINPUT=<file> -DOUTPUT=<inc> -P embed_bytes.cmake
# writes <inc> as the file's bytes, one C character literal each followed by
# a comma, to #include inside a char array's initializer (web_debug.cpp
# embeds the /debug/ page this way: no file is read at run time).
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('[^']*',){16})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by embed_bytes.cmake; do not edit.\n${bytes}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
