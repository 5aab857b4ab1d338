// The whole DCGAN with --kernels fast against --kernels torch from the same parameters: the
// generator's image and the discriminator's logits, and the gradient of every parameter of
// both after a G step and a D step (relative L2 error <= 1e-4), at sizes 32, 48 and 64. Also
// checks that both kernel choices name their parameters identically (shared checkpoints), and
// that whole training iterations (fused Adam, cached weight layouts) stay on the same path, with
// every quality option on too (mbstd, spectral norm, DiffAugment, R1, the other losses, TTUR).
#include <gtest/gtest.h>

#include <regex>

#include "dcgan/gan/losses.h"
#include "dcgan/gan/models.h"
#include "dcgan/gan/train_step.h"

using namespace dcgan::gan;

namespace {

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  return (got - want).norm().item<double>() / std::max(want.norm().item<double>(), 1e-30);
}

ModelConfig config(int size, const std::string& kernels) {
  ModelConfig c;
  c.size = size;
  c.gf_dim = c.df_dim = 16;
  c.kernels = kernels;
  return c;
}

void copy_parameters(torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto source = from.named_parameters();
  for (auto& item : to.named_parameters()) item.value().copy_(source[item.key()]);
  auto buffers = from.named_buffers();  // BN statistics, spectral-norm vectors
  for (auto& item : to.named_buffers()) item.value().copy_(buffers[item.key()]);
}

struct Grads {
  torch::Tensor image, logits;
  std::map<std::string, torch::Tensor> g, d;
};

// One G-step-like and one D-step-like backward, gradients collected from both models.
Grads run(GeneratorBase& g, DiscriminatorBase& d, const torch::Tensor& z,
          const torch::Tensor& real) {
  Grads out;
  auto image = g.forward(z);
  auto logits = d.forward(image);
  generator_loss(logits, "non_saturating").backward();
  for (auto& p : g.named_parameters()) out.g[p.key()] = p.value().grad().clone();
  for (auto& p : d.parameters()) p.mutable_grad() = torch::Tensor();
  auto loss = discriminator_loss(d.forward(real), d.forward(image.detach()), 0.0);
  (loss.real + loss.fake).backward();
  for (auto& p : d.named_parameters()) out.d[p.key()] = p.value().grad().clone();
  out.image = image.detach();
  out.logits = logits.detach();
  return out;
}

// A bias right before BN has a zero gradient in exact arithmetic (BN subtracts the mean), so
// both kernels leave only rounding noise there: those are checked to be negligible against the
// layer's weight gradient instead of against each other.
void expect_same_gradients(const std::map<std::string, torch::Tensor>& fast,
                           const std::map<std::string, torch::Tensor>& ref, const std::string& at) {
  const std::regex bias_before_bn("(conv[234]|deconv[123])\\.bias");
  for (auto& [name, grad] : ref) {
    if (std::regex_match(name, bias_before_bn)) {
      auto weight_grad_norm = ref.at(name.substr(0, name.size() - 4) + "weight").norm();
      EXPECT_LE(fast.at(name).norm().item<double>(), 1e-4 * weight_grad_norm.item<double>())
          << name << at;
      continue;
    }
    EXPECT_LE(relative_error(fast.at(name), grad), 1e-4) << name << at;
  }
}

TEST(FastModels, SameImagesLogitsAndGradientsAsLibTorch) {
  for (int size : {32, 48, 64}) {
    torch::manual_seed(size);
    auto g_ref = make_generator(config(size, "torch"));
    auto d_ref = make_discriminator(config(size, "torch"));
    auto g_fast = make_generator(config(size, "fast"));
    auto d_fast = make_discriminator(config(size, "fast"));
    copy_parameters(*g_ref, *g_fast);
    copy_parameters(*d_ref, *d_fast);
    // Batch 16: with fewer samples the smallest BN layers (B*2*2 values at size 32) are so
    // ill-conditioned that any two float32 implementations differ by more than 1e-4.
    auto z = torch::rand({16, 100}) * 2 - 1;
    auto real = torch::rand({16, 3, size, size}) * 2 - 1;
    Grads ref = run(*g_ref, *d_ref, z, real);
    Grads fast = run(*g_fast, *d_fast, z, real);
    const std::string at = " at size " + std::to_string(size);
    EXPECT_LE(relative_error(fast.image, ref.image), 1e-4) << "image" << at;
    EXPECT_LE(relative_error(fast.logits, ref.logits), 1e-4) << "logits" << at;
    ASSERT_EQ(fast.g.size(), ref.g.size());
    ASSERT_EQ(fast.d.size(), ref.d.size());
    expect_same_gradients(fast.g, ref.g, "G" + at);
    expect_same_gradients(fast.d, ref.d, "D" + at);
    // Running statistics move the same way.
    auto ref_buffers = g_ref->named_buffers();
    for (auto& b : g_fast->named_buffers()) {
      EXPECT_LE(
          relative_error(b.value().to(torch::kDouble), ref_buffers[b.key()].to(torch::kDouble)),
          1e-4)
          << "G buffer " << b.key() << at;
    }
  }
}

