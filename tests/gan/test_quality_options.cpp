// The quality options' mathematics on small known inputs: the EMA update and its ramp, the
// averaged G's recomputed BatchNorm statistics, the minibatch standard deviation channel, the
// losses (values and gradients), spectral normalisation's sigma against an SVD, the R1 penalty
// against finite differences (and its gradient, through the double backward), each DiffAugment
// op's effect and that gradients flow through it, --max-time's durations and the presets.
#include <gtest/gtest.h>

#include "dcgan/core/error.h"
#include "dcgan/gan/augment.h"
#include "dcgan/gan/generator_average.h"
#include "dcgan/gan/losses.h"
#include "dcgan/gan/models.h"
#include "dcgan/gan/spectral_norm.h"
#include "dcgan/gan/train_config.h"
#include "dcgan/gan/train_step.h"

using namespace dcgan::gan;

namespace {

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

ModelConfig tiny_dcgan(const std::string& kernels = "torch") {
  ModelConfig c;
  c.size = 16;
  c.gf_dim = c.df_dim = 4;
  c.z_dim = 8;
  c.kernels = kernels;
  return c;
}

// ------------------------------------------------------------------------------------- EMA

TEST(Ema, AutoRampsTheHalfLifeWithTheImagesSeen) {
  // Nothing seen yet: beta 0, the average is a copy.
  EXPECT_EQ(ema_decay("auto", 0, 64), 0.0);
  // Early: half-life 0.05 n images. After 96,000 images: 4,800, beta = 0.5^(64 / 4800).
  EXPECT_DOUBLE_EQ(ema_decay("auto", 96000, 64), std::pow(0.5, 64.0 / 4800.0));
  // Late: capped at 312.5 images per batch image (20,000 at batch 64), beta = 0.5^(1 / 312.5).
  EXPECT_DOUBLE_EQ(ema_decay("auto", 10000000, 64), std::pow(0.5, 1.0 / 312.5));
  EXPECT_DOUBLE_EQ(ema_decay("auto", 10000000, 16), std::pow(0.5, 1.0 / 312.5));
  // The cap takes over where 0.05 n = 312.5 B: n = 400,000 at batch 64.
  EXPECT_DOUBLE_EQ(ema_decay("auto", 400000, 64), ema_decay("auto", 800000, 64));
  EXPECT_LT(ema_decay("auto", 200000, 64), ema_decay("auto", 400000, 64));
  // A fixed decay is that decay at any point.
  EXPECT_EQ(ema_decay("0.999", 0, 64), 0.999);
  EXPECT_EQ(ema_decay("0.999", 123456, 64), 0.999);
}

TEST(Ema, ValuesAreCheckedAndSpelledCanonically) {
  for (const char* good : {"off", "auto", "0.999", "0.5", "1e-3"}) {
    EXPECT_NO_THROW(validate_ema(good)) << good;
  }
  for (const char* bad : {"", "on", "1", "0", "-0.5", "1.5", "0.9x", "nan"}) {
    EXPECT_THROW(validate_ema(bad), dcgan::ConfigError) << bad;
  }
  EXPECT_EQ(normalized_ema("0.9990"), "0.999");
  EXPECT_EQ(normalized_ema("auto"), "auto");
  EXPECT_FALSE(ema_enabled("off"));
  EXPECT_TRUE(ema_enabled("auto"));
}

TEST(Ema, EachUpdateMovesEveryParameterByTheDecay) {
  torch::manual_seed(1);
  const ModelConfig model = tiny_dcgan();
  auto live = make_generator(model);
  GeneratorAverage average(model, "0.75", *live, "uniform", 1, 8);
  auto start = average.generator().named_parameters();
  for (const auto& p : live->named_parameters()) {
    EXPECT_TRUE(torch::equal(start[p.key()], p.value())) << "starts as a copy: " << p.key();
  }
  std::map<std::string, torch::Tensor> before;
  for (const auto& p : average.generator().named_parameters()) before[p.key()] = p.value().clone();
  {
    torch::NoGradGuard no_grad;
    for (auto& p : live->parameters()) p.add_(torch::randn_like(p));
  }
  average.update(*live, 640, 64);
  auto now = live->named_parameters();
  for (const auto& p : average.generator().named_parameters()) {
    auto want = 0.75 * before[p.key()] + 0.25 * now[p.key()];
    EXPECT_LE(max_abs(p.value() - want), 1e-6) << p.key();
  }
}

// The averaged G's statistics are the mean batch statistics for its own weights: the same as
// LibTorch's cumulative moving average (momentum None) over the same batches, on both kernels.
TEST(Ema, PreparedStatisticsAreTheCumulativeMeanOfTheBatches) {
  for (const std::string kernels : {"torch", "fast"}) {
    torch::manual_seed(2);
    const ModelConfig model = tiny_dcgan(kernels);
    auto g = make_generator(model);
    auto reference = make_generator(tiny_dcgan("torch"));
    {
      torch::NoGradGuard no_grad;
      auto to = reference->named_parameters();
      for (const auto& p : g->named_parameters()) to[p.key()].copy_(p.value());
    }
    const auto z = torch::rand({40, model.z_dim}) * 2 - 1;
    recompute_batch_norm_statistics(*g, z, 16);  // batches of 16, 16 and 8
    EXPECT_FALSE(g->is_training());
    reference->train();
    for (const auto& child : reference->modules(false)) {
      if (auto* bn = child->as<torch::nn::BatchNorm2dImpl>()) {
        bn->options.momentum(c10::nullopt);
        bn->reset_running_stats();
      }
    }
    {
      torch::NoGradGuard no_grad;
      for (int64_t start = 0; start < 40; start += 16) {
        reference->forward(z.narrow(0, start, std::min<int64_t>(16, 40 - start)));
      }
    }
    auto want = reference->named_buffers();
    int checked = 0;
    for (const auto& b : g->named_buffers()) {
      if (b.key().find("running") == std::string::npos) continue;
      EXPECT_LE(max_abs(b.value() - want[b.key()]), 1e-4 * (1 + max_abs(want[b.key()])))
          << kernels << " " << b.key();
      ++checked;
    }
    EXPECT_EQ(checked, 8) << "mean and variance of four BatchNorm layers";
    // A function of the weights alone: preparing again (a resumed run prepares at other steps)
    // leaves every buffer, the batch counts included, as it was.
    std::vector<torch::Tensor> first;
    for (const auto& b : g->buffers()) first.push_back(b.clone());
    recompute_batch_norm_statistics(*g, z, 16);
    const auto again = g->buffers();
    for (size_t i = 0; i < first.size(); ++i) {
      EXPECT_TRUE(torch::equal(again[i], first[i])) << kernels << " buffer " << i;
    }
  }
}

// ---------------------------------------------------------------------- minibatch stddev

TEST(MinibatchStddev, GroupsImagesAsProGanAndTilesTheMeanDeviation) {
  // 4 images, 2 features, 1x2 pixels; groups of 2 pair images {0, 2} and {1, 3}.
  auto x = torch::tensor({0., 1., 2., 3., /**/ 10., 10., 10., 10., /**/ 4., 1., 2., 7.,
                          /**/ 10., 12., 14., 16.})
               .view({4, 2, 1, 2});
  auto y = minibatch_stddev(x, 2);
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{4, 3, 1, 2}));
  EXPECT_TRUE(torch::equal(y.narrow(1, 0, 2), x)) << "the features pass through";
  // Group {0, 2}: per-feature deviations |a - b| / 2 = 2, 0, 0, 2 -> mean about 1.
  // Group {1, 3}: 0, 1, 2, 3 -> mean about 1.5. Each is sqrt(variance + 1e-8).
  auto deviation = [](double d) { return std::sqrt(d * d + 1e-8); };
  const double group_a = (2 * deviation(2) + 2 * deviation(0)) / 4;
  const double group_b = (deviation(0) + deviation(1) + deviation(2) + deviation(3)) / 4;
  const double want[4] = {group_a, group_b, group_a, group_b};
  for (int n = 0; n < 4; ++n) {
    for (int p = 0; p < 2; ++p) EXPECT_NEAR(y[n][2][0][p].item<double>(), want[n], 1e-6) << n;
  }
  // A group larger than the batch is the batch; a batch the group does not divide uses the
  // largest group size below it that does (3 of 4 -> 2).
  auto whole = minibatch_stddev(x, 8), three = minibatch_stddev(x, 3);
  auto all = (x - x.mean(0, true)).square().mean(0).add(1e-8).sqrt().mean();
  EXPECT_NEAR(whole[0][2][0][0].item<double>(), all.item<double>(), 1e-6);
  EXPECT_TRUE(torch::allclose(three, y));
  // Two-dimensional features (the MLP's D): one more feature.
  EXPECT_EQ(minibatch_stddev(torch::rand({6, 5}), 3).sizes(), (std::vector<int64_t>{6, 6}));
}

