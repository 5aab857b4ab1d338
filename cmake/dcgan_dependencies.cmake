# Finds every third-party dependency once and wraps LibTorch in an INTERFACE target, so its
# compile flags stay on the targets that use torch instead of leaking into CMAKE_CXX_FLAGS.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs objdetect)

# LibTorch: Debian's 1.13 (CPU) by default; a CUDA build is chosen with
# -DCMAKE_PREFIX_PATH=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)').
find_package(Torch REQUIRED)
add_library(dcgan_torch INTERFACE)
target_link_libraries(dcgan_torch INTERFACE ${TORCH_LIBRARIES})
target_include_directories(dcgan_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
separate_arguments(_dcgan_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
target_compile_options(dcgan_torch INTERFACE ${_dcgan_torch_flags})
# at::parallel_for is a header template whose `#pragma omp parallel` is compiled into the
# caller: without -fopenmp on our own files every parallel_for of ours ran on one thread.
find_package(OpenMP REQUIRED COMPONENTS CXX)
target_link_libraries(dcgan_torch INTERFACE OpenMP::OpenMP_CXX)
add_library(dcgan::torch ALIAS dcgan_torch)
message(STATUS "dcgan: LibTorch ${Torch_VERSION} from ${Torch_DIR}")

pkg_check_modules(CURL IMPORTED_TARGET libcurl)
pkg_check_modules(GUMBO IMPORTED_TARGET gumbo)
find_package(SQLite3)

if(DCGAN_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
