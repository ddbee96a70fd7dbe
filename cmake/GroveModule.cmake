# grove_add_module(NAME <name> [SOURCES <file>...] [DEPS <target>...] [EXPORT <set>])
#
# Creates the library target grove_<name> (STATIC when SOURCES is given,
# INTERFACE otherwise) with the alias grove::<name> and the exported name
# grove::<name>. The module directory is the include root, so
# <module>/grove/foo.hpp is included as <grove/foo.hpp>. Headers under
# <module>/grove/ are installed to <prefix>/include/grove/ and the target is
# added to the export set EXPORT (default groveTargets; the test kit has its
# own, groveTestingTargets, so that an installed grove asks for GoogleTest
# and nlohmann_json only from consumers that use it: cmake/groveConfig.cmake.in).
include_guard(GLOBAL)
include(GNUInstallDirs)
include(${CMAKE_CURRENT_LIST_DIR}/GroveWarnings.cmake)

function(grove_add_module)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;EXPORT" "SOURCES;DEPS")
  if(NOT arg_NAME)
    message(FATAL_ERROR "grove_add_module: NAME is required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "grove_add_module(${arg_NAME}): unexpected arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()

  if(NOT arg_EXPORT)
    set(arg_EXPORT groveTargets)
  endif()
  set(target grove_${arg_NAME})
  if(arg_SOURCES)
    add_library(${target} STATIC ${arg_SOURCES})
    set(scope PUBLIC)
    grove_use_warnings(${target})
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  else()
    add_library(${target} INTERFACE)
    set(scope INTERFACE)
  endif()
  add_library(grove::${arg_NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${arg_NAME})

  target_compile_features(${target} ${scope} cxx_std_20)
  target_include_directories(${target} ${scope}
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  if(arg_DEPS)
    target_link_libraries(${target} ${scope} ${arg_DEPS})
  endif()

  install(TARGETS ${target}
    EXPORT ${arg_EXPORT}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/grove)
    install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/grove
      DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
      FILES_MATCHING
        PATTERN "*.hpp"
        PATTERN "*.ipp"
        PATTERN "*.h")
  endif()
endfunction()
