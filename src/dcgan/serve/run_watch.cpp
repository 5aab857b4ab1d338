// The run folder as training writes it; see run_watch.h.
#include "dcgan/serve/run_watch.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "dcgan/core/error.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/report/report_charts.h"
#include "dcgan/report/report_tables.h"

namespace fs = std::filesystem;

namespace dcgan::serve {
namespace {

constexpr auto kReloadInterval = std::chrono::seconds(1);

// "ckpt-00000040.pt" -> 40; nullopt for any other name.
std::optional<int64_t> checkpoint_step(const std::string& name) {
  const std::string prefix = "ckpt-", suffix = ".pt";
  if (name.size() <= prefix.size() + suffix.size() || name.size() > 40) return std::nullopt;
  const std::string digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(digits);
}

std::string file_version(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return "-";
  const auto mtime = fs::last_write_time(path, ec);
  return std::to_string(size) + "." + std::to_string(mtime.time_since_epoch().count());
}

// The run folder's own name ("anime" for runs/anime/ and for runs/anime/.).
std::string run_name(const std::string& run_dir) {
  fs::path path = fs::absolute(run_dir).lexically_normal();
  if (path.filename().empty()) path = path.parent_path();
  return path.filename().string();
}

// A whole number (a step, an epoch) as an integer, anything else as it is; NaN is null.
Json number_or_null(double value) {
  if (!std::isfinite(value)) return nullptr;
  if (value == std::floor(value) && std::abs(value) < 9e15)
    return Json(static_cast<int64_t>(value));
  return Json(value);
}

// The value of `field` in the step record of `step` (the last at or before it), or NaN.
double step_value(const report::StepColumns& steps, double step, const std::string& field) {
  auto it = std::upper_bound(steps.step.begin(), steps.step.end(), step);
  if (it == steps.step.begin()) return NAN;
  return steps.column(field)[static_cast<size_t>(it - steps.step.begin()) - 1];
}

}  // namespace

RunWatch::RunWatch(std::string run_dir) : run_dir_(std::move(run_dir)) {}

std::map<int64_t, std::string> RunWatch::checkpoints() const {
  std::map<int64_t, std::string> out;
  for (const std::string& path : gan::list_checkpoints(run_dir_)) {
    if (auto step = checkpoint_step(fs::path(path).filename().string())) out[*step] = path;
  }
  return out;
}

std::string RunWatch::version() const {
  const fs::path run(run_dir_);
  return file_version(run / "metrics.jsonl") + "-" + file_version(run / "config.json") + "-" +
         file_version(run / "summary.json");
}

std::shared_ptr<const RunWatch::Snapshot> RunWatch::data() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (data_ && now - loaded_at_ < kReloadInterval) return data_;
  const std::string current = version();
  if (data_ && current == data_->version) return data_;
  auto fresh = std::make_shared<Snapshot>();
  fresh->version = current;
  const fs::path run(run_dir_);
  if (fs::exists(run / "metrics.jsonl") || fs::exists(run / "config.json")) {
    fresh->run = report::load_run(run_dir_);
  } else {
    fresh->run.run_dir = run_dir_;  // a run whose trainer has not written anything yet
  }
  data_ = std::move(fresh);
  loaded_at_ = now;
  return data_;
}

Json RunWatch::info(int max_images) {
  const auto snapshot = data();
  const report::RunData* run = &snapshot->run;
  Json model = nullptr;
  std::string z_dist = "uniform";
  if (run->config.is_object()) {
    const Json& m = run->config.value("model", Json::object());
    if (m.is_object()) {
      model = Json::object();
      for (const char* key : {"arch", "size", "channels", "z_dim"}) {
        if (m.contains(key)) model[key] = m[key];
      }
    }
    const Json& train = run->config.value("train", Json::object());
    if (train.is_object() && train.value("z_dist", Json()).is_string()) {
      z_dist = train["z_dist"].get<std::string>();
    }
  }
  Json checkpoints = Json::array();
  int64_t newest = -1;
  for (const auto& [step, path] : this->checkpoints()) {
    checkpoints.push_back(
        {{"step", step}, {"epoch", number_or_null(step_value(run->steps, step, "epoch"))}});
    newest = step;
  }
  Json status = {{"text", report::run_status(*run)}, {"steps", run->steps.size()}};
  if (run->steps.size() > 0) {
    const double last = run->steps.step.back();
    status["step"] = number_or_null(last);
    for (const char* field :
         {"epoch", "loss_d_real", "loss_d_fake", "loss_g", "d_real", "d_fake", "img_per_s"}) {
      status[field] = number_or_null(step_value(run->steps, last, field));
    }
  }
  if (run->config.is_object()) {
    status["epochs"] = run->config.value("train", Json::object()).value("epochs", Json());
  }
  return {{"run", run_name(run_dir_)},
          {"model", model},
          {"z_dist", z_dist},
          {"checkpoints", checkpoints},
          {"newest", newest >= 0 ? Json(newest) : Json(nullptr)},
          {"status", status},
          {"version", snapshot->version},
          {"limits", {{"max_images", max_images}}}};
}

Json RunWatch::curves(int max_points) {
  const auto snapshot = data();
  return {{"version", snapshot->version},
          {"html", report::render_losses_section(snapshot->run, max_points) +
                       report::render_d_outputs_section(snapshot->run, max_points)}};
}

}  // namespace dcgan::serve
