// Chooses the one torch::Device a command runs on, from "auto", "cpu" or "cuda[:N]".
#pragma once

#include <torch/torch.h>

#include <string>

namespace dcgan::gan {

// "auto" -> cuda when available, else cpu. "cuda" without a GPU -> ConfigError naming --device.
torch::Device choose_device(const std::string& spec);

}  // namespace dcgan::gan
