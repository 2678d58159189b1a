# Test helpers shared by every tests/ subdirectory.
#
# collbench_add_gtest(NAME SOURCES... [LIBS ...] [LABELS ...]) : a GoogleTest binary as one ctest.
# collbench_mpirun(OUT_VAR NP) : the launcher prefix for NP ranks on this machine.
# collbench_add_run_test(NAME NP [EXPECT_RC rc] [CHECK args...] ARGS ...) : runs
#   `collbench ARGS` under mpirun and checks the exit code and, with CHECK, the JSON Lines output
#   with tests/tools/check_results.py (the args after CHECK go to that script).

function(collbench_add_gtest name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES} ${T_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main collbench_warnings)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}" TIMEOUT 300)
endfunction()

function(collbench_mpirun out np)
  set(prefix ${MPIEXEC_EXECUTABLE} --oversubscribe)
  execute_process(COMMAND id -u OUTPUT_VARIABLE _uid OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(_uid STREQUAL "0")
    list(APPEND prefix --allow-run-as-root)
  endif()
  # Loopback shared memory only: CI machines have no fabric and no need for one.
  list(APPEND prefix --mca btl self,vader ${MPIEXEC_NUMPROC_FLAG} ${np})
  set(${out} ${prefix} PARENT_SCOPE)
endfunction()

function(collbench_add_run_test name np)
  cmake_parse_arguments(T "" "EXPECT_RC;TIMEOUT" "ARGS;CHECK;LABELS" ${ARGN})
  if(NOT DEFINED T_EXPECT_RC)
    set(T_EXPECT_RC 0)
  endif()
  if(NOT DEFINED T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  collbench_mpirun(launcher ${np})
  set(json ${CMAKE_CURRENT_BINARY_DIR}/${name}.jsonl)
  add_test(NAME ${name}
           COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/tools/run_and_check.py
                   --expect-rc ${T_EXPECT_RC} --json ${json}
                   --schema ${PROJECT_SOURCE_DIR}/results/schema/collbench-results.schema.json
                   ${T_CHECK} --
                   ${launcher} $<TARGET_FILE:collbench> ${T_ARGS} -J ${json})
  set_tests_properties(${name} PROPERTIES LABELS "mpi;${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()

# collbench_add_cli_test(NAME [EXPECT_RC rc] [CHECK args...] ARGS ...): runs `collbench ARGS` as a
# single process (no launcher) through run_and_check.py.
function(collbench_add_cli_test name)
  cmake_parse_arguments(T "" "EXPECT_RC" "ARGS;CHECK;LABELS" ${ARGN})
  if(NOT DEFINED T_EXPECT_RC)
    set(T_EXPECT_RC 0)
  endif()
  add_test(NAME ${name}
           COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/tools/run_and_check.py
                   --expect-rc ${T_EXPECT_RC} ${T_CHECK} -- $<TARGET_FILE:collbench> ${T_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS "cli;${T_LABELS}" TIMEOUT 120)
endfunction()
