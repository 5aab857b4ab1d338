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
set(DCGAN_SANITIZERS ${DCGAN_FUZZ_SANITIZERS})
# Line tables only: reports need file:line, and full debug info of the LibTorch headers costs
# about 15% more compile time in every translation unit.
add_compile_options(-fsanitize=fuzzer-no-link,${DCGAN_SANITIZERS} -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -gline-tables-only)
add_link_options(-fsanitize=${DCGAN_SANITIZERS})
