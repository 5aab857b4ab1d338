// Training on small real images (the synthetic faces): a resumed run ends with exactly the
// weights of an uninterrupted one, checkpoints round-trip, a checkpoint of another size is
// refused clearly, an existing run is not overwritten, and each network can fit one batch.
#include "dcgan/gan/trainer.h"

#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgproc.hpp>

#include "dcgan/core/error.h"
#include "dcgan/core/json.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/data/image_tensors.h"
#include "dcgan/gan/losses.h"
#include "dcgan/vision/image_io.h"
#include "dcgan/vision/synth_faces.h"
#include "support/test_support.h"

using namespace dcgan::gan;
using dcgan::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string make_faces(const TempDir& dir, int n, int size) {
  dcgan::vision::SynthConfig synth;
  synth.out_dir = dir / "faces";
  synth.n = n;
  synth.size = size;
  synth.seed = 3;
  dcgan::vision::write_synth_set(synth);
  return synth.out_dir;
}

TrainConfig small_config(const std::string& data, const std::string& out) {
  TrainConfig c;
  c.data.dir = data;
  c.data.output_size = 16;
  c.model.gf_dim = c.model.df_dim = 8;
  c.model.z_dim = 16;
  c.out_dir = out;
  c.epochs = 2;
  c.batch_size = 8;
  c.n_sample = 10;
  c.ckpt_every = 3;
  c.keep = 2;
  c.threads = 1;
  c.cache = false;
  c.seed = 42;
  return c;
}

// All parameters and buffers of G and D from a checkpoint.
std::vector<torch::Tensor> weights_of(const std::string& checkpoint, const ModelConfig& model) {
  auto g = make_generator(model);
  auto d = make_discriminator(model);
  load_checkpoint(checkpoint, model, *g, d.get(), nullptr, nullptr);
  std::vector<torch::Tensor> all;
  for (auto* m : {static_cast<torch::nn::Module*>(g.get()), static_cast<torch::nn::Module*>(d.get())}) {
    for (const auto& p : m->parameters()) all.push_back(p.detach().clone());
    for (const auto& b : m->buffers()) all.push_back(b.detach().clone());
  }
  return all;
}

TEST(Train, WritesTheRunDirectory) {
  TempDir tmp;
  auto config = small_config(make_faces(tmp, 40, 16), tmp / "run");
  TrainSummary summary = train(config);
  EXPECT_TRUE(summary.finished);
  EXPECT_EQ(summary.steps, 2 * (40 / 8));
  for (const char* f : {"config.json", "metrics.jsonl", "summary.json", "samples/epoch-0001.png",
                        "samples/epoch-0002.png"}) {
    EXPECT_TRUE(fs::exists(tmp / ("run/" + std::string(f)))) << f;
  }
  EXPECT_EQ(list_checkpoints(tmp / "run").size(), 2u) << "--keep 2";
  auto records = dcgan::read_jsonl_file(tmp / "run/metrics.jsonl");
  int steps = 0, epochs = 0;
  for (const auto& r : records) {
    if (r["kind"] == "step") {
      ++steps;
      for (const char* key : {"loss_d_real", "loss_d_fake", "loss_g", "d_real", "d_fake", "img_per_s"}) {
        ASSERT_TRUE(r.contains(key)) << key;
      }
      EXPECT_GT(r["d_real"].get<double>(), 0.0);
      EXPECT_LT(r["d_real"].get<double>(), 1.0);
    }
    epochs += r["kind"] == "epoch";
  }
  EXPECT_EQ(steps, 10);
  EXPECT_EQ(epochs, 2);
  auto cfg = dcgan::read_json_file(tmp / "run/config.json");
  EXPECT_EQ(cfg["model"]["channels"], 3);
  EXPECT_EQ(cfg["train"]["seed"], 42);
  EXPECT_TRUE(cfg["runtime"].contains("libtorch"));
  // A grid of 10 samples is 4 columns x 3 rows of 16 px tiles with 2 px padding.
  cv::Mat grid = dcgan::vision::read_image(tmp / "run/samples/epoch-0002.png");
  EXPECT_EQ(grid.cols, 2 + 4 * 18);
  EXPECT_EQ(grid.rows, 2 + 3 * 18);
}

TEST(Train, InterruptedAndResumedEqualsUninterrupted) {
  for (const std::string arch : {"dcgan", "mlp"}) {
    TempDir tmp;
    const std::string faces = make_faces(tmp, 40, 16);
    auto whole = small_config(faces, tmp / "whole");
    whole.model.arch = arch;
    whole.flip = true;
    train(whole);

    auto part = small_config(faces, tmp / "part");
    part.model.arch = arch;
    part.flip = true;
    part.max_steps = 7;  // stops mid-epoch 2 with a checkpoint
    TrainSummary first = train(part);
    EXPECT_FALSE(first.finished);
    EXPECT_EQ(first.steps, 7);
    part.max_steps = 0;
    EXPECT_THROW(train(part), dcgan::ConfigError) << "a run with checkpoints needs --resume";
    part.resume = true;
    TrainSummary second = train(part);
    EXPECT_TRUE(second.finished);
    EXPECT_EQ(second.steps, 10);

    ModelConfig model = whole.model;
    model.size = 16;
    auto a = weights_of(list_checkpoints(tmp / "whole").back(), model);
    auto b = weights_of(list_checkpoints(tmp / "part").back(), model);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_TRUE(torch::equal(a[i], b[i])) << arch << " tensor " << i << " differs";
    }
  }
}

