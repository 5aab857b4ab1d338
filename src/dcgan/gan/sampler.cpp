// Sampling from a trained run; see sampler.h.
#include "dcgan/gan/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/json.h"
#include "dcgan/core/log.h"
#include "dcgan/data/image_tensors.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/gan/device.h"
#include "dcgan/gan/images.h"
#include "dcgan/kernels/choices.h"
#include "dcgan/vision/gif_writer.h"
#include "dcgan/vision/grid.h"
#include "dcgan/vision/image_io.h"

namespace fs = std::filesystem;

namespace dcgan::gan {
namespace {

std::string numbered(const std::string& dir, const std::string& prefix, int64_t n, int width) {
  return (fs::path(dir) / numbered_name(prefix, n, width, ".png")).string();
}

// Spherical interpolation keeps normal latents at a typical norm; linear is right for the
// uniform cube (a straight line stays inside it).
torch::Tensor interpolate(const torch::Tensor& a, const torch::Tensor& b, double t,
                          bool spherical) {
  if (!spherical) return a * (1 - t) + b * t;
  double cos_omega = (torch::dot(a, b) / (a.norm() * b.norm())).clamp(-1, 1).item<double>();
  double omega = std::acos(cos_omega);
  if (omega < 1e-6) return a * (1 - t) + b * t;
  return (a * std::sin((1 - t) * omega) + b * std::sin(t * omega)) / std::sin(omega);
}

void write_latent_walk(const LoadedModel& loaded, const SampleConfig& c) {
  // 16 images walk at once through 4 random anchor points and back to the start.
  const int64_t tiles = 16, anchors = 4;
  std::vector<torch::Tensor> points;
  for (int64_t k = 0; k < anchors; ++k) points.push_back(sample_latents(loaded, tiles, c.seed + k));
  std::vector<cv::Mat> frames;
  const bool spherical = loaded.z_dist == "normal";
  for (int64_t k = 0; k < anchors; ++k) {
    const auto& from = points[k];
    const auto& to = points[(k + 1) % anchors];
    for (int s = 0; s < c.steps; ++s) {
      double t = double(s) / c.steps;
      std::vector<torch::Tensor> z;
      for (int64_t i = 0; i < tiles; ++i) z.push_back(interpolate(from[i], to[i], t, spherical));
      auto images = data::to_mats(generate(loaded, torch::stack(z)));
      frames.push_back(vision::make_grid(images, 2, 0, cv::Scalar::all(32)));
    }
  }
  vision::write_gif(c.gif, frames, 8);
}

// Checkpoints before format 2 do not store the z distribution; their run's config.json does.
std::string z_dist_of_run(const std::string& run_dir, const std::string& fallback) {
  const std::string config_path = (fs::path(run_dir) / "config.json").string();
  if (!fs::exists(config_path)) return fallback;
  const Json train = read_json_file(config_path).value("train", Json::object());
  return train.is_object() ? train.value("z_dist", fallback) : fallback;
}

}  // namespace

LoadedModel load_for_sampling(const std::string& run_dir, const std::string& checkpoint,
                              const std::string& device, bool raw_generator) {
  LoadedModel loaded;
  loaded.device = choose_device(device);
  loaded.checkpoint = checkpoint;
  if (loaded.checkpoint.empty()) {
    if (run_dir.empty()) throw ConfigError("give --run RUN or --checkpoint FILE");
    if (!fs::is_directory(run_dir)) throw IoError("--run " + run_dir + " is not a folder");
    auto all = list_checkpoints(run_dir);
    if (all.empty()) {
      throw DataError("--run " + run_dir + " has no checkpoint yet (" + run_dir +
                      "/checkpoints/ is empty); train first or pass --checkpoint");
    }
    loaded.checkpoint = all.back();
  }
  const OpenedCheckpoint opened = open_checkpoint(loaded.checkpoint);
  loaded.model = opened.model;
  if (opened.train_flags.is_object()) {
    loaded.z_dist = opened.train_flags.value("z_dist", loaded.z_dist);
  } else {
    const fs::path run = run_dir.empty() ? fs::path(loaded.checkpoint).parent_path().parent_path()
                                         : fs::path(run_dir);
    loaded.z_dist = z_dist_of_run(run.string(), loaded.z_dist);
  }
  loaded.generator = make_generator(loaded.model);
  loaded.discriminator = make_discriminator(loaded.model);
  load_checkpoint(opened, loaded.model, *loaded.generator, loaded.discriminator.get(), nullptr,
                  nullptr);
  if (!raw_generator) loaded.averaged = load_generator_average(opened, *loaded.generator);
  loaded.generator->to(loaded.device);
  loaded.discriminator->to(loaded.device);
  loaded.generator->eval();
  loaded.discriminator->eval();
  DCGAN_INFO("loaded " << loaded.checkpoint << " (" << loaded.model.arch << ", "
                       << loaded.model.size << " px" << (loaded.averaged ? ", averaged G" : "")
                       << ")");
  return loaded;
}

torch::Tensor sample_latents(const LoadedModel& loaded, int64_t n, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  const int64_t z_dim = loaded.model.z_dim;
  return loaded.z_dist == "normal" ? torch::randn({n, z_dim}, gen)
                                   : torch::rand({n, z_dim}, gen) * 2 - 1;
}

torch::Tensor latents_from_json(const Json& json, int64_t z_dim, const std::string& source) {
  const Json* z = json.is_object() && json.contains("z") ? &json.at("z") : nullptr;
  if (z == nullptr || !z->is_array() || z->empty()) {
    throw DataError(source + ": no latents; expected {\"z\": [[" + std::to_string(z_dim) +
                    " numbers], ...]} or {\"z\": [" + std::to_string(z_dim) + " numbers]}");
  }
  const bool one = !z->front().is_array();
  const size_t n = one ? 1 : z->size();
  if (n > 100000) throw DataError(source + ": more than 100000 latents");
  auto out = torch::empty({static_cast<int64_t>(n), z_dim});
  auto rows = out.accessor<float, 2>();
  for (size_t i = 0; i < n; ++i) {
    const Json& row = one ? *z : z->at(i);
    const std::string which = one ? "z" : "z[" + std::to_string(i) + "]";
    if (!row.is_array() || static_cast<int64_t>(row.size()) != z_dim) {
      throw DataError(source + ": " + which + " must be " + std::to_string(z_dim) +
                      " numbers (the run's z dimension), got " +
                      (row.is_array() ? std::to_string(row.size()) : std::string(row.type_name())));
    }
    for (int64_t k = 0; k < z_dim; ++k) {
      const Json& v = row[k];
      if (!v.is_number() || !std::isfinite(v.get<double>())) {
        throw DataError(source + ": " + which + "[" + std::to_string(k) +
                        "] is not a finite number");
      }
      rows[i][k] = static_cast<float>(v.get<double>());
    }
  }
  return out;
}

torch::Tensor generate(const LoadedModel& loaded, const torch::Tensor& z, int64_t batch) {
  return generate_images(*loaded.generator, z, loaded.device, batch);
}

torch::Tensor score(const LoadedModel& loaded, const torch::Tensor& images_uint8) {
  torch::NoGradGuard no_grad;
  return loaded.discriminator->forward(data::to_unit_range(images_uint8).to(loaded.device)).cpu();
}

void SampleConfig::validate() const {
  require(!run_dir.empty() || !checkpoint.empty(), "give --run RUN or --checkpoint FILE");
  require(n >= 1 && n <= 100000, "--n must be between 1 and 100000");
  require(z_file.empty() || !grid.empty() || !out_dir.empty(),
          "--z FILE gives the latents of --grid or --out-dir; give one of them");
  require(z_file.empty() || top_k == 0, "--z and --top-k exclude each other");
  require(interpolate.empty() || interpolate.size() == 2,
          "--interpolate takes two seeds: SEED_A,SEED_B");
  require(interpolate.empty() || !strip.empty(), "--interpolate needs --strip FILE for the strip");
  require(steps >= 2 && steps <= 1000, "--steps must be between 2 and 1000");
  require(top_k >= 0 && (top_k == 0 || from >= top_k), "--top-k K needs --from N with N >= K");
  require(top_k == 0 || !grid.empty() || !out_dir.empty(),
          "--top-k selects images for --grid or --out-dir; give one of them");
  require(
      !grid.empty() || !out_dir.empty() || !strip.empty() || !sweep_dir.empty() || !gif.empty(),
      "nothing to write: give --grid, --out-dir, --interpolate with --strip, --sweep-dim or --gif");
}

std::string SampleConfig::to_string() const {
  std::ostringstream out;
  out << "SampleConfig(run=" << run_dir << ", checkpoint=" << checkpoint << ", seed=" << seed
      << ", n=" << n << ", z=" << z_file << ", grid=" << grid << ", out_dir=" << out_dir
      << ", strip=" << strip << ", sweep_dir=" << sweep_dir << ", gif=" << gif
      << ", top_k=" << top_k << "/" << from << ", raw_g=" << raw_g << ")";
  return out.str();
}

std::vector<std::string> run_sampling(const SampleConfig& c) {
  c.validate();
  LoadedModel loaded = load_for_sampling(c.run_dir, c.checkpoint, c.device, c.raw_g);
  std::vector<std::string> written;
  auto note = [&](const std::string& path) { written.push_back(path); };

  if (!c.grid.empty() || !c.out_dir.empty()) {
    torch::Tensor images;
    if (!c.z_file.empty()) {
      const Json file = read_json_file(c.z_file);
      // The server that wrote the file records the oneDNN implementations it generated with,
      // so that the same machine and thread count sum exactly as it did (kernels/choices.h).
      if (file.is_object() && file.contains("kernel_choices")) {
        kernels::replay_kernel_choices(
            kernels::kernel_choices_from_json(file.at("kernel_choices"), c.z_file));
      }
      images = generate(loaded, latents_from_json(file, loaded.model.z_dim, c.z_file));
    } else if (c.top_k > 0) {  // pytorch-book's generate mode: draw `from`, keep D's best `top_k`
      auto candidates = generate(loaded, sample_latents(loaded, c.from, c.seed));
      auto order = std::get<1>(score(loaded, candidates).sort(0, /*descending=*/true));
      images = candidates.index_select(0, order.narrow(0, 0, c.top_k));
    } else {
      images = generate(loaded, sample_latents(loaded, c.n, c.seed));
    }
    if (!c.grid.empty()) {
      data::write_grid(c.grid, images);
      note(c.grid);
    }
    if (!c.out_dir.empty()) {
      ensure_dir(c.out_dir);
      auto mats = data::to_mats(images);
      for (size_t i = 0; i < mats.size(); ++i) {
        std::string path = numbered(c.out_dir, "sample-", static_cast<int64_t>(i), 5);
        vision::write_image(path, mats[i]);
        note(path);
      }
    }
  }
  if (!c.interpolate.empty()) {
    auto a = sample_latents(loaded, 1, c.interpolate[0])[0];
    auto b = sample_latents(loaded, 1, c.interpolate[1])[0];
    std::vector<torch::Tensor> z;
    for (int s = 0; s < c.steps; ++s) {
      z.push_back(interpolate(a, b, double(s) / (c.steps - 1), loaded.z_dist == "normal"));
    }
    data::write_grid(c.strip, generate(loaded, torch::stack(z)), c.steps);
    note(c.strip);
  }
  if (!c.sweep_dir.empty()) {
    // The recipe's visualize option 1: per z dimension, n random z with that dimension swept
    // evenly across its range, one grid each.
    ensure_dir(c.sweep_dir);
    auto base = sample_latents(loaded, c.n, c.seed);
    double lo = loaded.z_dist == "normal" ? -2.0 : -1.0;
    auto sweep = torch::linspace(lo, -lo, c.n);
    for (int64_t dim = 0; dim < loaded.model.z_dim; ++dim) {
      auto z = base.clone();
      z.select(1, dim).copy_(sweep);
      std::string path = numbered(c.sweep_dir, "sweep-dim-", dim, 3);
      data::write_grid(path, generate(loaded, z));
      note(path);
    }
  }
  if (!c.gif.empty()) {
    write_latent_walk(loaded, c);
    note(c.gif);
  }
  return written;
}

}  // namespace dcgan::gan