TEST(MinibatchStddev, DiscriminatorsTakeTheChannelAndGradientsFlowThroughIt) {
  for (const std::string arch : {"dcgan", "mlp"}) {
    torch::manual_seed(3);
    ModelConfig model = tiny_dcgan();
    model.arch = arch;
    model.mlp_hidden_d = 8;
    auto plain = make_discriminator(model);
    model.mbstd_group = 4;
    auto d = make_discriminator(model);
    // One more input channel of conv4 (8 df filters of 5x5), or one more input of fc3.
    const int64_t extra = arch == "dcgan" ? 8 * model.df_dim * 25 : 1;
    EXPECT_EQ(count_parameters(*d) - count_parameters(*plain), extra) << arch;
    auto x = (torch::rand({8, 3, 16, 16}) * 2 - 1).requires_grad_(true);
    d->forward(x).sum().backward();
    EXPECT_GT(max_abs(x.grad()), 0) << arch;
  }
}

// ------------------------------------------------------------------------------------ losses

TEST(Losses, LeastSquaresAndHingeValuesAndGradients) {
  const auto real = torch::tensor({2.0, -1.0, 0.5}, torch::kDouble).requires_grad_(true);
  const auto fake = torch::tensor({-3.0, 0.0, 1.5}, torch::kDouble).requires_grad_(true);
  auto value = [](const torch::Tensor& t) { return t.item<double>(); };
  auto grad_of = [](const torch::Tensor& loss, const torch::Tensor& input) {
    return torch::autograd::grad({loss}, {input})[0];
  };

  // ls: 1/2 mean (r - 1)^2 = (1 + 4 + 0.25) / 6; 1/2 mean f^2 = (9 + 0 + 2.25) / 6.
  auto ls = discriminator_loss(real, fake, 0.0, "ls");
  EXPECT_NEAR(value(ls.real), 5.25 / 6, 1e-12);
  EXPECT_NEAR(value(ls.fake), 11.25 / 6, 1e-12);
  EXPECT_TRUE(torch::allclose(grad_of(ls.real, real), (real.detach() - 1) / 3));
  EXPECT_TRUE(torch::allclose(grad_of(ls.fake, fake), fake.detach() / 3));
  // With smoothing the real target is 1 - s.
  auto smoothed = discriminator_loss(real, fake, 0.1, "ls");
  EXPECT_NEAR(value(smoothed.real), 0.5 * (1.1 * 1.1 + 1.9 * 1.9 + 0.4 * 0.4) / 3, 1e-12);
  // G: 1/2 mean (f - 1)^2 = (16 + 1 + 0.25) / 6.
  auto ls_g = generator_loss(fake, "ls");
  EXPECT_NEAR(value(ls_g), 17.25 / 6, 1e-12);
  EXPECT_TRUE(torch::allclose(grad_of(ls_g, fake), (fake.detach() - 1) / 3));

  // hinge: mean relu(1 - r) = (0 + 2 + 0.5) / 3; mean relu(1 + f) = (0 + 1 + 2.5) / 3.
  auto hinge = discriminator_loss(real, fake, 0.0, "hinge");
  EXPECT_NEAR(value(hinge.real), 2.5 / 3, 1e-12);
  EXPECT_NEAR(value(hinge.fake), 3.5 / 3, 1e-12);
  EXPECT_TRUE(torch::allclose(grad_of(hinge.real, real),
                              torch::tensor({0.0, -1.0, -1.0}, torch::kDouble) / 3));
  EXPECT_TRUE(torch::allclose(grad_of(hinge.fake, fake),
                              torch::tensor({0.0, 1.0, 1.0}, torch::kDouble) / 3));
  // G: -mean f, gradient -1/3 everywhere.
  auto hinge_g = generator_loss(fake, "hinge");
  EXPECT_NEAR(value(hinge_g), 1.5 / 3, 1e-12);
  EXPECT_TRUE(torch::allclose(grad_of(hinge_g, fake), torch::full({3}, -1.0 / 3, torch::kDouble)));

  // The cross-entropy losses (values in test_models.cpp): d/dr BCE(r, t) = (sigmoid(r) - t) / n;
  // G's non-saturating -log sigmoid(f) gives (sigmoid(f) - 1) / n, minimax's log(1 - sigmoid(f))
  // gives -sigmoid(f) / n.
  const auto sig_r = torch::sigmoid(real.detach()), sig_f = torch::sigmoid(fake.detach());
  auto bce = discriminator_loss(real, fake, 0.1, "non_saturating");
  EXPECT_TRUE(torch::allclose(grad_of(bce.real, real), (sig_r - 0.9) / 3));
  EXPECT_TRUE(torch::allclose(grad_of(bce.fake, fake), sig_f / 3));
  EXPECT_TRUE(
      torch::allclose(grad_of(generator_loss(fake, "non_saturating"), fake), (sig_f - 1) / 3));
  EXPECT_TRUE(torch::allclose(grad_of(generator_loss(fake, "minimax"), fake), -sig_f / 3));

  EXPECT_TRUE(is_loss_kind("ls") && is_loss_kind("hinge") && !is_loss_kind("wgan"));
  StepConfig bad;
  bad.loss = "hinge";
  bad.label_smooth = 0.1;
  EXPECT_THROW(bad.validate(), dcgan::ConfigError);
}

