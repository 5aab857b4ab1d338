// DCGAN_FAULT parsing; see fault_injection.h.
#include "dcgan/core/fault_injection.h"

#include <cstdlib>
#include <string>

namespace dcgan {

bool fault_requested(std::string_view name, int64_t at) {
  const char* env = std::getenv("DCGAN_FAULT");
  if (env == nullptr) return false;
  const std::string spec(env);
  const size_t sep = spec.rfind('@');
  if (sep == std::string::npos || std::string_view(spec).substr(0, sep) != name) return false;
  return spec.substr(sep + 1) == std::to_string(at);
}

}  // namespace dcgan
