// Formats the runtime library versions for `dcgan --version`.
#include "versions.h"

#include <sstream>

#include "dcgan/gan/runtime_info.h"

namespace dcgan::app {

std::string version_text() {
  Json info = gan::runtime_info();
  std::ostringstream out;
  out << "dcgan " << info["dcgan"].get<std::string>() << "\n"
      << "  LibTorch " << info["libtorch"].get<std::string>() << " ("
      << info["torch_threads"].get<int>() << " threads, CUDA "
      << (info["cuda_available"].get<bool>() ? "available" : "not available") << ")\n"
      << "  OpenCV   " << info["opencv"].get<std::string>() << "\n"
      << "  BLAS     " << info["blas"].get<std::string>();
  if (!info["blas_core"].get<std::string>().empty()) {
    out << " (core " << info["blas_core"].get<std::string>() << ")";
  }
  return out.str();
}

}  // namespace dcgan::app
