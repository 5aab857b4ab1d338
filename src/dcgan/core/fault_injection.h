// Faults that tests ask a real process to suffer, through the environment:
// DCGAN_FAULT=NAME@N makes fault_requested(NAME, N) true (e.g. "nan-weights@3": G's weights turn
// NaN after training step 3). Nothing else reads the variable; unset, every check is false.
#pragma once

#include <cstdint>
#include <string_view>

namespace dcgan {

bool fault_requested(std::string_view name, int64_t at);

}  // namespace dcgan
