// Describes the BLAS library the process actually loaded (Debian's libtorch links the
// libblas.so.3 alternative, which may be the slow reference BLAS or OpenBLAS) and, for
// OpenBLAS, the CPU core it chose (it can misdetect new CPUs as "Prescott").
#pragma once

#include <string>

namespace dcgan {

struct BlasInfo {
  std::string library;    // "OpenBLAS 0.3.21 ..." or "reference BLAS" or "unknown"
  std::string core_name;  // OpenBLAS core, e.g. "Haswell"; empty when not OpenBLAS
  int threads = 0;        // OpenBLAS thread count; 0 when unknown
};

BlasInfo blas_info();
std::string to_string(const BlasInfo& info);

}  // namespace dcgan
