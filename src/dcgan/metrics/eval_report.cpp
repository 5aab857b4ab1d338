// `dcgan eval` end to end; see eval_report.h.
#include "dcgan/metrics/eval_report.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/data/image_set.h"
#include "dcgan/metrics/ms_ssim.h"
#include "dcgan/metrics/nearest.h"
#include "dcgan/metrics/swd.h"
#include "dcgan/vision/image_files.h"
#include "dcgan/vision/image_io.h"

namespace dcgan::metrics {
namespace {

using data::DataConfig;
using data::ImageSet;

namespace fs = std::filesystem;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A folder of images, resized to side x side RGB, at most `limit` (sorted by name).
ImageSet load_folder(const std::string& dir, const char* flag, int side, int64_t limit) {
  if (!fs::is_directory(dir)) throw IoError(std::string(flag) + " " + dir + " is not a folder");
  DataConfig data;
  data.dir = dir;
  data.output_size = side;
  data.channels = "3";
  data.limit = limit;
  return load_image_set(data);
}

// The side of the first image of `dir` that decodes (its larger dimension).
int native_side(const std::string& dir, const char* flag) {
  if (!fs::is_directory(dir)) throw IoError(std::string(flag) + " " + dir + " is not a folder");
  DataConfig data;
  data.dir = dir;
  for (const std::string& path : list_image_files(data)) {
    try {
      cv::Mat image =
          vision::load_input_image(path, vision::kDefaultMaxPixels, vision::ReadMode::kUnchanged);
      return std::max(image.rows, image.cols);
    } catch (const Error& e) {
      DCGAN_WARN("skipping " << e.what());
    }
  }
  throw DataError(std::string(flag) + " " + dir + ": no image could be decoded");
}

// A seeded permutation of 0..n-1 (explicit Fisher-Yates: the same on every platform).
torch::Tensor permutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
  return torch::tensor(order);
}

void add_skipped(const ImageSet& set, std::vector<std::string>& skipped) {
  for (const auto& [path, reason] : set.skipped) skipped.push_back(path + ": " + reason);
}

// --fake: the folder's first n images at the common side.
GeneratedImages images_of_folder(const EvalConfig& config, std::vector<std::string>& skipped) {
  const int side = config.size > 0 ? config.size : native_side(config.fake_dir, "--fake");
  ImageSet set = load_folder(config.fake_dir, "--fake", side, config.n);
  add_skipped(set, skipped);
  return GeneratedImages{set.images, ""};
}

Json swd_json(const SwdResult& r) { return Json{{"levels", r.levels_json()}, {"avg", r.average}}; }

// Creates the folder an output file goes into.
void ensure_parent(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) ensure_dir(parent.string());
}

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

}  // namespace

void EvalConfig::validate() const {
  require(!real_dir.empty(), "--real is required: the folder of real (training) images");
  require(fake_dir.empty() != run_dir.empty(),
          "give exactly one of --fake DIR (generated images) or --run RUN (generate them)");
  require(checkpoint.empty() || !run_dir.empty(), "--checkpoint needs --run");
  require(n >= 2, "--n must be at least 2 (images per set)");
  require(size == 0 || (size >= 16 && size <= 1024), "--size must be 0 (auto) or 16..1024");
  require(ms_ssim_pairs >= 1, "--ms-ssim-pairs must be positive");
  require(nearest_queries >= 0, "--nearest must be 0 (off) or positive");
  require(nearest_k >= 1, "--nearest-k must be positive");
}

std::string EvalConfig::to_string() const { return "EvalConfig" + to_json().dump(); }

Json EvalConfig::to_json() const {
  return Json{{"real", real_dir},
              {"fake", fake_dir},
              {"run", run_dir},
              {"checkpoint", checkpoint},
              {"n", n},
              {"size", size},
              {"seed", seed},
              {"ms_ssim_pairs", ms_ssim_pairs},
              {"nearest", nearest_queries},
              {"nearest_k", nearest_k},
              {"json", json_path},
              {"grid", resolved_grid_path()},
              {"device", device}};
}

std::string EvalConfig::resolved_grid_path() const {
  if (!grid_path.empty() || json_path.empty()) return grid_path;
  fs::path json(json_path);
  return (json.parent_path() / (json.stem().string() + "-nearest.png")).string();
}

