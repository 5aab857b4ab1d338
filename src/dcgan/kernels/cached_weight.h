// What the oneDNN layers (conv.cpp, linear.cpp) share: a weight kept reordered (and in bf16
// converted) into a primitive's layout until the parameter changes, and one cached layer object
// per geometry.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>

#include "dcgan/kernels/onednn_context.h"

namespace dcgan::kernels {

// A weight reordered into a primitive's preferred layout and type, valid while `source` keeps
// its identity and version (the optimiser's in-place update bumps the version).
struct WeightSlot {
  std::optional<dnnl::memory> reordered;
  torch::Tensor source;
  int64_t version = -1;

  dnnl::memory get(const dnnl::memory::desc& wanted, const dnnl::memory::desc& user,
                   const torch::Tensor& weight) {
    dnnl::memory user_memory(user, cpu_engine(), weight.data_ptr());
    if (wanted == user) return user_memory;
    if (reordered && source.is_same(weight) && version == weight._version()) return *reordered;
    if (!reordered) reordered.emplace(wanted, cpu_engine());
    dnnl::reorder(user_memory, *reordered).execute(cpu_stream(), user_memory, *reordered);
    source = weight;
    version = weight._version();
    return *reordered;
  }
};

// The one Layer of each Geometry (ordered by <), built on first use and kept.
template <class Layer, class Geometry>
Layer& layer_for(const Geometry& g) {
  static std::mutex mutex;
  static std::map<Geometry, std::unique_ptr<Layer>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[g];
  if (!slot) slot = std::make_unique<Layer>(g);
  return *slot;
}

}  // namespace dcgan::kernels
