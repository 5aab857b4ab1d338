// Looks up OpenBLAS's introspection functions with dlsym, so no BLAS headers are needed and
// a reference BLAS (which has none of them) is reported as such.
#include "dcgan/core/blas_info.h"

#include <dlfcn.h>

namespace dcgan {

BlasInfo blas_info() {
  BlasInfo info;
  using CharFn = char* (*)();
  using IntFn = int (*)();
  auto config = reinterpret_cast<CharFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  auto core = reinterpret_cast<CharFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  auto threads = reinterpret_cast<IntFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (config != nullptr) {
    info.library = config();
    if (core != nullptr) info.core_name = core();
    if (threads != nullptr) info.threads = threads();
  } else if (dlsym(RTLD_DEFAULT, "sgemm_") != nullptr) {
    info.library = "reference BLAS (slow; install libopenblas0-openmp)";
  } else {
    info.library = "not loaded";
  }
  return info;
}

std::string to_string(const BlasInfo& info) {
  std::string text = info.library;
  if (!info.core_name.empty()) text += ", core " + info.core_name;
  if (info.threads > 0) text += ", " + std::to_string(info.threads) + " threads";
  return text;
}

}  // namespace dcgan