TEST(Train, CheckpointRoundTripAndMismatchIsClear) {
  TempDir tmp;
  ModelConfig model;
  model.size = 16;
  model.gf_dim = model.df_dim = 4;
  auto g = make_generator(model);
  auto d = make_discriminator(model);
  GanStep step(g, d, StepConfig{});
  step.run({torch::rand({4, 3, 16, 16}) * 2 - 1}, [&](int64_t n) { return torch::rand({n, 100}); });
  TrainingState state;
  state.epoch = 3;
  state.epoch_images = 40;
  state.step = 17;
  state.time_s = 12.5;
  state.sample_z = torch::rand({6, 100});
  state.rng_state = at::detail::getDefaultCPUGenerator().get_state();
  const std::string path = tmp / "c.pt";
  save_checkpoint(path, model, *g, *d, &step.optimizer_g(), &step.optimizer_d(), state);

  auto g2 = make_generator(model);
  auto d2 = make_discriminator(model);
  GanStep step2(g2, d2, StepConfig{});
  TrainingState loaded = load_checkpoint(path, model, *g2, d2.get(), &step2.optimizer_g(), &step2.optimizer_d());
  EXPECT_EQ(loaded.epoch, 3);
  EXPECT_EQ(loaded.epoch_images, 40);
  EXPECT_EQ(loaded.step, 17);
  EXPECT_DOUBLE_EQ(loaded.time_s, 12.5);
  EXPECT_TRUE(torch::equal(loaded.sample_z, state.sample_z));
  EXPECT_TRUE(torch::equal(loaded.rng_state, state.rng_state));
  auto p1 = g->parameters(), p2 = g2->parameters();
  for (size_t i = 0; i < p1.size(); ++i) EXPECT_TRUE(torch::equal(p1[i], p2[i]));
  // Adam moments came back too: one more identical step keeps the models identical.
  torch::manual_seed(9);
  auto real = torch::rand({4, 3, 16, 16}) * 2 - 1;
  auto z = torch::rand({4, 100});
  step.run({real}, [&](int64_t) { return z; });
  step2.run({real}, [&](int64_t) { return z; });
  p1 = g->parameters();
  p2 = g2->parameters();
  for (size_t i = 0; i < p1.size(); ++i) EXPECT_TRUE(torch::equal(p1[i], p2[i])) << i;

  ModelConfig other = model;
  other.size = 32;
  auto g3 = make_generator(other);
  try {
    load_checkpoint(path, other, *g3, nullptr, nullptr, nullptr);
    FAIL();
  } catch (const dcgan::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("was written for"), std::string::npos) << e.what();
  }
  std::ofstream(tmp / "junk.pt") << "not a checkpoint";
  EXPECT_THROW(read_checkpoint_model(tmp / "junk.pt"), dcgan::DataError);
}

TEST(Train, EachNetworkOverfitsOneBatch) {
  // On one fixed batch of real faces and one fixed z: D alone learns to separate them
  // (its loss falls to a fifth), and G alone learns to fool that frozen D (likewise).
  torch::manual_seed(4);
  ModelConfig model;
  model.size = 16;
  model.gf_dim = model.df_dim = 16;
  auto g = make_generator(model);
  auto d = make_discriminator(model);
  std::vector<cv::Mat> faces;
  for (int i = 0; i < 8; ++i) faces.push_back(dcgan::vision::draw_synth_face(5, i, 16));
  std::vector<torch::Tensor> chw;
  for (auto& face : faces) {
    cv::cvtColor(face, face, cv::COLOR_BGR2RGB);
    chw.push_back(dcgan::data::hwc_mat_to_chw(face));
  }
  auto real = dcgan::data::to_unit_range(torch::stack(chw));
  auto z = torch::rand({8, model.z_dim}) * 2 - 1;
  torch::optim::Adam opt_d(d->parameters(), torch::optim::AdamOptions(1e-3).betas({0.5, 0.999}));
  torch::optim::Adam opt_g(g->parameters(), torch::optim::AdamOptions(1e-3).betas({0.5, 0.999}));
  auto fake = g->forward(z).detach();
  float first_d = 0, last_d = 0;
  for (int i = 0; i < 300; ++i) {
    opt_d.zero_grad();
    auto loss = discriminator_loss(d->forward(real), d->forward(fake), 0.0);
    auto total = loss.real + loss.fake;
    total.backward();
    opt_d.step();
    (i == 0 ? first_d : last_d) = total.item<float>();
  }
  EXPECT_LT(last_d, first_d * 0.2f) << "D could not separate one batch (first loss " << first_d << ")";
  for (auto& p : d->parameters()) p.requires_grad_(false);
  float first_g = 0, last_g = 0;
  for (int i = 0; i < 300; ++i) {
    opt_g.zero_grad();
    auto loss = generator_loss(d->forward(g->forward(z)), "non_saturating");
    loss.backward();
    opt_g.step();
    (i == 0 ? first_g : last_g) = loss.item<float>();
  }
  EXPECT_LT(last_g, first_g * 0.2f) << "G could not fool a frozen D (first loss " << first_g << ")";
}

}  // namespace
