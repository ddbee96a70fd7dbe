# check_rejects.cmake: run scripts/extract_examples.py on one malformed
# document (-DDOC) and pass only if it exits non-zero, extracts nothing and its
# error output matches -DMESSAGE (a regular expression).
execute_process(
  COMMAND "${PYTHON}" "${EXTRACTOR}" --out "${OUT}" --manifest "${OUT}/examples.cmake" "${DOC}"
  RESULT_VARIABLE status ERROR_VARIABLE errors OUTPUT_VARIABLE output)
if(status EQUAL 0)
  message(FATAL_ERROR "the extractor accepted ${DOC}:\n${output}")
endif()
if(EXISTS "${OUT}/examples.cmake")
  message(FATAL_ERROR "the extractor wrote a manifest for ${DOC}")
endif()
if(NOT errors MATCHES "${MESSAGE}")
  message(FATAL_ERROR "the extractor failed without saying '${MESSAGE}':\n${errors}")
endif()
message(STATUS "rejected as expected:\n${errors}")
