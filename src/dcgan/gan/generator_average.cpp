// The averaged generator; see generator_average.h.
#include "dcgan/gan/generator_average.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "dcgan/core/error.h"
#include "dcgan/core/json.h"

namespace dcgan::gan {
namespace {

constexpr int64_t kPrepareBatches = 16;

// A decay in (0, 1), or nullopt when `spec` is not a plain number.
std::optional<double> decay_value(const std::string& spec) {
  try {
    size_t used = 0;
    const double value = std::stod(spec, &used);
    if (used == spec.size() && value > 0 && value < 1) return value;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

void validate_ema(const std::string& spec) {
  require(spec == "off" || spec == "auto" || decay_value(spec).has_value(),
          "--ema must be off, auto or a decay between 0 and 1, e.g. 0.999 (got '" + spec + "')");
}

bool ema_enabled(const std::string& spec) { return spec != "off"; }

std::string normalized_ema(const std::string& spec) {
  const auto value = decay_value(spec);
  return value ? Json(*value).dump() : spec;
}

double ema_decay(const std::string& spec, int64_t images_before, int64_t images_per_iteration) {
  if (const auto value = decay_value(spec)) return *value;
  const double half_life = std::min(312.5 * static_cast<double>(images_per_iteration),
                                    0.05 * static_cast<double>(images_before));
  return std::pow(0.5, static_cast<double>(images_per_iteration) / std::max(half_life, 1e-8));
}

GeneratorAverage::GeneratorAverage(const ModelConfig& model, const std::string& spec,
                                   GeneratorBase& live, const std::string& z_dist, uint64_t seed,
                                   int64_t batch)
    : spec_(spec), average_(make_generator(model)), batch_(batch) {
  validate_ema(spec);
  torch::NoGradGuard no_grad;
  auto to_params = average_->named_parameters();
  for (const auto& p : live.named_parameters()) to_params[p.key()].copy_(p.value());
  auto to_buffers = average_->named_buffers();
  for (const auto& b : live.named_buffers()) to_buffers[b.key()].copy_(b.value());
  for (auto& p : average_->parameters()) p.requires_grad_(false);
  auto gen = at::detail::createCPUGenerator(seed ^ 0xE3A5ull);
  const int64_t n = kPrepareBatches * batch, z_dim = model.z_dim;
  prepare_z_ =
      z_dist == "normal" ? torch::randn({n, z_dim}, gen) : torch::rand({n, z_dim}, gen) * 2 - 1;
}

void GeneratorAverage::update(GeneratorBase& live, int64_t images_before,
                              int64_t images_per_iteration) {
  torch::NoGradGuard no_grad;
  const double beta = ema_decay(spec_, images_before, images_per_iteration);
  auto averaged = average_->parameters();
  auto current = live.parameters();
  for (size_t i = 0; i < averaged.size(); ++i)
    averaged[i].copy_(current[i].lerp(averaged[i], beta));
}

GeneratorBase& GeneratorAverage::prepare() {
  const auto device = average_->parameters().front().device();
  recompute_batch_norm_statistics(*average_, prepare_z_.to(device), batch_);
  return *average_;
}

void recompute_batch_norm_statistics(GeneratorBase& generator, const torch::Tensor& z,
                                     int64_t batch) {
  std::vector<torch::nn::BatchNorm2dImpl*> layers;
  for (const auto& child : generator.modules(/*include_self=*/false)) {
    if (auto* bn = child->as<torch::nn::BatchNorm2dImpl>()) layers.push_back(bn);
  }
  if (layers.empty()) {
    generator.eval();
    return;
  }
  torch::NoGradGuard no_grad;
  std::vector<c10::optional<double>> momenta;
  for (auto* bn : layers) {
    momenta.push_back(bn->options.momentum());
    // Counts from earlier preparations would make the buffers depend on how often the average
    // was used (a resumed run prepares it at other steps); the statistics themselves are
    // overwritten by the first batch (momentum 1).
    bn->num_batches_tracked.zero_();
  }
  generator.train();
  for (int64_t k = 0, start = 0; start < z.size(0); ++k, start += batch) {
    // Momentum 1/(k+1): after batch k the statistics are the mean of batches 0..k.
    for (auto* bn : layers) bn->options.momentum(1.0 / static_cast<double>(k + 1));
    generator.forward(z.narrow(0, start, std::min(batch, z.size(0) - start)));
  }
  for (size_t i = 0; i < layers.size(); ++i) layers[i]->options.momentum(momenta[i]);
  generator.eval();
}

}  // namespace dcgan::gan