// ------------------------------------------------------------------------- spectral norm

TEST(SpectralNorm, SigmaConvergesToTheLargestSingularValue) {
  torch::manual_seed(4);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(6, 5, 3));
  SpectralNorm norm(*conv, conv->weight);
  EXPECT_EQ(conv->named_buffers().size(), 2u) << "sn_u and sn_v are the layer's buffers";
  const auto matrix = conv->weight.detach().reshape({5, -1}).to(torch::kDouble);
  const double largest = std::get<1>(torch::svd(matrix)).max().item<double>();
  for (int i = 0; i < 100; ++i) norm.power_iteration();
  EXPECT_NEAR(norm.sigma().item<double>(), largest, 1e-4 * largest);
  // W / sigma has spectral norm 1.
  const auto normalised = norm.normalized_weight().detach().reshape({5, -1}).to(torch::kDouble);
  EXPECT_NEAR(std::get<1>(torch::svd(normalised)).max().item<double>(), 1.0, 1e-4);
  // d sigma / d W = u v^T: W's gradient includes sigma's.
  conv->weight.mutable_grad() = torch::Tensor();
  norm.sigma().backward();
  const auto u = conv->named_buffers()["sn_u"], v = conv->named_buffers()["sn_v"];
  EXPECT_LE(max_abs(conv->weight.grad().reshape({5, -1}) - torch::outer(u, v)), 1e-6);
}