EvalReport run_eval(const EvalConfig& config, const std::optional<GeneratedImages>& generated) {
  config.validate();
  if (!config.run_dir.empty() && !generated) {
    throw ConfigError("--run " + config.run_dir +
                      ": the run's images must be generated first "
                      "(gan::run_eval_command does)");
  }
  const auto start = std::chrono::steady_clock::now();
  EvalReport report;
  Json timings = Json::object();

  // Generated images first: their side is the common side unless --size says otherwise.
  auto t = std::chrono::steady_clock::now();
  const GeneratedImages fake = generated ? *generated : images_of_folder(config, report.skipped);
  const int side = static_cast<int>(fake.images.size(2));
  // Two disjoint random halves of the real images: one is compared with the fakes, the
  // other gives the real-vs-real floor at the same set size (SWD depends on the size).
  ImageSet real_set = load_folder(config.real_dir, "--real", side, 2 * config.n);
  add_skipped(real_set, report.skipped);
  timings["load_s"] = seconds_since(t);

  const int64_t m = std::min(fake.images.size(0), real_set.size() / 2);
  if (m < 2) {
    throw DataError("need at least 2 generated and 4 real images; got " +
                    std::to_string(fake.images.size(0)) + " generated and " +
                    std::to_string(real_set.size()) + " in --real");
  }
  if (m < config.n) {
    DCGAN_WARN("using " << m << " images per set, fewer than --n " << config.n << " ("
                        << fake.images.size(0) << " generated, " << real_set.size() << " real)");
  }
  const torch::Tensor reals =
      real_set.images.index_select(0, permutation(real_set.size(), config.seed));
  const torch::Tensor real_a = reals.slice(0, 0, m).contiguous();
  const torch::Tensor real_b = reals.slice(0, m, 2 * m).contiguous();
  const torch::Tensor fakes = fake.images.slice(0, 0, m).contiguous();

  t = std::chrono::steady_clock::now();
  SwdEvaluator swd(real_a, config.seed);
  const std::vector<SwdResult> swd_results = swd.evaluate({fakes, real_b});
  const SwdResult& fake_swd = swd_results[0];
  const SwdResult& floor_swd = swd_results[1];
  timings["swd_s"] = seconds_since(t);

  t = std::chrono::steady_clock::now();
  const MsSsimResult fake_ms = ms_ssim_diversity(fakes, config.ms_ssim_pairs, config.seed);
  const MsSsimResult real_ms = ms_ssim_diversity(real_a, config.ms_ssim_pairs, config.seed);
  timings["ms_ssim_s"] = seconds_since(t);

  Json nearest = Json{{"queries", 0}};
  const int64_t queries = std::min<int64_t>(config.nearest_queries, m);
  if (queries > 0 && reals.size(0) > config.nearest_k) {
    t = std::chrono::steady_clock::now();
    const NearestResult fake_nn =
        nearest_by_mse(fakes.slice(0, 0, queries), reals, config.nearest_k);
    // Scale: how close real images come to *other* real images of the same set.
    const NearestResult real_nn = nearest_by_mse(reals.slice(0, 0, queries), reals,
                                                 config.nearest_k, /*exclude_same_index=*/true);
    const std::string grid = config.resolved_grid_path();
    if (!grid.empty()) {
      ensure_parent(grid);
      vision::write_image(grid, nearest_grid(fakes, reals, fake_nn));
    }
    nearest = Json{{"queries", queries},
                   {"k", config.nearest_k},
                   {"searched", reals.size(0)},
                   {"fake_to_real_mse", nearest_distance_stats(fake_nn)},
                   {"real_to_real_mse", nearest_distance_stats(real_nn)},
                   {"grid", grid}};
    timings["nearest_s"] = seconds_since(t);
  }
  timings["total_s"] = seconds_since(start);

  report.json =
      Json{{"kind", "eval"},
           {"config", config.to_json()},
           {"checkpoint", fake.checkpoint},
           {"side", side},
           {"images_per_set", m},
           {"swd_x1e3",
            {{"resolutions", fake_swd.resolutions},
             {"fake_vs_real", swd_json(fake_swd)},
             {"real_vs_real", swd_json(floor_swd)}}},
           {"ms_ssim", {{"fake", fake_ms.mean}, {"real", real_ms.mean}, {"pairs", fake_ms.pairs}}},
           {"nearest", nearest},
           {"skipped", report.skipped},
           {"timings", timings}};
  if (!config.json_path.empty()) {
    ensure_parent(config.json_path);
    write_json_file(config.json_path, report.json);
  }
  return report;
}

std::string format_eval_table(const Json& report) {
  std::ostringstream out;
  const Json& swd = report["swd_x1e3"];
  out << "SWD x1e3 (" << report["images_per_set"].get<int64_t>() << " images per set, "
      << report["side"].get<int>() << " px; lower is better)\n";
  out << "  level      fake vs real   real vs real (floor)\n";
  for (int res : swd["resolutions"].get<std::vector<int>>()) {
    const std::string key = std::to_string(res);
    char line[128];
    std::snprintf(line, sizeof line, "  %-9s  %12.3f   %12.3f\n", key.c_str(),
                  swd["fake_vs_real"]["levels"][key].get<double>(),
                  swd["real_vs_real"]["levels"][key].get<double>());
    out << line;
  }
  char avg[128];
  std::snprintf(avg, sizeof avg, "  %-9s  %12.3f   %12.3f\n", "avg",
                swd["fake_vs_real"]["avg"].get<double>(), swd["real_vs_real"]["avg"].get<double>());
  out << avg;
  const Json& ms = report["ms_ssim"];
  out << "MS-SSIM diversity (" << ms["pairs"].get<int64_t>()
      << " pairs; lower = more diverse): generated " << fixed(ms["fake"].get<double>(), 4)
      << ", real " << fixed(ms["real"].get<double>(), 4) << "\n";
  const Json& nn = report["nearest"];
  if (nn["queries"].get<int64_t>() > 0) {
    out << "Nearest real image by pixel MSE (" << nn["queries"].get<int64_t>() << " images vs "
        << nn["searched"].get<int64_t>() << " real; [0,1] scale)\n";
    for (const char* key : {"fake_to_real_mse", "real_to_real_mse"}) {
      const Json& s = nn[key];
      out << "  " << (key[0] == 'f' ? "generated -> real" : "real -> other real") << "  min "
          << fixed(s["min"].get<double>(), 5) << "  median " << fixed(s["median"].get<double>(), 5)
          << "  mean " << fixed(s["mean"].get<double>(), 5) << "  max "
          << fixed(s["max"].get<double>(), 5) << "\n";
    }
    if (!nn["grid"].get<std::string>().empty()) {
      out << "  grid (generated | its " << nn["k"].get<int>()
          << " nearest): " << nn["grid"].get<std::string>() << "\n";
    }
  }
  if (!report["skipped"].empty()) {
    out << "Skipped " << report["skipped"].size() << " undecodable file(s)\n";
  }
  return out.str();
}

}  // namespace dcgan::metrics
