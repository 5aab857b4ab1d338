# DCGAN_SANITIZE=address,undefined (or thread): every target of the build compiled and linked
# with those sanitizers, reports fatal (-fno-sanitize-recover) so that a test with one fails.
# Included before the libraries are defined; `make test-sanitize` configures build-asan and
# build-tsan with it (DCGAN_TORCH_FREE: only the libraries without LibTorch and their tests),
# `make test-sanitize-torch` build-tsan-torch, and the fuzz builds include it too
# (fuzz/sanitizer_flags.cmake, which adds libFuzzer's coverage).
if(DCGAN_SANITIZE MATCHES "thread" AND DCGAN_SANITIZE MATCHES "address")
  message(FATAL_ERROR "DCGAN_SANITIZE: thread and address sanitizers cannot be combined")
endif()
# Line tables only: reports need file:line, and full debug info of the LibTorch headers costs
# about 15% more compile time in every translation unit.
add_compile_options(-fsanitize=${DCGAN_SANITIZE} -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -gline-tables-only)
add_link_options(-fsanitize=${DCGAN_SANITIZE})
message(STATUS "dcgan: sanitizers ${DCGAN_SANITIZE}")
