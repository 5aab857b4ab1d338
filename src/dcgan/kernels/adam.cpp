// Fused Adam step; see adam.h. Same formula and operation order as LibTorch's Adam:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// The loop is built for AVX-512, AVX2 and baseline x86 (picked at load time), and split over
// LibTorch's intra-op threads. This file is compiled with -fno-math-errno so sqrt vectorises.
#include "dcgan/kernels/adam.h"

#include <cmath>
#include <string>

namespace dcgan::kernels {
namespace {

struct AdamScalars {
  float beta1, beta2, step_size, sqrt_bias_correction2, eps;
};

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void adam_update(float* __restrict param, const float* __restrict grad, float* __restrict exp_avg,
                 float* __restrict exp_avg_sq, int64_t n, AdamScalars s) {
  const float one_minus_beta1 = 1 - s.beta1, one_minus_beta2 = 1 - s.beta2;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i];
    const float m = exp_avg[i] * s.beta1 + g * one_minus_beta1;
    const float v = exp_avg_sq[i] * s.beta2 + g * g * one_minus_beta2;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    param[i] -= s.step_size * m / (std::sqrt(v) / s.sqrt_bias_correction2 + s.eps);
  }
}

bool fusable(const torch::Tensor& p) {
  return p.device().is_cpu() && p.scalar_type() == torch::kFloat && p.is_contiguous();
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  for (const auto& group : param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    bool all_fusable = !o.amsgrad() && o.weight_decay() == 0;
    for (const auto& p : group.params()) all_fusable = all_fusable && fusable(p);
    if (!all_fusable) return torch::optim::Adam::step(std::move(closure));
  }
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  using StateMap = std::decay_t<decltype(state())>;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto key = optimizer_state_key<StateMap>(p);
      auto& slot = state()[key];
      if (!slot) {
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, at::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(torch::zeros_like(p, at::MemoryFormat::Contiguous));
        slot = std::move(fresh);
      }
      auto& s = static_cast<torch::optim::AdamParamState&>(*slot);
      s.step(s.step() + 1);
      const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
      const double bias_correction1 = 1 - std::pow(beta1, s.step());
      const double bias_correction2 = 1 - std::pow(beta2, s.step());
      const AdamScalars scalars{static_cast<float>(beta1), static_cast<float>(beta2),
                                static_cast<float>(o.lr() / bias_correction1),
                                static_cast<float>(std::sqrt(bias_correction2)),
                                static_cast<float>(o.eps())};
      auto grad = p.grad().contiguous();
      float* param = p.data_ptr<float>();
      const float* g = grad.data_ptr<float>();
      float* m = s.exp_avg().data_ptr<float>();
      float* v = s.exp_avg_sq().data_ptr<float>();
      at::parallel_for(0, p.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
        adam_update(param + begin, g + begin, m + begin, v + begin, end - begin, scalars);
      });
      // Writes through raw pointers are invisible to the version counter, which caches keyed
      // on it (fast_conv's reordered weights) rely on, as torch's in-place ops do.
      p.unsafeGetTensorImpl()->bump_version();
      s.exp_avg().unsafeGetTensorImpl()->bump_version();
      s.exp_avg_sq().unsafeGetTensorImpl()->bump_version();
    }
  }
  return loss;
}

}  // namespace dcgan::kernels
