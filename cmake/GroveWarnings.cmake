# grove_warnings: the one place grove's warning flags live.
#
# An INTERFACE target linked PRIVATE (through $<BUILD_INTERFACE:...>) into
# every grove library, test, sample and bench target, so the flags apply to
# grove's own sources only and never reach an installed consumer's compile
# line. GROVE_WERROR=ON (set by scripts/test.sh, hence CI) turns warnings
# into errors.
include_guard(GLOBAL)

option(GROVE_WERROR "Treat compiler warnings as errors (CI)" OFF)

if(NOT TARGET grove_warnings)
  add_library(grove_warnings INTERFACE)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(grove_warnings INTERFACE -Wall -Wextra -Wpedantic)
    if(GROVE_WERROR)
      target_compile_options(grove_warnings INTERFACE -Werror)
    endif()
  elseif(MSVC)
    target_compile_options(grove_warnings INTERFACE /W4)
    if(GROVE_WERROR)
      target_compile_options(grove_warnings INTERFACE /WX)
    endif()
  endif()
endif()

# grove_use_warnings(<target>...): link grove_warnings PRIVATE, build tree only.
function(grove_use_warnings)
  foreach(target IN LISTS ARGN)
    target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:grove_warnings>)
  endforeach()
endfunction()