TEST(SpectralNorm, EveryWeightOfBothDiscriminatorsIsNormalised) {
  for (const std::string arch : {"dcgan", "mlp"}) {
    torch::manual_seed(5);
    ModelConfig model = tiny_dcgan();
    model.arch = arch;
    model.mlp_hidden_d = 8;
    model.spectral_norm = true;
    auto d = make_discriminator(model);
    int vectors = 0;
    for (const auto& b : d->named_buffers()) {
      vectors += b.key().find(".sn_u") != std::string::npos;
    }
    EXPECT_EQ(vectors, arch == "dcgan" ? 5 : 3) << arch;
    // Scaling every weight leaves D's output as it was: each is divided by its sigma.
    auto x = torch::rand({4, 3, 16, 16}) * 2 - 1;
    d->eval();
    torch::NoGradGuard no_grad;
    for (int i = 0; i < 50; ++i) d->spectral_norm_power_iteration();
    auto before = d->forward(x);
    for (const auto& p : d->named_parameters()) {
      if (p.key().find("weight") != std::string::npos && p.key().find("bn") == std::string::npos) {
        p.value().mul_(3.0);
      }
    }
    EXPECT_LE(max_abs(d->forward(x) - before), 1e-4 * (1 + max_abs(before))) << arch;
  }
}

