// One GAN iteration; see train_step.h.
#include "dcgan/gan/train_step.h"

#include <cmath>
#include <optional>

#include "dcgan/core/error.h"
#include "dcgan/gan/losses.h"
#include "dcgan/kernels/adam.h"

namespace dcgan::gan {
namespace {
// Makes a module's parameters not require grad for the guard's lifetime.
class FreezeParameters {
 public:
  explicit FreezeParameters(torch::nn::Module& module) : module_(module) { set(false); }
  ~FreezeParameters() { set(true); }

 private:
  void set(bool value) {
    for (auto& p : module_.parameters()) p.requires_grad_(value);
  }
  torch::nn::Module& module_;
};

// G's BatchNorm running statistics before a forward pass, to apply the update that pass made a
// second time: what another forward with the same weights and the same z would do, since its
// batch statistics are the same. With r1 = (1 - m) r0 + m s, the second update
// (1 - m) r1 + m s equals r1 + (1 - m) (r1 - r0).
class RunningStatsReplay {
 public:
  explicit RunningStatsReplay(torch::nn::Module& module) {
    for (const auto& child : module.modules(/*include_self=*/false)) {
      if (auto* bn = child->as<torch::nn::BatchNorm2dImpl>()) {
        TORCH_CHECK(bn->options.momentum().has_value(),
                    "running-statistics replay needs a BatchNorm momentum");
        layers_.push_back({bn, bn->running_mean.clone(), bn->running_var.clone(),
                           bn->num_batches_tracked.clone()});
      }
    }
  }

  void repeat_update() {
    torch::NoGradGuard no_grad;
    for (auto& l : layers_) {
      const double keep = 1 - *l.bn->options.momentum();
      l.bn->running_mean.add_(l.bn->running_mean - l.mean, keep);
      l.bn->running_var.add_(l.bn->running_var - l.var, keep);
      l.bn->num_batches_tracked.add_(l.bn->num_batches_tracked - l.count);
    }
  }

 private:
  struct Layer {
    torch::nn::BatchNorm2dImpl* bn;
    torch::Tensor mean, var, count;
  };
  std::vector<Layer> layers_;
};

// Runs D's layers through LibTorch's own modules for the guard's lifetime.
class ReferenceLayers {
 public:
  explicit ReferenceLayers(DiscriminatorBase& d) : d_(d) { d_.set_reference_layers(true); }
  ~ReferenceLayers() { d_.set_reference_layers(false); }

 private:
  DiscriminatorBase& d_;
};

}  // namespace

torch::Tensor r1_penalty(const torch::Tensor& real_logits, const torch::Tensor& real) {
  // D's logits are independent per image only without BatchNorm; as StyleGAN2 does, the
  // gradient is that of their sum, so every image's row is d(sum of logits)/d(its pixels).
  auto grad = torch::autograd::grad({real_logits.sum()}, {real}, /*grad_outputs=*/{},
                                    /*retain_graph=*/true, /*create_graph=*/true)[0];
  return grad.square().flatten(1).sum(1).mean();
}

void StepConfig::validate() const {
  require(d_steps >= 1 && d_steps <= 100, "--d-steps must be between 1 and 100");
  require(g_steps >= 1 && g_steps <= 100, "--g-steps must be between 1 and 100");
  require(is_loss_kind(loss),
          "--loss must be non_saturating, minimax, ls or hinge (got '" + loss + "')");
  require(label_smooth >= 0 && label_smooth < 0.5, "--label-smooth must be in [0, 0.5)");
  require(loss != "hinge" || label_smooth == 0,
          "--label-smooth has no target to smooth with --loss hinge; drop one of them");
  require(lr_g > 0 && lr_g < 1, "--lr-g (or --lr) must be in (0, 1)");
  require(lr_d > 0 && lr_d < 1, "--lr-d (or --lr) must be in (0, 1)");
  require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "--beta1/--beta2 must be in [0, 1)");
  AugmentPolicy::parse(augment);
  require(r1_gamma >= 0 && std::isfinite(r1_gamma), "--r1 must be 0 (off) or positive");
  require(r1_every >= 1 && r1_every <= 1000000, "--r1-every must be between 1 and 1000000");
}

