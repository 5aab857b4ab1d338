# Flags of the fuzz build (DCGAN_BUILD_FUZZERS), set before the libraries are defined so that
# the code under test is instrumented like the harnesses: coverage for libFuzzer's guidance,
# AddressSanitizer (and LeakSanitizer) and UndefinedBehaviorSanitizer, which aborts at the
# first report so that libFuzzer keeps the input. The harnesses add -fsanitize=fuzzer
# (libFuzzer's main) when they link; see fuzz/CMakeLists.txt.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "DCGAN_BUILD_FUZZERS needs clang (libFuzzer); configure with "
                      "CXX=clang++ (`make fuzz` does)")
endif()
set(DCGAN_FUZZ_SANITIZERS "address,undefined" CACHE STRING "Sanitizers of the fuzz build")
# The sanitizer flags of every instrumented build (cmake/dcgan_sanitize.cmake), plus coverage.
set(DCGAN_SANITIZE ${DCGAN_FUZZ_SANITIZERS})
include(dcgan_sanitize)
add_compile_options(-fsanitize=fuzzer-no-link)
