// Device selection; see device.h.
#include "dcgan/gan/device.h"

#include "dcgan/core/error.h"
#include "dcgan/core/log.h"

namespace dcgan::gan {

torch::Device choose_device(const std::string& spec) {
  const bool cuda = torch::cuda::is_available();
  if (spec == "auto") return cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (spec == "cpu") return torch::Device(torch::kCPU);
  if (spec.rfind("cuda", 0) == 0) {
    if (!cuda) {
      throw ConfigError("--device " + spec +
                        ": CUDA is not available in this build or on this machine (use "
                        "--device cpu, or build against a CUDA LibTorch)");
    }
    torch::Device device(torch::kCUDA);
    try {
      device = torch::Device(spec);
    } catch (const c10::Error&) {
      throw ConfigError("--device '" + spec +
                        "' is not a valid device (use auto, cpu, cuda or cuda:N)");
    }
    const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
    if (device.has_index() && device.index() >= count) {
      throw ConfigError("--device " + spec + ": this machine has " + std::to_string(count) +
                        " CUDA device(s), numbered from 0");
    }
    return device;
  }
  throw ConfigError("--device must be auto, cpu or cuda[:N] (got '" + spec + "')");
}

}  // namespace dcgan::gan
