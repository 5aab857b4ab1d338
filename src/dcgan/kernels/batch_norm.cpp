// Fused BN + (Leaky)ReLU; see batch_norm.h. Activations are viewed as a (rows, C)
// row-major matrix (rows = B*H*W), so every per-channel loop is contiguous and vectorises.
//   forward:  mean, var from one pass of double sums; y = act(x * scale + shift)
//   backward: dz = dy * act'(y) (the sign of y is the sign of the pre-activation);
//             sums of dz and dz*x in one pass; dx = a*dz + b*x + d per channel in another.
#include "dcgan/kernels/batch_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dcgan::kernels {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
constexpr auto kChannelsLast = at::MemoryFormat::ChannelsLast;
constexpr int64_t kRowGrain = 64;

// Sums `sums_per_row` per-channel quantities over all rows: row_fn(row, acc) adds one row's
// contributions into acc[0 .. sums_per_row*C). Each thread has its own accumulators.
// The activation and its derivative, branch-free so the per-channel loops vectorise (a branch
// on the sign of random activations mispredicts half the time and costs more than the math).
inline float activate(float t, float slope) {
  return std::max(t, 0.0f) + slope * std::min(t, 0.0f);
}
// dL/dt from dL/dy, given y = act(t): y > 0 exactly where t > 0.
inline float activation_grad(float y, float dy, float slope) {
  return dy * (slope + (1.0f - slope) * static_cast<float>(y > 0.0f));
}

// out[r, k] = act(in[r, k] * scale[k] + shift[k]) for rows [begin, end).
void normalize_rows(const float* __restrict in, float* __restrict out,
                    const float* __restrict scale, const float* __restrict shift, int64_t c,
                    float slope, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const float* __restrict row = in + r * c;
    float* __restrict dst = out + r * c;
    for (int64_t k = 0; k < c; ++k) dst[k] = activate(row[k] * scale[k] + shift[k], slope);
  }
}

// dx[r, k] = a[k] * dz + b[k] * x[r, k] + d[k], dz = act'(y) * dy, for rows [begin, end).
void input_grad_rows(const float* __restrict x, const float* __restrict y,
                     const float* __restrict dy, float* __restrict dx, const float* __restrict a,
                     const float* __restrict b, const float* __restrict d, int64_t c, float slope,
                     int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const int64_t o = r * c;
    for (int64_t k = 0; k < c; ++k) {
      dx[o + k] = a[k] * activation_grad(y[o + k], dy[o + k], slope) + b[k] * x[o + k] + d[k];
    }
  }
}

template <class RowFn>
std::vector<double> reduce_rows(int64_t rows, int64_t channels, int sums_per_row, RowFn row_fn) {
  const int64_t width = sums_per_row * channels;
  std::vector<double> partial(static_cast<size_t>(at::get_num_threads() * width), 0.0);
  at::parallel_for(0, rows, kRowGrain, [&](int64_t begin, int64_t end) {
    double* acc = partial.data() + at::get_thread_num() * width;
    for (int64_t r = begin; r < end; ++r) row_fn(r, acc);
  });
  std::vector<double> total(static_cast<size_t>(width), 0.0);
  for (size_t i = 0; i < partial.size(); ++i) total[i % width] += partial[i];
  return total;
}