// ------------------------------------------------------------------------------------- R1

TEST(R1, PenaltyAndItsGradientMatchFiniteDifferences) {
  torch::manual_seed(6);
  ModelConfig model = tiny_dcgan("torch");
  model.df_dim = 2;
  auto d = make_discriminator(model);
  d->to(torch::kDouble);
  auto x = (torch::rand({2, 3, 16, 16}, torch::kDouble) * 2 - 1);
  auto sum_of_logits = [&](const torch::Tensor& input) {
    torch::NoGradGuard no_grad;
    return d->forward(input).sum().item<double>();
  };
  // The gradient of the summed logits by central differences, pixel by pixel.
  const double h = 1e-6;
  auto numeric = torch::zeros_like(x);
  auto flat = x.view({-1});
  auto numeric_flat = numeric.view({-1});
  for (int64_t i = 0; i < flat.numel(); ++i) {
    const double keep = flat[i].item<double>();
    flat[i] = keep + h;
    const double up = sum_of_logits(x);
    flat[i] = keep - h;
    const double down = sum_of_logits(x);
    flat[i] = keep;
    numeric_flat[i] = (up - down) / (2 * h);
  }
  const double want = numeric.square().flatten(1).sum(1).mean().item<double>();
  auto input = x.clone().requires_grad_(true);
  auto penalty = r1_penalty(d->forward(input), input);
  EXPECT_NEAR(penalty.item<double>(), want, 1e-6 * want);

  // Its gradient in a weight of D (the double backward) against differences of the penalty.
  auto weight = d->named_parameters()["conv2.weight"];
  penalty.backward();
  const double analytic = weight.grad().view({-1})[7].item<double>();
  const double kept = weight.view({-1})[7].item<double>();
  auto set_weight = [&](double value) {
    torch::NoGradGuard no_grad;
    weight.view({-1})[7].fill_(value);
  };
  auto penalty_at = [&](double delta) {
    set_weight(kept + delta);
    auto in = x.clone().requires_grad_(true);
    const double value = r1_penalty(d->forward(in), in).item<double>();
    set_weight(kept);
    return value;
  };
  const double numeric_grad = (penalty_at(1e-6) - penalty_at(-1e-6)) / 2e-6;
  EXPECT_NEAR(analytic, numeric_grad, 1e-5 * (1 + std::abs(numeric_grad)));
}

// ------------------------------------------------------------------------------ DiffAugment

