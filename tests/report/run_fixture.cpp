// Run folder fixture; see run_fixture.h.
#include "report/run_fixture.h"

#include <cmath>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <random>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/json.h"
#include "dcgan/vision/grid.h"
#include "dcgan/vision/image_io.h"
#include "dcgan/vision/synth_faces.h"

namespace fs = std::filesystem;

namespace dcgan::testing {
namespace {

std::vector<cv::Mat> faces(int n, int side) {
  std::vector<cv::Mat> out;
  for (int i = 0; i < n; ++i) out.push_back(vision::draw_synth_face(7, i, side));
  return out;
}

cv::Mat noise(int side, std::mt19937& rng) {
  cv::Mat image(side, side, CV_8UC3);
  for (auto it = image.begin<cv::Vec3b>(); it != image.end<cv::Vec3b>(); ++it) {
    *it = cv::Vec3b(rng() % 256, rng() % 256, rng() % 256);
  }
  return image;
}

void write_grids(const std::string& run_dir, const RunFixture& f, std::mt19937& rng) {
  fs::create_directories(run_dir + "/samples");
  const std::vector<cv::Mat> real = faces(f.grid_tiles, f.tile);
  for (int epoch = 1; epoch <= f.epochs; ++epoch) {
    const double progress = f.epochs > 1 ? double(epoch - 1) / (f.epochs - 1) : 1.0;
    std::vector<cv::Mat> tiles;
    for (const cv::Mat& face : real) {
      cv::Mat tile = noise(f.tile, rng);
      if (!f.noise_grids)
        cv::addWeighted(face, 0.3 + 0.7 * progress, tile, 0.7 - 0.7 * progress, 0, tile);
      tiles.push_back(tile);
    }
    char name[64];
    std::snprintf(name, sizeof(name), "/samples/epoch-%04d.png", epoch);
    vision::write_image(run_dir + name, vision::make_grid(tiles, 2), 95, false);
  }
}

}  // namespace

void make_run(const std::string& run_dir, const RunFixture& f) {
  fs::create_directories(run_dir);
  std::mt19937 rng(f.seed);
  std::normal_distribution<double> jitter(0.0, 1.0);
  write_json_file(run_dir + "/config.json",
                  {{"train", {{"epochs", f.epochs}, {"batch_size", 64}, {"lr", 0.0002}}},
                   {"model",
                    {{"arch", "dcgan"},
                     {"size", f.tile},
                     {"channels", 3},
                     {"z_dim", 100},
                     {"gf_dim", 64},
                     {"df_dim", 64},
                     {"g_params", 3576704},
                     {"d_params", 2765568}}},
                   {"data", {{"dir", "faces"}, {"n_images", 1600}, {"skipped", Json::array()}}},
                   {"runtime", {{"dcgan", "0.1.0"}, {"libtorch", "1.13.0"}, {"blas", "openblas"}}},
                   {"device", "cpu"},
                   {"started", "2026-01-02T03:04:05Z"}});
  JsonlWriter metrics(run_dir + "/metrics.jsonl");
  int64_t step = 0;
  double time_s = 0;
  for (int epoch = 1; epoch <= f.epochs; ++epoch) {
    for (int i = 0; i < f.steps_per_epoch; ++i) {
      ++step;
      time_s += 0.5;
      const double t = double(step) / (f.epochs * f.steps_per_epoch);
      metrics.append({{"kind", "step"},
                      {"epoch", epoch},
                      {"step", step},
                      {"loss_d_real", 0.45 + 0.2 * std::exp(-4 * t) + 0.08 * jitter(rng)},
                      {"loss_d_fake", 0.40 + 0.25 * std::exp(-3 * t) + 0.08 * jitter(rng)},
                      {"loss_g", 1.6 + 0.8 * t + 0.3 * jitter(rng)},
                      {"d_real", 0.68 + 0.05 * jitter(rng)},
                      {"d_fake", 0.30 + 0.05 * jitter(rng)},
                      {"img_per_s", 128 + 6 * jitter(rng)},
                      {"time_s", time_s}});
    }
    char sample[64];
    std::snprintf(sample, sizeof(sample), "samples/epoch-%04d.png", epoch);
    metrics.append({{"kind", "epoch"},
                    {"epoch", epoch},
                    {"step", step},
                    {"time_s", time_s},
                    {"img_per_s", 128.0},
                    {"sample", sample}});
    if (f.evals) {
      const double swd = 80.0 / epoch;
      metrics.append({{"kind", "eval"},
                      {"epoch", epoch},
                      {"step", step},
                      {"time_s", time_s},
                      {"swd", {{"16", swd * 1.2}, {"32", swd}, {"64", swd * 0.8}}},
                      {"swd_avg", swd}});
    }
  }
  write_grids(run_dir, f, rng);
  if (f.summary) {
    write_json_file(run_dir + "/summary.json", {{"steps", step},
                                                {"epochs_done", f.epochs},
                                                {"epochs", f.epochs},
                                                {"time_s", time_s},
                                                {"img_per_s", 128.0},
                                                {"finished", true},
                                                {"ended", "2026-01-02T05:06:07Z"}});
  }
}

std::string base64_decode(const std::string& text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else
      break;  // '=' padding or the end of the URI
    buffer = buffer << 6 | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace dcgan::testing
