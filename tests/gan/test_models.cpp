// Model shapes for every supported size (including non-multiples of 16), the recipe's
// parameter counts, the initialisation, and the losses' formulas.
#include "dcgan/gan/models.h"

#include <gtest/gtest.h>

#include "dcgan/core/error.h"
#include "dcgan/gan/losses.h"

using namespace dcgan::gan;

namespace {

ModelConfig config_for(const std::string& arch, int size, int channels = 3) {
  ModelConfig c;
  c.arch = arch;
  c.size = size;
  c.channels = channels;
  if (arch == "dcgan") c.gf_dim = c.df_dim = 8;  // small widths: shapes do not depend on them
  if (arch == "mlp") c.mlp_hidden_g = c.mlp_hidden_d = 32;
  return c;
}

TEST(Models, OutputShapesForEverySize) {
  torch::manual_seed(0);
  for (const std::string arch : {"dcgan", "mlp"}) {
    for (int size : {16, 28, 32, 48, 64, 96, 128}) {
      for (int channels : {1, 3}) {
        ModelConfig c = config_for(arch, size, channels);
        auto g = make_generator(c);
        auto d = make_discriminator(c);
        auto z = torch::rand({5, c.z_dim}) * 2 - 1;
        auto x = g->forward(z);
        ASSERT_EQ(x.sizes(), (std::vector<int64_t>{5, channels, size, size})) << arch << size;
        EXPECT_LE(x.abs().max().item<float>(), 1.0f);
        auto logits = d->forward(x);
        ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{5})) << arch << size;
      }
    }
  }
}

TEST(Models, RecipeParameterCounts) {
  // dcgan-anchors §1.2: gf = df = 64, z = 100, RGB.
  const std::pair<int, std::pair<int64_t, int64_t>> expected[] = {
      {48, {4773379, 4312961}}, {64, {5135363, 4316545}}, {96, {6169603, 4326785}}};
  for (const auto& [size, counts] : expected) {
    ModelConfig c;
    c.size = size;
    EXPECT_EQ(count_parameters(*make_generator(c)), counts.first) << size;
    EXPECT_EQ(count_parameters(*make_discriminator(c)), counts.second) << size;
  }
}

TEST(Models, InitialisationIsDcgans) {
  torch::manual_seed(1);
  ModelConfig c;
  auto g = make_generator(c);
  for (const auto& p : g->named_parameters()) {
    const auto& name = p.key();
    float mean = p.value().mean().item<float>();
    if (name.find("bn") != std::string::npos) {
      EXPECT_FLOAT_EQ(mean, name.find("weight") != std::string::npos ? 1.0f : 0.0f) << name;
    } else if (name.find("bias") != std::string::npos) {
      EXPECT_EQ(p.value().abs().max().item<float>(), 0.0f) << name;
    } else if (p.value().numel() > 10000) {
      EXPECT_NEAR(p.value().std().item<float>(), 0.02f, 0.002f) << name;
    }
  }
}

TEST(Models, InvalidConfigNamesTheFlag) {
  ModelConfig c;
  c.size = 8;
  try {
    make_generator(c);
    FAIL();
  } catch (const dcgan::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--output-size"), std::string::npos);
  }
  c = ModelConfig{};
  c.arch = "resnet";
  EXPECT_THROW(c.validate(), dcgan::ConfigError);
}

TEST(Losses, MatchTheirFormulas) {
  auto real = torch::tensor({2.0f, -1.0f});
  auto fake = torch::tensor({0.5f, -3.0f});
  auto sig = [](const torch::Tensor& t) { return torch::sigmoid(t); };
  auto d = discriminator_loss(real, fake, 0.0);
  EXPECT_NEAR(d.real.item<float>(), (-torch::log(sig(real))).mean().item<float>(), 1e-6);
  EXPECT_NEAR(d.fake.item<float>(), (-torch::log(1 - sig(fake))).mean().item<float>(), 1e-6);
  auto smoothed = discriminator_loss(real, fake, 0.1);
  auto target = 0.9f;
  auto expected = -(target * torch::log(sig(real)) + (1 - target) * torch::log(1 - sig(real)));
  EXPECT_NEAR(smoothed.real.item<float>(), expected.mean().item<float>(), 1e-6);
  EXPECT_NEAR(generator_loss(fake, "non_saturating").item<float>(),
              (-torch::log(sig(fake))).mean().item<float>(), 1e-6);
  EXPECT_NEAR(generator_loss(fake, "minimax").item<float>(),
              torch::log(1 - sig(fake)).mean().item<float>(), 1e-6);
}

}  // namespace