TEST(DiffAugment, ColourOpsDoWhatThePaperSays) {
  torch::manual_seed(7);
  auto x = torch::rand({2, 3, 4, 4}) * 2 - 1;
  auto bright = adjust_brightness(x, torch::tensor({0.25, -0.5}));
  EXPECT_LE(max_abs(bright[0] - x[0] - 0.25), 1e-6);
  EXPECT_LE(max_abs(bright[1] - x[1] + 0.5), 1e-6);
  // Saturation keeps every pixel's channel mean and scales the deviations from it.
  auto saturated = adjust_saturation(x, torch::tensor({0.0, 2.0}));
  auto channel_mean = x.mean(1, true);
  EXPECT_LE(max_abs(saturated.mean(1, true) - channel_mean), 1e-6);
  EXPECT_LE(max_abs(saturated[0] - channel_mean[0].expand({3, 4, 4})), 1e-6) << "factor 0: gray";
  EXPECT_LE(max_abs(saturated[1] - (2 * x[1] - channel_mean[1])), 1e-5);
  // Contrast keeps each image's mean and scales the deviations from it.
  auto contrasted = adjust_contrast(x, torch::tensor({0.5, 1.5}));
  EXPECT_LE(max_abs(contrasted.mean({1, 2, 3}) - x.mean({1, 2, 3})), 1e-6);
  EXPECT_LE(max_abs(contrasted[0] - (0.5 * x[0] + 0.5 * x[0].mean())), 1e-6);
}

TEST(DiffAugment, TranslationShiftsAndFillsWithZeros) {
  auto x = torch::arange(1, 1 + 2 * 16, torch::kFloat).view({2, 1, 4, 4});
  auto y = translate(x, torch::tensor({1, 0}, torch::kLong), torch::tensor({0, -2}, torch::kLong));
  // Image 0: out[i][j] = x[i + 1][j]; the last row comes from outside.
  EXPECT_TRUE(torch::equal(y[0][0].narrow(0, 0, 3), x[0][0].narrow(0, 1, 3)));
  EXPECT_TRUE(torch::equal(y[0][0][3], torch::zeros({4})));
  // Image 1: out[i][j] = x[i][j - 2]; the first two columns from outside.
  EXPECT_TRUE(torch::equal(y[1][0].narrow(1, 2, 2), x[1][0].narrow(1, 0, 2)));
  EXPECT_TRUE(torch::equal(y[1][0].narrow(1, 0, 2), torch::zeros({4, 2})));
  EXPECT_EQ(max_translation(48), 6);
  EXPECT_EQ(max_translation(64), 8);
  EXPECT_EQ(max_translation(32), 4);
}

TEST(DiffAugment, CutoutZeroesOneClippedSquare) {
  auto x = torch::ones({2, 3, 8, 8});
  auto y = cut_out(x, torch::tensor({4, 0}, torch::kLong), torch::tensor({4, 7}, torch::kLong), 4);
  // Image 0: rows and columns 2..5.
  auto want = torch::ones({8, 8});
  want.narrow(0, 2, 4).narrow(1, 2, 4).zero_();
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(torch::equal(y[0][c], want)) << c;
  // Image 1: rows -2..1 and columns 5..8, clipped to rows 0..1 x columns 5..7.
  want = torch::ones({8, 8});
  want.narrow(0, 0, 2).narrow(1, 5, 3).zero_();
  EXPECT_TRUE(torch::equal(y[1][1], want));
  EXPECT_EQ(cutout_side(48), 24);
  EXPECT_EQ(cutout_side(64), 32);
}

