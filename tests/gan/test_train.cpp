// Training on small real images (the synthetic faces): a resumed run ends with exactly the
// weights of an uninterrupted one (also with every quality option on, the averaged G and D's
// spectral-norm vectors included), checkpoints round-trip, a checkpoint of another size is
// refused clearly, an existing run is not overwritten, each network can fit one batch, the
// sample grids of a run with --ema are its averaged G's, and --max-time stops at the first
// iteration past the budget.
#include "dcgan/gan/trainer.h"

#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgproc.hpp>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/json.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/data/image_tensors.h"
#include "dcgan/gan/images.h"
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

// All parameters and buffers of G and D (and of the averaged G, when there is one) from a
// checkpoint.
std::vector<torch::Tensor> weights_of(const std::string& checkpoint, const ModelConfig& model) {
  auto g = make_generator(model);
  auto d = make_discriminator(model);
  auto average = make_generator(model);
  load_checkpoint(checkpoint, model, *g, d.get(), nullptr, nullptr);
  std::vector<torch::nn::Module*> modules{g.get(), d.get()};
  if (load_generator_average(open_checkpoint(checkpoint), *average)) {
    modules.push_back(average.get());
  }
  std::vector<torch::Tensor> all;
  for (auto* m : modules) {
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

// Every option at once (EMA, mbstd, spectral norm, DiffAugment, lazy R1, least squares, TTUR),
// on both architectures: interrupted and resumed ends exactly as uninterrupted, grids included.
TEST(Train, InterruptedAndResumedEqualsUninterruptedWithEveryOption) {
  for (const std::string arch : {"dcgan", "mlp"}) {
    TempDir tmp;
    const std::string faces = make_faces(tmp, 40, 16);
    auto options = [&](const std::string& out) {
      auto c = small_config(faces, out);
      c.model.arch = arch;
      c.model.mlp_hidden_g = c.model.mlp_hidden_d = 16;
      c.ema = "auto";
      c.model.mbstd_group = 4;
      c.model.spectral_norm = true;
      c.step.augment = "color,translation,cutout";
      c.step.r1_gamma = 1.0;
      c.step.r1_every = 3;
      c.step.loss = "ls";
      c.step.lr_d = 4e-4;
      return c;
    };
    train(options(tmp / "whole"));
    auto part = options(tmp / "part");
    part.max_steps = 7;
    EXPECT_EQ(train(part).steps, 7);
    part.max_steps = 0;
    part.resume = true;
    EXPECT_EQ(train(part).steps, 10);

    ModelConfig model = options("").model;
    model.size = 16;
    const std::string whole_ckpt = list_checkpoints(tmp / "whole").back();
    const std::string part_ckpt = list_checkpoints(tmp / "part").back();
    auto a = weights_of(whole_ckpt, model);
    auto b = weights_of(part_ckpt, model);
    EXPECT_GT(a.size(), 2 * make_generator(model)->parameters().size()) << "the average is there";
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_TRUE(torch::equal(a[i], b[i])) << arch << " tensor " << i << " differs";
    }
    EXPECT_EQ(dcgan::read_file(tmp / "whole/samples/epoch-0002.png"),
              dcgan::read_file(tmp / "part/samples/epoch-0002.png"))
        << arch;
  }
}

// The grids of a run with --ema are its averaged generator's, as the checkpoint holds it (its
// BatchNorm statistics computed for its weights), and not the raw generator's.
TEST(Train, SampleGridsShowTheAveragedGenerator) {
  TempDir tmp;
  auto config = small_config(make_faces(tmp, 40, 16), tmp / "run");
  config.ema = "0.9";
  config.n_sample = 6;
  train(config);
  ModelConfig model = config.model;
  model.size = 16;
  const OpenedCheckpoint opened = open_checkpoint(list_checkpoints(tmp / "run").back());
  auto raw = make_generator(model), average = make_generator(model);
  TrainingState state = load_checkpoint(opened, model, *raw, nullptr, nullptr, nullptr);
  ASSERT_TRUE(load_generator_average(opened, *average));
  raw->eval();
  average->eval();
  auto grid_of = [&](GeneratorBase& g) {
    const std::string path = tmp / "grid.png";
    dcgan::data::write_grid(path, generate_images(g, state.sample_z, torch::kCPU));
    return dcgan::vision::read_image(path);
  };
  cv::Mat written = dcgan::vision::read_image(tmp / "run/samples/epoch-0002.png");
  cv::Mat from_average = grid_of(*average), from_raw = grid_of(*raw);
  EXPECT_EQ(cv::norm(written, from_average, cv::NORM_INF), 0);
  EXPECT_GT(cv::norm(written, from_raw, cv::NORM_INF), 0);
}

// --max-time: the budget counts iterations (time_s); the run stops after the first iteration
// that reaches it, with a checkpoint and a final grid there, whatever the machine's speed.
TEST(Train, MaxTimeStopsAtTheFirstIterationPastTheBudget) {
  TempDir tmp;
  auto config = small_config(make_faces(tmp, 40, 16), tmp / "run");
  config.epochs = 100000;
  config.max_time_s = 0.5;
  config.ckpt_every = 1000000;
  TrainSummary summary = train(config);
  EXPECT_FALSE(summary.finished);
  std::vector<double> times;
  for (const auto& r : dcgan::read_jsonl_file(tmp / "run/metrics.jsonl")) {
    if (r["kind"] == "step") times.push_back(r["time_s"].get<double>());
  }
  ASSERT_GE(times.size(), 2u);
  EXPECT_EQ(static_cast<int64_t>(times.size()), summary.steps);
  EXPECT_GE(times.back(), 0.5) << "the last iteration reached the budget";
  EXPECT_LT(times[times.size() - 2], 0.5) << "and the one before did not";
  EXPECT_EQ(list_checkpoints(tmp / "run").back(), checkpoint_path(tmp / "run", summary.steps));
  EXPECT_TRUE(fs::exists(summary.last_sample)) << summary.last_sample;
  EXPECT_NE(summary.last_sample.find(summary.steps % 5 == 0 ? "epoch-" : "step-"),
            std::string::npos)
      << summary.last_sample;
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
