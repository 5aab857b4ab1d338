# DCGAN_SANITIZE=address,undefined (or thread): every target of the build compiled and linked
# with those sanitizers, reports fatal (-fno-sanitize-recover) so that a test with one fails.
# Included before the libraries are defined; the Makefile configures build-tsan with it, and
# build-asan, where the tests and the fuzz harnesses share the libraries, through
# fuzz/sanitizer_flags.cmake, which adds libFuzzer's coverage.
if(DCGAN_SANITIZE MATCHES "thread" AND DCGAN_SANITIZE MATCHES "address")
  message(FATAL_ERROR "DCGAN_SANITIZE: thread and address sanitizers cannot be combined")
endif()
# Line tables only: reports need file:line, and full debug info of the LibTorch headers costs
# about 15% more compile time in every translation unit. -O1, the sanitizers' recommended
# level, comes after RelWithDebInfo's -O2 on the command line and so replaces it: a LibTorch
# test compiles in 5.0 s of CPU instead of 6.9.
add_compile_options(-fsanitize=${DCGAN_SANITIZE} -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -gline-tables-only -O1)
add_link_options(-fsanitize=${DCGAN_SANITIZE})
message(STATUS "dcgan: sanitizers ${DCGAN_SANITIZE}")