TEST(DiffAugment, GradientsFlowToTheImagesAndDrawsRepeatPerSeed) {
  auto policy = AugmentPolicy::parse("cutout,translation,color");
  EXPECT_EQ(policy.to_string(), "color,translation,cutout");
  auto x = (torch::rand({8, 3, 16, 16}) * 2 - 1).requires_grad_(true);
  torch::manual_seed(8);
  auto y = diff_augment(x, policy);
  torch::manual_seed(8);
  EXPECT_TRUE(torch::equal(diff_augment(x, policy), y)) << "the same draws for the same seed";
  EXPECT_FALSE(torch::equal(diff_augment(x, policy), y)) << "and new ones after";
  auto weights = torch::rand_like(y);
  (y * weights).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_GT(max_abs(x.grad()), 0);
  // Translation alone: each output pixel's gradient lands on its source pixel.
  auto z = torch::rand({1, 1, 4, 4}).requires_grad_(true);
  auto shifted = translate(z, torch::tensor({1}, torch::kLong), torch::tensor({1}, torch::kLong));
  shifted.sum().backward();
  auto want = torch::zeros({4, 4});
  want.narrow(0, 1, 3).narrow(1, 1, 3).fill_(1);
  EXPECT_TRUE(torch::equal(z.grad()[0][0], want));

  EXPECT_FALSE(AugmentPolicy::parse("").any());
  EXPECT_FALSE(AugmentPolicy::parse("none").any());
  for (const char* bad : {"colour", "color,color", "color,", ",", "translation cutout"}) {
    EXPECT_THROW(AugmentPolicy::parse(bad), dcgan::ConfigError) << bad;
  }
}

// ------------------------------------------------------------------- durations and presets

TEST(TrainFlags, DurationsInSecondsMinutesAndHours) {
  EXPECT_EQ(parse_duration("90s", "--max-time"), 90);
  EXPECT_EQ(parse_duration("15m", "--max-time"), 900);
  EXPECT_EQ(parse_duration("2h", "--max-time"), 7200);
  EXPECT_EQ(parse_duration("1h30m", "--max-time"), 5400);
  EXPECT_EQ(parse_duration("0.5h", "--max-time"), 1800);
  EXPECT_EQ(parse_duration("600", "--max-time"), 600);
  EXPECT_EQ(parse_duration("0", "--max-time"), 0);
  for (const char* bad : {"", "m", "15x", "1h30", "-5m", "1e3s", "inf", " 5m", "5 m"}) {
    EXPECT_THROW(parse_duration(bad, "--max-time"), dcgan::ConfigError) << bad;
  }
}

TEST(TrainFlags, PresetsSetTheirOptionsUnlessGivenExplicitly) {
  TrainConfig quality;
  quality.flags_given.emplace(std::set<std::string>{"--ema", "--lr"});
  quality.ema = "0.99";
  quality.step.lr_g = quality.step.lr_d = 1e-3;
  apply_preset(quality, "quality");
  EXPECT_EQ(quality.preset, "quality");
  EXPECT_EQ(quality.ema, "0.99") << "an explicit flag wins";
  EXPECT_EQ(quality.step.lr_g, 1e-3) << "--lr counts for --lr-g";
  EXPECT_EQ(quality.step.lr_d, 1e-3);
  EXPECT_TRUE(quality.flags_given->count("--mbstd")) << "what the preset set counts as given";
  EXPECT_EQ(quality.batch_size, 32);
  EXPECT_EQ(quality.precision, "auto");

  TrainConfig batch;  // an explicit --batch-size wins over the preset's
  batch.flags_given.emplace(std::set<std::string>{"--batch-size"});
  batch.batch_size = 128;
  apply_preset(batch, "quality");
  EXPECT_EQ(batch.batch_size, 128);
  EXPECT_EQ(batch.model.mbstd_group, 4);

  TrainConfig library;  // no flags_given: the preset sets everything it names
  apply_preset(library, "quality");
  TrainConfig recipe = library;
  apply_preset(recipe, "recipe");
  const TrainConfig defaults;
  EXPECT_EQ(recipe.to_json().dump(), [&] {
    TrainConfig d = defaults;
    d.preset = "recipe";
    return d.to_json().dump();
  }()) << "recipe puts every option back to its default";
  EXPECT_NE(library.to_json().dump(), recipe.to_json().dump());
  EXPECT_THROW(apply_preset(recipe, "fast"), dcgan::ConfigError);
}

}  // namespace
