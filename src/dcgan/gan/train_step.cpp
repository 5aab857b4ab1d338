// One GAN iteration; see train_step.h.
#include "dcgan/gan/train_step.h"

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

}  // namespace

void StepConfig::validate() const {
  require(d_steps >= 1 && d_steps <= 100, "--d-steps must be between 1 and 100");
  require(g_steps >= 1 && g_steps <= 100, "--g-steps must be between 1 and 100");
  require(loss == "non_saturating" || loss == "minimax",
          "--loss must be non_saturating or minimax (got '" + loss + "')");
  require(label_smooth >= 0 && label_smooth < 0.5, "--label-smooth must be in [0, 0.5)");
  require(lr > 0 && lr < 1, "--lr must be in (0, 1)");
  require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "--beta1/--beta2 must be in [0, 1)");
}

GanStep::GanStep(std::shared_ptr<GeneratorBase> generator,
                 std::shared_ptr<DiscriminatorBase> discriminator, const StepConfig& config)
    : g_(std::move(generator)), d_(std::move(discriminator)), config_(config) {
  config_.validate();
  auto options = torch::optim::AdamOptions(config_.lr).betas({config_.beta1, config_.beta2});
  auto make_optimizer = [&](std::vector<torch::Tensor> parameters) {
    return config_.fused_adam
               ? std::make_unique<kernels::FusedAdam>(std::move(parameters), options)
               : std::make_unique<torch::optim::Adam>(std::move(parameters), options);
  };
  optimizer_g_ = make_optimizer(g_->parameters());
  optimizer_d_ = make_optimizer(d_->parameters());
}

StepStats GanStep::run(const std::vector<torch::Tensor>& real_batches,
                       const std::function<torch::Tensor(int64_t)>& sample_z) {
  TORCH_CHECK(static_cast<int>(real_batches.size()) == config_.d_steps,
              "GanStep::run needs one real batch per D step");
  StepStats stats;
  torch::Tensor z, fake;
  std::optional<RunningStatsReplay> replay;
  for (size_t i = 0; i < real_batches.size(); ++i) {
    const auto& real = real_batches[i];
    z = sample_z(real.size(0));
    optimizer_d_->zero_grad();
    auto real_logits = d_->forward(real);
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
    auto fake_logits = d_->forward(fake.detach());
    auto loss = discriminator_loss(real_logits, fake_logits, config_.label_smooth);
    (loss.real + loss.fake).backward();
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
    auto loss_g = generator_loss(d_->forward(fake), config_.loss);
    loss_g.backward();
    // Now that the reused graph is spent (LibTorch's BatchNorm saves the running statistics
    // for its backward) and before the next forward updates them again.
    if (i == 0) replay->repeat_update();
    optimizer_g_->step();
    stats.loss_g = loss_g.detach();
  }
  return stats;
}

}  // namespace dcgan::gan