GanStep::GanStep(std::shared_ptr<GeneratorBase> generator,
                 std::shared_ptr<DiscriminatorBase> discriminator, const StepConfig& config)
    : g_(std::move(generator)), d_(std::move(discriminator)), config_(config) {
  config_.validate();
  augment_ = AugmentPolicy::parse(config_.augment);
  auto make_optimizer = [&](std::vector<torch::Tensor> parameters, double lr) {
    auto options = torch::optim::AdamOptions(lr).betas({config_.beta1, config_.beta2});
    return config_.fused_adam
               ? std::make_unique<kernels::FusedAdam>(std::move(parameters), options)
               : std::make_unique<torch::optim::Adam>(std::move(parameters), options);
  };
  optimizer_g_ = make_optimizer(g_->parameters(), config_.lr_g);
  optimizer_d_ = make_optimizer(d_->parameters(), config_.lr_d);
}

torch::Tensor GanStep::augmented(const torch::Tensor& images) const {
  return augment_.any() ? diff_augment(images, augment_) : images;
}

StepStats GanStep::run(const std::vector<torch::Tensor>& real_batches,
                       const std::function<torch::Tensor(int64_t)>& sample_z, int64_t iteration) {
  TORCH_CHECK(static_cast<int>(real_batches.size()) == config_.d_steps,
              "GanStep::run needs one real batch per D step");
  StepStats stats;
  torch::Tensor z, fake;
  std::optional<RunningStatsReplay> replay;
  const bool r1_now = config_.r1_gamma > 0 && iteration % config_.r1_every == 0;
  for (size_t i = 0; i < real_batches.size(); ++i) {
    torch::Tensor real = real_batches[i];
    d_->spectral_norm_power_iteration();
    z = sample_z(real.size(0));
    optimizer_d_->zero_grad();
    torch::Tensor real_logits;
    if (r1_now) {
      real = real.detach().requires_grad_(true);
      ReferenceLayers reference(*d_);
      real_logits = d_->forward(augmented(real));
    } else {
      real_logits = d_->forward(augmented(real));
    }
    if (i + 1 < real_batches.size()) {
      torch::NoGradGuard no_grad;  // D's step needs no gradient through G
      fake = g_->forward(z);
    } else {
      // The first G step would run G on this z with these weights again (D's step changes
      // only D): it takes this output and its graph instead, and G's BatchNorm running
      // statistics get that second forward's update.
      replay.emplace(*g_);
      fake = g_->forward(z);
    }
    auto fake_logits = d_->forward(augmented(fake.detach()));
    auto loss = discriminator_loss(real_logits, fake_logits, config_.label_smooth, config_.loss);
    auto loss_d = loss.real + loss.fake;
    if (r1_now) {
      stats.r1 = r1_penalty(real_logits, real);
      loss_d = loss_d + stats.r1 * (config_.r1_gamma / 2 * config_.r1_every);
      stats.r1 = stats.r1.detach();
    }
    if (before_backward_hook_) before_backward_hook_(*d_);
    loss_d.backward();
    if (gradient_hook_) gradient_hook_(*d_);
    optimizer_d_->step();
    stats.loss_d_real = loss.real.detach();
    stats.loss_d_fake = loss.fake.detach();
    stats.d_real = torch::sigmoid(real_logits.detach()).mean();
    stats.d_fake = torch::sigmoid(fake_logits.detach()).mean();
  }
  // G steps: gradients flow through D to the image but D's own weight gradients are not
  // needed, so D's parameters stop requiring grad meanwhile (skips their backward kernels).
  FreezeParameters freeze_d(*d_);
  for (int i = 0; i < config_.g_steps; ++i) {
    optimizer_g_->zero_grad();
    if (i > 0) fake = g_->forward(z);
    auto loss_g = generator_loss(d_->forward(augmented(fake)), config_.loss);
    if (before_backward_hook_) before_backward_hook_(*g_);
    loss_g.backward();
    // Now that the reused graph is spent (LibTorch's BatchNorm saves the running statistics
    // for its backward) and before the next forward updates them again.
    if (i == 0) replay->repeat_update();
    if (gradient_hook_) gradient_hook_(*g_);
    optimizer_g_->step();
    stats.loss_g = loss_g.detach();
  }
  return stats;
}

}  // namespace dcgan::gan
