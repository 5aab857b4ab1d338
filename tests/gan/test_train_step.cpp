// GanStep against the recipe's iteration written out literally (every G step recomputes G(z),
// and so updates G's BatchNorm running statistics once more): the same weights, optimiser
// results and running statistics, for both kernel paths and other D/G step counts.
#include <gtest/gtest.h>

#include "dcgan/gan/losses.h"
#include "dcgan/gan/train_step.h"

using namespace dcgan::gan;

namespace {

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  auto g = got.to(torch::kDouble), w = want.to(torch::kDouble);
  return (g - w).norm().item<double>() / std::max(w.norm().item<double>(), 1e-30);
}

void copy_state(torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto params = to.named_parameters();
  for (const auto& p : from.named_parameters()) params[p.key()].copy_(p.value());
  auto buffers = to.named_buffers();
  for (const auto& b : from.named_buffers()) buffers[b.key()].copy_(b.value());
}

void expect_same_state(torch::nn::Module& got, torch::nn::Module& want, const std::string& what) {
  auto params = want.named_parameters();
  for (const auto& p : got.named_parameters()) {
    EXPECT_LE(relative_error(p.value(), params[p.key()]), 1e-6) << what << " " << p.key();
  }
  auto buffers = want.named_buffers();
  for (const auto& b : got.named_buffers()) {
    EXPECT_LE(relative_error(b.value(), buffers[b.key()]), 1e-6) << what << " " << b.key();
  }
}

// The recipe's iteration as carpedm20 runs it: d_steps x [D step], g_steps x [G step], each
// computing its own G(z).
void literal_iteration(GeneratorBase& g, DiscriminatorBase& d, torch::optim::Adam& opt_g,
                       torch::optim::Adam& opt_d, const std::vector<torch::Tensor>& reals,
                       const std::vector<torch::Tensor>& zs, int g_steps,
                       const std::string& loss_kind) {
  for (size_t i = 0; i < reals.size(); ++i) {
    opt_d.zero_grad();
    auto real_logits = d.forward(reals[i]);
    torch::Tensor fake;
    {
      torch::NoGradGuard no_grad;
      fake = g.forward(zs[i]);
    }
    auto loss = discriminator_loss(real_logits, d.forward(fake), 0.0, loss_kind);
    (loss.real + loss.fake).backward();
    opt_d.step();
  }
  for (int i = 0; i < g_steps; ++i) {
    opt_g.zero_grad();
    generator_loss(d.forward(g.forward(zs.back())), loss_kind).backward();
    opt_g.step();
  }
}

TEST(GanStep, SameTrainingAsTheLiteralRecipeIteration) {
  struct Case {
    std::string kernels;
    int d_steps, g_steps;
    std::string loss = "non_saturating";
    double lr_g = 2e-4, lr_d = 2e-4;  // --lr-g, --lr-d: each network gets its own
  };
  for (const Case& c :
       {Case{"torch", 1, 2}, Case{"fast", 1, 2}, Case{"torch", 2, 3},
        Case{"torch", 1, 2, "ls", 1e-4, 4e-4}, Case{"fast", 1, 2, "hinge", 3e-4, 1e-4}}) {
    const std::string what = c.kernels + " d_steps " + std::to_string(c.d_steps) + " g_steps " +
                             std::to_string(c.g_steps) + " loss " + c.loss;
    torch::manual_seed(11);
    ModelConfig model;
    model.size = 32;
    model.gf_dim = model.df_dim = 16;
    model.kernels = c.kernels;
    auto g = make_generator(model), g_literal = make_generator(model);
    auto d = make_discriminator(model), d_literal = make_discriminator(model);
    copy_state(*g, *g_literal);
    copy_state(*d, *d_literal);
    StepConfig config;
    config.d_steps = c.d_steps;
    config.g_steps = c.g_steps;
    config.loss = c.loss;
    config.lr_g = c.lr_g;
    config.lr_d = c.lr_d;
    GanStep step(g, d, config);
    auto adam = [&](double lr) {
      return torch::optim::AdamOptions(lr).betas({config.beta1, config.beta2});
    };
    torch::optim::Adam opt_g(g_literal->parameters(), adam(config.lr_g)),
        opt_d(d_literal->parameters(), adam(config.lr_d));
    for (int iteration = 0; iteration < 3; ++iteration) {
      std::vector<torch::Tensor> reals, zs;
      for (int i = 0; i < c.d_steps; ++i) {
        reals.push_back(torch::rand({8, 3, 32, 32}) * 2 - 1);
        zs.push_back(torch::rand({8, model.z_dim}) * 2 - 1);
      }
      size_t next_z = 0;
      step.run(reals, [&](int64_t) { return zs[next_z++]; });
      literal_iteration(*g_literal, *d_literal, opt_g, opt_d, reals, zs, c.g_steps, c.loss);
    }
    expect_same_state(*g, *g_literal, what + ": G");
    expect_same_state(*d, *d_literal, what + ": D");
  }
}

}  // namespace
