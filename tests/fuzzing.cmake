# add_libfuzzer_test(NAME <test name> TARGET <binary name> SOURCES <files...> INCLUDES <dirs...>
#                    SECONDS <brief run length> [ARGS <extra libFuzzer args...>] [CORPUS <seed folder>]
#                    [LIBS <link flags...>])
#
# Builds a libFuzzer binary with clang++ (ASan + UBSan) whatever compiler builds the rest, and registers a
# brief run of it as a ctest test. By hand it runs for longer, e.g.:
#   build/tests/room/message_fuzzer -max_total_time=3600 build/tests/room/message_fuzzer-corpus tests/room/fuzz/seeds
#   build/tests/server/request_fuzzer -max_total_time=3600 build/tests/server/request_fuzzer-corpus \
#       tests/server/fuzz/seeds -dict=tests/server/fuzz/http.dict
find_program(WEBCHAT_CLANGXX NAMES clang++ clang++-14)
option(WEBCHAT_FUZZ "Build the libFuzzer targets and run each briefly in ctest" ON)

function(add_libfuzzer_test)
  cmake_parse_arguments(FUZZ "" "NAME;TARGET;SECONDS;CORPUS" "SOURCES;INCLUDES;ARGS;LIBS" ${ARGN})
  if(NOT WEBCHAT_FUZZ OR NOT WEBCHAT_CLANGXX)
    message(WARNING "clang++ not found (or WEBCHAT_FUZZ=OFF): ${FUZZ_NAME} is not built")
    return()
  endif()
  set(binary ${CMAKE_CURRENT_BINARY_DIR}/${FUZZ_TARGET})
  set(include_flags)
  set(headers)
  foreach(dir ${FUZZ_INCLUDES})
    list(APPEND include_flags -I${dir})
    file(GLOB dir_headers CONFIGURE_DEPENDS ${dir}/*.hpp)
    list(APPEND headers ${dir_headers})
  endforeach()
  # One object per source, so the build spreads them over its jobs (one clang call for all of them
  # was the build's longest single step). Line tables are all the sanitizers' reports need.
  set(flags -std=c++20 -O1 -gline-tables-only -fno-omit-frame-pointer
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
  set(objects)
  set(index 0)
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${FUZZ_TARGET}.dir)
  foreach(source ${FUZZ_SOURCES})
    get_filename_component(name ${source} NAME_WE)
    set(object ${CMAKE_CURRENT_BINARY_DIR}/${FUZZ_TARGET}.dir/${index}_${name}.o)
    add_custom_command(
      OUTPUT ${object}
      COMMAND ${WEBCHAT_CLANGXX} ${flags} ${include_flags} -c ${source} -o ${object}
      DEPENDS ${source} ${headers}
      COMMENT "Building ${FUZZ_TARGET}: ${name} with clang (libFuzzer, ASan + UBSan)"
      VERBATIM)
    list(APPEND objects ${object})
    math(EXPR index "${index} + 1")
  endforeach()
  add_custom_command(
    OUTPUT ${binary}
    COMMAND ${WEBCHAT_CLANGXX} ${flags} ${objects} -o ${binary} ${FUZZ_LIBS}
    DEPENDS ${objects}
    COMMENT "Linking ${FUZZ_TARGET}"
    VERBATIM)
  add_custom_target(${FUZZ_TARGET} ALL DEPENDS ${binary})
  set(corpus ${CMAKE_CURRENT_BINARY_DIR}/${FUZZ_TARGET}-corpus)
  file(MAKE_DIRECTORY ${corpus})
  add_test(NAME ${FUZZ_NAME}
    COMMAND ${binary} -max_total_time=${FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
            ${FUZZ_ARGS} ${corpus} ${FUZZ_CORPUS})
  set_tests_properties(${FUZZ_NAME} PROPERTIES TIMEOUT 120)
endfunction()
