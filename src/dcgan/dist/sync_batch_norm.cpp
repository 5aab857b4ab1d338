// See sync_batch_norm.h. With y = gamma * xhat + beta, xhat = (x - mean) * invstd and g = dL/dy
// (through the activation), the input gradient is
//   dx = gamma * invstd * (g - sum(g) / n - xhat * sum(g * xhat) / n)
// with both sums and n over the job's batch: one all-reduce of 2C values per layer and pass.
// gamma's and beta's gradients are this rank's sums; the ranks' gradient averaging then gives
// exactly the one-process gradient.
#include "dcgan/dist/sync_batch_norm.h"

namespace dcgan::dist {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Per-channel sums over (B, H, W) as (C).
torch::Tensor channel_sum(const torch::Tensor& t) { return t.sum({0, 2, 3}); }
torch::Tensor per_channel(const torch::Tensor& v) { return v.view({1, -1, 1, 1}); }

class SyncBatchNormAct : public torch::autograd::Function<SyncBatchNormAct> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               torch::nn::BatchNorm2dImpl* bn, double slope, Group* group) {
    const int64_t channels = x.size(1);
    const double local_count = static_cast<double>(x.numel() / channels);
    torch::Tensor stats = torch::cat(
        {channel_sum(x), channel_sum(x * x), torch::full({1}, local_count, x.options())});
    group->sum({stats});
    const double count = stats[2 * channels].item<double>();
    const torch::Tensor mean = stats.narrow(0, 0, channels) / count;
    const torch::Tensor var =
        (stats.narrow(0, channels, channels) / count - mean * mean).clamp_min(0);
    const double eps = bn->options.eps();
    const torch::Tensor invstd = (var + eps).rsqrt();
    const torch::Tensor xhat = (x - per_channel(mean)) * per_channel(invstd);
    const torch::Tensor y = xhat * per_channel(weight) + per_channel(bias);
    const torch::Tensor out = slope == 0 ? torch::relu(y) : torch::leaky_relu(y, slope);
    {
      torch::NoGradGuard no_grad;
      const double momentum = bn->options.momentum().value_or(0.1);
      bn->running_mean.mul_(1 - momentum).add_(mean, momentum);
      bn->running_var.mul_(1 - momentum).add_(var * (count / std::max(count - 1, 1.0)), momentum);
      bn->num_batches_tracked.add_(1);
    }
    ctx->save_for_backward({xhat, invstd, weight, y});
    ctx->saved_data["slope"] = slope;
    ctx->saved_data["count"] = count;
    ctx->saved_data["group"] = reinterpret_cast<int64_t>(group);
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& xhat = saved[0];
    const torch::Tensor& invstd = saved[1];
    const torch::Tensor& weight = saved[2];
    const torch::Tensor& y = saved[3];
    const double slope = ctx->saved_data["slope"].toDouble();
    const double count = ctx->saved_data["count"].toDouble();
    auto* group = reinterpret_cast<Group*>(ctx->saved_data["group"].toInt());
    const torch::Tensor g =
        grad_outputs[0] * torch::where(y > 0, torch::ones_like(y), torch::full_like(y, slope));
    const torch::Tensor sum_g = channel_sum(g);
    const torch::Tensor sum_g_xhat = channel_sum(g * xhat);
    torch::Tensor sums = torch::cat({sum_g, sum_g_xhat});
    group->sum({sums});
    const int64_t channels = weight.size(0);
    const torch::Tensor mean_g = sums.narrow(0, 0, channels) / count;
    const torch::Tensor mean_g_xhat = sums.narrow(0, channels, channels) / count;
    const torch::Tensor dx =
        per_channel(weight * invstd) * (g - per_channel(mean_g) - xhat * per_channel(mean_g_xhat));
    return {dx, sum_g_xhat, sum_g, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor sync_batch_norm_act(const torch::Tensor& x, torch::nn::BatchNorm2dImpl& bn,
                                  double slope, Group& group) {
  return SyncBatchNormAct::apply(x, bn.weight, bn.bias, &bn, slope, &group);
}

}  // namespace dcgan::dist