TEST(FastModels, EvaluationModeMatchesToo) {
  torch::manual_seed(1);
  auto g_ref = make_generator(config(48, "torch"));
  auto g_fast = make_generator(config(48, "fast"));
  copy_parameters(*g_ref, *g_fast);
  g_ref->eval();
  g_fast->eval();
  torch::NoGradGuard no_grad;
  auto z = torch::rand({3, 100}) * 2 - 1;
  EXPECT_LE(relative_error(g_fast->forward(z), g_ref->forward(z)), 1e-4);
}

// Three recipe iterations (D step, two G steps) from the same start and data: the fast path
// (oneDNN layers, fused BN and Adam, weights reordered once per update) must produce the same
// generator as LibTorch's. A stale cached weight, or an update not seen by the next forward
// pass, moves the image by about the size of one Adam step (~1% here).
TEST(FastModels, TrainingIterationsFollowTheLibTorchPath) {
  torch::manual_seed(5);
  auto g_ref = make_generator(config(32, "torch"));
  auto d_ref = make_discriminator(config(32, "torch"));
  auto g_fast = make_generator(config(32, "fast"));
  auto d_fast = make_discriminator(config(32, "fast"));
  copy_parameters(*g_ref, *g_fast);
  copy_parameters(*d_ref, *d_fast);
  StepConfig plain_config, fast_config;
  fast_config.fused_adam = true;
  GanStep plain(g_ref, d_ref, plain_config);
  GanStep fast(g_fast, d_fast, fast_config);
  std::vector<torch::Tensor> reals, zs;
  for (int i = 0; i < 3; ++i) {
    reals.push_back(torch::rand({16, 3, 32, 32}) * 2 - 1);
    zs.push_back(torch::rand({16, 100}) * 2 - 1);
  }
  for (int i = 0; i < 3; ++i) {
    plain.run({reals[i]}, [&](int64_t) { return zs[i]; });
    fast.run({reals[i]}, [&](int64_t) { return zs[i]; });
  }
  torch::NoGradGuard no_grad;
  auto z = torch::rand({16, 100}) * 2 - 1;
  EXPECT_LE(relative_error(g_fast->forward(z), g_ref->forward(z)), 2e-3);
  auto x = torch::rand({16, 3, 32, 32}) * 2 - 1;
  EXPECT_LE(relative_error(d_fast->forward(x), d_ref->forward(x)), 2e-3);
}

}  // namespace

namespace {

std::map<std::string, torch::Tensor> gradients_of(torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> grads;
  for (auto& p : module.named_parameters()) grads[p.key()] = p.value().grad().clone();
  return grads;
}

// Whole iterations with every option on, from the same weights, data, z and augmentation draws:
// the gradients of G and D (those of the iteration's last G and D steps) agree within 1e-4,
// on an R1 iteration (whose real pass both run through LibTorch's layers) and on a plain one.
// The learning rates are tiny so that every pass of both sees the same weights: Adam turns the
// rounding noise of a gradient that is zero in exact arithmetic (a bias before BatchNorm) into
// a full-size step of either sign, and D's BatchNorm on G's nearly constant first images is
// ill-conditioned enough to pass such a bias difference on to G's gradient.
TEST(FastModels, EveryQualityOptionAgreesWithLibTorch) {
  for (const std::string loss : {"ls", "hinge", "non_saturating"}) {
    for (int size : {32, 48}) {
      torch::manual_seed(size + 1);
      auto model = [&](const std::string& kernels) {
        ModelConfig c = config(size, kernels);
        c.mbstd_group = 4;
        c.spectral_norm = true;
        return c;
      };
      auto g_ref = make_generator(model("torch")), g_fast = make_generator(model("fast"));
      auto d_ref = make_discriminator(model("torch")), d_fast = make_discriminator(model("fast"));
      copy_parameters(*g_ref, *g_fast);
      copy_parameters(*d_ref, *d_fast);
      StepConfig step;
      step.loss = loss;
      step.lr_g = 1e-12;
      step.lr_d = 2e-12;
      step.augment = "color,translation,cutout";
      step.r1_gamma = 0.5;
      step.r1_every = 2;
      StepConfig fast_step = step;
      fast_step.fused_adam = true;
      GanStep plain(g_ref, d_ref, step), fast(g_fast, d_fast, fast_step);
      for (int iteration = 0; iteration < 2; ++iteration) {
        auto real = torch::rand({16, 3, size, size}) * 2 - 1;
        auto z = torch::rand({16, 100}) * 2 - 1;
        torch::manual_seed(100 + iteration);
        StepStats ref_stats = plain.run(
            {real}, [&](int64_t) { return z; }, iteration);
        torch::manual_seed(100 + iteration);
        StepStats fast_stats = fast.run(
            {real}, [&](int64_t) { return z; }, iteration);
        const std::string at = " with --loss " + loss + " at size " + std::to_string(size) +
                               ", iteration " + std::to_string(iteration);
        EXPECT_EQ(ref_stats.r1.defined(), iteration == 0) << at;
        if (iteration == 0) {
          EXPECT_LE(relative_error(fast_stats.r1, ref_stats.r1), 1e-4) << "R1" << at;
        }
        expect_same_gradients(gradients_of(*g_fast), gradients_of(*g_ref), " G" + at);
        expect_same_gradients(gradients_of(*d_fast), gradients_of(*d_ref), " D" + at);
      }
    }
  }
}

}  // namespace
