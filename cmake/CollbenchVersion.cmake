# Records the version and git revision in a generated header so every result names its build.
find_package(Git QUIET)
set(COLLBENCH_GIT_REVISION "unknown")
if(GIT_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/.git")
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE _rev
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _rev)
    set(COLLBENCH_GIT_REVISION "${_rev}")
  endif()
endif()
configure_file(${CMAKE_SOURCE_DIR}/core/version.hpp.in
               ${CMAKE_BINARY_DIR}/generated/core/version.hpp @ONLY)
add_library(collbench_version INTERFACE)
target_include_directories(collbench_version INTERFACE ${CMAKE_BINARY_DIR}/generated)