class BatchNormActFunction : public torch::autograd::Function<BatchNormActFunction> {
 public:
  // x channels-last contiguous; weight/bias (C). Updates `bn`'s running statistics.
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               torch::nn::BatchNorm2dImpl* bn, double negative_slope) {
    const int64_t c = x.size(1), rows = x.numel() / c;
    const float* in = x.data_ptr<float>();
    auto moments = reduce_rows(rows, c, 2, [in, c](int64_t r, double* __restrict acc) {
      const float* __restrict row = in + r * c;
      for (int64_t k = 0; k < c; ++k) {
        const double v = row[k];
        acc[k] += v;
        acc[c + k] += v * v;
      }
    });
    const double eps = bn->options.eps(), momentum = bn->options.momentum().value_or(0.1);
    auto stats = torch::empty({2, c}, x.options());  // mean, invstd
    auto scale_shift = torch::empty({2, c}, x.options());
    float* mean = stats[0].data_ptr<float>();
    float* invstd = stats[1].data_ptr<float>();
    float* scale = scale_shift[0].data_ptr<float>();
    float* shift = scale_shift[1].data_ptr<float>();
    const float* gamma = weight.data_ptr<float>();
    const float* beta = bias.data_ptr<float>();
    float* running_mean = bn->running_mean.data_ptr<float>();
    float* running_var = bn->running_var.data_ptr<float>();
    for (int64_t k = 0; k < c; ++k) {
      const double m = moments[k] / rows;
      const double var = std::max(moments[c + k] / rows - m * m, 0.0);
      const double is = 1.0 / std::sqrt(var + eps);
      mean[k] = static_cast<float>(m);
      invstd[k] = static_cast<float>(is);
      scale[k] = static_cast<float>(gamma[k] * is);
      shift[k] = static_cast<float>(beta[k] - m * gamma[k] * is);
      // Running variance is the unbiased one, as in torch::nn::BatchNorm2d.
      running_mean[k] = static_cast<float>((1 - momentum) * running_mean[k] + momentum * m);
      running_var[k] = static_cast<float>((1 - momentum) * running_var[k] +
                                          momentum * var * rows / std::max<int64_t>(rows - 1, 1));
    }
    auto y = torch::empty_like(x, kChannelsLast);
    float* out = y.data_ptr<float>();
    const float slope = static_cast<float>(negative_slope);
    at::parallel_for(0, rows, kRowGrain, [&](int64_t begin, int64_t end) {
      normalize_rows(in, out, scale, shift, c, slope, begin, end);
    });
    ctx->save_for_backward({x, y, weight, stats});
    ctx->saved_data["negative_slope"] = negative_slope;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& y = saved[1];
    const auto& weight = saved[2];
    const auto& stats = saved[3];
    const float slope = static_cast<float>(ctx->saved_data["negative_slope"].toDouble());
    auto dy = grads[0].contiguous(kChannelsLast);
    const int64_t c = x.size(1), rows = x.numel() / c;
    const float* in = x.data_ptr<float>();
    const float* out = y.data_ptr<float>();
    const float* grad_out = dy.data_ptr<float>();
    // Sums of dz and dz*x per channel.
    auto sums = reduce_rows(rows, c, 2, [=](int64_t r, double* __restrict acc) {
      const float* __restrict xr = in + r * c;
      const float* __restrict yr = out + r * c;
      const float* __restrict gr = grad_out + r * c;
      for (int64_t k = 0; k < c; ++k) {
        const float dz = activation_grad(yr[k], gr[k], slope);
        acc[k] += dz;
        acc[c + k] += static_cast<double>(dz) * xr[k];
      }
    });
    const float* mean = stats[0].data_ptr<float>();
    const float* invstd = stats[1].data_ptr<float>();
    const float* gamma = weight.data_ptr<float>();
    auto grad_weight = torch::empty({c}, x.options());
    auto grad_bias = torch::empty({c}, x.options());
    float* grad_gamma = grad_weight.data_ptr<float>();
    float* grad_beta = grad_bias.data_ptr<float>();
    auto coefficients = torch::empty({3, c}, x.options());
    float* a = coefficients[0].data_ptr<float>();
    float* b = coefficients[1].data_ptr<float>();
    float* d = coefficients[2].data_ptr<float>();
    for (int64_t k = 0; k < c; ++k) {
      const double is = invstd[k], m = mean[k];
      const double sum_dz = sums[k];
      const double sum_dz_xhat = (sums[c + k] - m * sum_dz) * is;
      grad_beta[k] = static_cast<float>(sum_dz);
      grad_gamma[k] = static_cast<float>(sum_dz_xhat);
      // dx = gamma*is*(dz - mean(dz) - xhat*mean(dz*xhat)), expanded as a*dz + b*x + d.
      const double gi = gamma[k] * is, mean_dz = sum_dz / rows;
      const double mean_dz_xhat = sum_dz_xhat / rows;
      a[k] = static_cast<float>(gi);
      b[k] = static_cast<float>(-gi * is * mean_dz_xhat);
      d[k] = static_cast<float>(-gi * mean_dz + gi * is * m * mean_dz_xhat);
    }
    auto dx = torch::empty_like(x, kChannelsLast);
    float* grad_in = dx.data_ptr<float>();
    at::parallel_for(0, rows, kRowGrain, [&](int64_t begin, int64_t end) {
      input_grad_rows(in, out, grad_out, grad_in, a, b, d, c, slope, begin, end);
    });
    return {dx, grad_weight, grad_bias, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor fast_batch_norm_act(const torch::Tensor& x, torch::nn::BatchNorm2dImpl& bn,
                                  double negative_slope) {
  const bool plain = !bn.is_training() || !bn.options.affine() ||
                     !bn.options.track_running_stats() || !x.device().is_cpu() ||
                     x.scalar_type() != torch::kFloat;
  if (plain) {
    auto t = bn.forward(x);
    return negative_slope == 0 ? torch::relu(t) : torch::leaky_relu(t, negative_slope);
  }
  {
    torch::NoGradGuard no_grad;
    bn.num_batches_tracked += 1;
  }
  return BatchNormActFunction::apply(x.contiguous(kChannelsLast), bn.weight, bn.bias, &bn,
                                     negative_slope);
}

}  // namespace dcgan::kernels
