// The training loop; see trainer.h. Randomness: the default CPU generator (seeded once, its
// state saved in every checkpoint) draws z, flips and dropout; each epoch's shuffle comes from
// a generator seeded by (seed, epoch), so a resumed run replays exactly the same batches.
#include "dcgan/gan/trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/interrupt.h"
#include "dcgan/core/log.h"
#include "dcgan/core/progress.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/gan/device.h"
#include "dcgan/gan/images.h"
#include "dcgan/gan/metrics_swd.h"
#include "dcgan/gan/runtime_info.h"
#include "dcgan/gan/threads.h"
#include "dcgan/report/event_writer.h"
#include "dcgan/report/html_report.h"
#include "dcgan/report/progress_animation.h"
#include "dcgan/vision/image_io.h"

namespace fs = std::filesystem;

namespace dcgan::gan {

// ------------------------------------------------------------------------------- config

void TrainConfig::validate() const {
  data.validate();
  model.validate();
  step.validate();
  require(!out_dir.empty(), "--out is required: the run directory");
  require(epochs >= 1, "--epochs must be at least 1");
  require(batch_size >= 1 && batch_size <= 65536, "--batch-size must be between 1 and 65536");
  require(z_dist == "uniform" || z_dist == "normal",
          "--z-dist must be uniform or normal (got '" + z_dist + "')");
  require(sample_every >= 0, "--sample-every must be 0 (per epoch only) or positive");
  require(ckpt_every >= 1, "--ckpt-every must be at least 1");
  require(keep >= 1, "--keep must be at least 1");
  require(n_sample >= 1 && n_sample <= 1024, "--n-sample must be between 1 and 1024");
  require(eval_every >= 0, "--eval-every must be 0 (off) or positive");
  require(max_steps >= 0, "--max-steps must be 0 (no limit) or positive");
  require(threads >= 0, "--threads must be 0 (default) or positive");
}

Json TrainConfig::to_json() const {
  return Json{{"data",
               {{"dir", data.dir},
                {"pattern", data.pattern},
                {"recursive", data.recursive},
                {"crop", data.crop},
                {"input_size", data.input_size},
                {"output_size", data.output_size},
                {"channels", data.channels},
                {"limit", data.limit}}},
              {"model", model.to_json()},
              {"step",
               {{"d_steps", step.d_steps},
                {"g_steps", step.g_steps},
                {"loss", step.loss},
                {"label_smooth", step.label_smooth},
                {"lr", step.lr},
                {"beta1", step.beta1},
                {"beta2", step.beta2}}},
              {"out_dir", out_dir},
              {"epochs", epochs},
              {"batch_size", batch_size},
              {"seed", seed},
              {"z_dist", z_dist},
              {"flip", flip},
              {"device", device},
              {"sample_every", sample_every},
              {"ckpt_every", ckpt_every},
              {"keep", keep},
              {"n_sample", n_sample},
              {"eval_every", eval_every},
              {"eval_images", eval_images},
              {"resume", resume},
              {"max_steps", max_steps},
              {"threads", threads}};
}

std::string TrainConfig::to_string() const { return "TrainConfig" + to_json().dump(); }

namespace {

std::string iso_time_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

bool finite(float v) { return std::isfinite(v); }

class Trainer {
 public:
  explicit Trainer(TrainConfig config) : config_(std::move(config)), device_(torch::kCPU) {}

  TrainSummary fit();

 private:
  void load_data();
  void build();
  void resume_or_start();
  void write_config();
  torch::Tensor draw_z(int64_t n);
  std::vector<torch::Tensor> real_batches(const torch::Tensor& order, int64_t position);
  void record_step(const StepStats& stats);
  std::string progress_text() const;
  void write_sample(const std::string& relative_path);
  void save_checkpoint_now();
  void write_summary(bool finished);
  void start_evaluation();
  void evaluate_now();
  void write_report();
  std::string run_path(const std::string& relative) const {
    return (fs::path(config_.out_dir) / relative).string();
  }

  TrainConfig config_;
  torch::Device device_;
  ImageSet data_;
  torch::Tensor images_on_device_;  // (N, C, S, S) uint8
  std::shared_ptr<GeneratorBase> g_;
  std::shared_ptr<DiscriminatorBase> d_;
  std::unique_ptr<GanStep> step_;
  TrainingState state_;
  JsonlWriter metrics_;
  TrainSummary summary_;
  int64_t steps_per_epoch_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  StepStats last_stats_;
  std::unique_ptr<report::EventWriter> events_;
  std::unique_ptr<SwdEvaluator> swd_;  // null when --eval-every is 0
  torch::Tensor eval_z_;               // fixed z of the evaluation samples
  double last_img_per_s_ = 0;
};

void Trainer::load_data() {
  DataConfig data = config_.data;
  if (config_.cache) {
    fs::path parent = fs::absolute(config_.out_dir).parent_path();
    data.cache_dir = (parent / ".dcgan-cache").string();
  }
  data_ = load_image_set(data);
  config_.model.channels = data_.channels();
  config_.model.size = config_.data.output_size;
  const int64_t per_iteration = int64_t(config_.batch_size) * config_.step.d_steps;
  steps_per_epoch_ = data_.size() / per_iteration;
  if (steps_per_epoch_ == 0) {
    throw DataError("only " + std::to_string(data_.size()) + " usable images in " +
                    config_.data.dir + ", fewer than one iteration needs (--batch-size " +
                    std::to_string(config_.batch_size) + " x --d-steps " +
                    std::to_string(config_.step.d_steps) + "); lower --batch-size or add images");
  }
  images_on_device_ = data_.images.to(device_);
  DCGAN_INFO("data: " << data_.size() << " images of " << data_.channels() << "x"
                      << config_.data.output_size << "x" << config_.data.output_size << " from "
                      << config_.data.dir << (data_.from_cache ? " (cached)" : "") << ", "
                      << data_.skipped.size() << " skipped; " << steps_per_epoch_
                      << " iterations per epoch");
}

void Trainer::build() {
  g_ = make_generator(config_.model);
  d_ = make_discriminator(config_.model);
  g_->to(device_);
  d_->to(device_);
  config_.step.fused_adam = config_.model.kernels == "fast";
  step_ = std::make_unique<GanStep>(g_, d_, config_.step);
  DCGAN_INFO("model: " << config_.model.arch << " G " << count_parameters(*g_) << " parameters, D "
                       << count_parameters(*d_) << " parameters, on " << device_.str());
}

void Trainer::resume_or_start() {
  auto checkpoints = list_checkpoints(config_.out_dir);
  if (!checkpoints.empty() && !config_.resume) {
    throw ConfigError("--out " + config_.out_dir + " already holds a run with checkpoints; add "
                      "--resume to continue it, or choose another --out");
  }
  // Newest first; a checkpoint that fails to load (should not happen: writes are atomic) is
  // reported and the previous one is tried.
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    try {
      state_ = load_checkpoint(*it, config_.model, *g_, d_.get(), &step_->optimizer_g(),
                               &step_->optimizer_d());
      if (state_.rng_state.defined()) {
        at::Generator generator = at::detail::getDefaultCPUGenerator();  // a shared handle
        generator.set_state(state_.rng_state);
      }
      DCGAN_INFO("resuming from " << *it << ": epoch " << state_.epoch << ", step "
                                  << state_.step);
      return;
    } catch (const DataError& e) {
      if (e.what() && std::string(e.what()).find("was written for") != std::string::npos) throw;
      DCGAN_WARN("cannot resume from " << *it << " (" << e.what() << "); trying an older one");
    }
  }
  if (config_.resume) DCGAN_INFO("--resume: no checkpoint in " << config_.out_dir << "; starting");
  // The sample z comes from its own generator so that it depends on the seed alone.
  auto gen = at::detail::createCPUGenerator(config_.seed ^ 0x5A5A5A5Aull);
  state_.sample_z = config_.z_dist == "normal"
                        ? torch::randn({config_.n_sample, config_.model.z_dim}, gen)
                        : torch::rand({config_.n_sample, config_.model.z_dim}, gen) * 2 - 1;
}

void Trainer::write_config() {
  Json skipped = Json::array();
  for (const auto& [file, reason] : data_.skipped) skipped.push_back(file);
  Json model = config_.model.to_json();
  model["g_params"] = count_parameters(*g_);
  model["d_params"] = count_parameters(*d_);
  Json config = {{"train", config_.to_json()},
                 {"model", model},
                 {"data",
                  {{"dir", config_.data.dir},
                   {"pattern", config_.data.pattern},
                   {"n_images", data_.size()},
                   {"n_skipped", data_.skipped.size()},
                   {"skipped", skipped},
                   {"cache", data_.cache_path}}},
                 {"runtime", runtime_info()},
                 {"device", device_.str()},
                 {"started", iso_time_now()}};
  write_json_file(run_path("config.json"), config);
}

torch::Tensor Trainer::draw_z(int64_t n) {
  // Drawn on the CPU from the default generator (whose state the checkpoint saves).
  auto z = config_.z_dist == "normal" ? torch::randn({n, config_.model.z_dim})
                                      : torch::rand({n, config_.model.z_dim}) * 2 - 1;
  return z.to(device_);
}

// The d_steps real batches of iteration `position` of an epoch with sample order `order`.
std::vector<torch::Tensor> Trainer::real_batches(const torch::Tensor& order, int64_t position) {
  std::vector<torch::Tensor> batches;
  const int64_t b = config_.batch_size;
  for (int k = 0; k < config_.step.d_steps; ++k) {
    auto index = order.narrow(0, (position * config_.step.d_steps + k) * b, b).to(device_);
    auto batch = to_unit_range(images_on_device_.index_select(0, index));
    if (config_.flip) {
      auto mask = (torch::rand({b}) < 0.5).to(device_).view({b, 1, 1, 1});
      batch = torch::where(mask, batch.flip({3}), batch);
    }
    batches.push_back(batch);
  }
  return batches;
}

void Trainer::record_step(const StepStats& stats) {
  Json record = {{"kind", "step"},
                 {"epoch", state_.epoch},
                 {"step", state_.step},
                 {"loss_d_real", stats.loss_d_real.item<float>()},
                 {"loss_d_fake", stats.loss_d_fake.item<float>()},
                 {"loss_g", stats.loss_g.item<float>()},
                 {"d_real", stats.d_real.item<float>()},
                 {"d_fake", stats.d_fake.item<float>()},
                 {"img_per_s", last_img_per_s_},
                 {"time_s", state_.time_s}};
  for (const char* key : {"loss_d_real", "loss_d_fake", "loss_g"}) {
    if (!finite(record[key].get<float>())) {
      throw TrainingDiverged("training diverged at step " + std::to_string(state_.step) +
                             " (epoch " + std::to_string(state_.epoch) + "): " + key + " is " +
                             record[key].dump() + "; the last good checkpoint is kept in " +
                             config_.out_dir + "/checkpoints (try a lower --lr)");
    }
  }
  metrics_.append(record);
  events_->add_scalars(state_.step, {{"loss/d_real", record["loss_d_real"].get<double>()},
                                     {"loss/d_fake", record["loss_d_fake"].get<double>()},
                                     {"loss/g", record["loss_g"].get<double>()},
                                     {"d/real", record["d_real"].get<double>()},
                                     {"d/fake", record["d_fake"].get<double>()},
                                     {"img_per_s", last_img_per_s_}});
}

// "d 1.234 g 0.987 D(x) 0.61 D(G(z)) 0.35 120.5 img/s" for the progress line.
std::string Trainer::progress_text() const {
  std::ostringstream text;
  text << std::fixed << std::setprecision(3) << "d "
       << last_stats_.loss_d_real.item<float>() + last_stats_.loss_d_fake.item<float>() << " g "
       << last_stats_.loss_g.item<float>() << " D(x) " << last_stats_.d_real.item<float>()
       << " D(G(z)) " << last_stats_.d_fake.item<float>() << std::setprecision(1) << " "
       << last_img_per_s_ << " img/s";
  return text.str();
}

void Trainer::write_sample(const std::string& relative_path) {
  g_->eval();  // BN uses its running statistics, as the recipe's sampler (HEAD) does
  auto images = generate_images(*g_, state_.sample_z, device_);
  g_->train();
  ensure_dir(fs::path(run_path(relative_path)).parent_path().string());
  write_grid(run_path(relative_path), images);
  summary_.last_sample = run_path(relative_path);
  events_->add_image("samples", state_.step, vision::read_image(run_path(relative_path)));
}

// SWD on a fixed real subset vs G's images from a fixed z (own generators: evaluation never
// touches the training RNG, so it cannot change a resumed run).
void Trainer::start_evaluation() {
  if (config_.eval_every == 0) return;
  try {
    swd_resolutions(config_.data.output_size);
  } catch (const DataError& e) {
    DCGAN_WARN("--eval-every: SWD is not defined for " << config_.data.output_size
                                                       << " px images (" << e.what() << "); off");
    return;
  }
  const int64_t n = std::min<int64_t>(config_.eval_images, data_.size());
  auto gen = at::detail::createCPUGenerator(config_.seed ^ 0xE7A1ull);
  auto subset = torch::randperm(data_.size(), gen, torch::kLong).narrow(0, 0, n);
  swd_ = std::make_unique<SwdEvaluator>(data_.images.index_select(0, subset), config_.seed);
  eval_z_ = config_.z_dist == "normal" ? torch::randn({n, config_.model.z_dim}, gen)
                                       : torch::rand({n, config_.model.z_dim}, gen) * 2 - 1;
}

void Trainer::evaluate_now() {
  g_->eval();
  torch::Tensor fake = generate_images(*g_, eval_z_, device_);
  g_->train();
  SwdResult result = swd_->evaluate(fake);
  metrics_.append({{"kind", "eval"},
                   {"epoch", state_.epoch},
                   {"step", state_.step},
                   {"time_s", state_.time_s},
                   {"swd", result.levels_json()},
                   {"swd_avg", result.average}});
  events_->add_scalar("swd/avg", state_.step, result.average);
}

// The HTML report and the progression GIF; a failure here never loses the training itself.
void Trainer::write_report() {
  try {
    report::write_progress_animation(config_.out_dir);
    std::string path = report::write_run_report(config_.out_dir);
    DCGAN_INFO("report: " << path);
  } catch (const Error& e) {
    DCGAN_WARN("could not write the report: " << e.what() << " (run `dcgan report "
                                              << config_.out_dir << "` to retry)");
  }
}

void Trainer::save_checkpoint_now() {
  state_.rng_state = at::detail::getDefaultCPUGenerator().get_state();
  std::string path = checkpoint_path(config_.out_dir, state_.step);
  save_checkpoint(path, config_.model, *g_, *d_, &step_->optimizer_g(), &step_->optimizer_d(),
                  state_);
  prune_checkpoints(config_.out_dir, config_.keep);
  summary_.last_checkpoint = path;
}

void Trainer::write_summary(bool finished) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  summary_.steps = state_.step;
  summary_.epochs_done = state_.epoch - 1;
  summary_.time_s = state_.time_s;
  summary_.finished = finished;
  write_json_file(run_path("summary.json"),
                  {{"steps", summary_.steps},
                   {"epochs_done", summary_.epochs_done},
                   {"epochs", config_.epochs},
                   {"time_s", summary_.time_s},
                   {"img_per_s", summary_.img_per_s},
                   {"this_invocation_s", elapsed},
                   {"finished", finished},
                   {"last_checkpoint", summary_.last_checkpoint},
                   {"last_sample", summary_.last_sample},
                   {"ended", iso_time_now()}});
}

TrainSummary Trainer::fit() {
  // --g-steps 0 means the family's own schedule: 2 for DCGAN (the recipe), 1 for the MLP GAN
  // (Goodfellow et al. Algorithm 1: k D steps, then one G step).
  if (config_.step.g_steps == 0) config_.step.g_steps = config_.model.arch == "mlp" ? 1 : 2;
  config_.validate();
  device_ = choose_device(config_.device);
  set_compute_threads(config_.threads);
  DCGAN_DEBUG(config_.to_string());
  load_data();  // first, so a bad --data leaves no empty run directory behind
  ensure_dir(config_.out_dir);
  torch::manual_seed(config_.seed);  // before build(): the initial weights depend on the seed
  build();
  resume_or_start();
  write_config();
  metrics_ = JsonlWriter(run_path("metrics.jsonl"));
  events_ = std::make_unique<report::EventWriter>(config_.out_dir);
  start_evaluation();
  const double time_at_start = state_.time_s;
  int64_t images_seen = 0;
  const int64_t per_iteration = int64_t(config_.batch_size) * config_.step.d_steps;
  auto sample_z = [this](int64_t n) { return draw_z(n); };
  bool stop_requested = false, step_limit = false;

  while (state_.epoch <= config_.epochs && !stop_requested && !step_limit) {
    auto epoch_gen = at::detail::createCPUGenerator(config_.seed * 1000003ull + state_.epoch);
    auto order = torch::randperm(data_.size(), epoch_gen, torch::kLong);
    ProgressBar progress("epoch " + std::to_string(state_.epoch) + "/" +
                             std::to_string(config_.epochs),
                         steps_per_epoch_, "it");
    progress.update(state_.position);
    const double epoch_start_s = state_.time_s;
    const int64_t epoch_first_position = state_.position;
    std::string suffix;
    while (state_.position < steps_per_epoch_ && !stop_requested && !step_limit) {
      auto t0 = std::chrono::steady_clock::now();
      last_stats_ = step_->run(real_batches(order, state_.position), sample_z);
      ++state_.position;
      ++state_.step;
      double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      state_.time_s += dt;
      images_seen += per_iteration;
      last_img_per_s_ = per_iteration / std::max(dt, 1e-9);
      record_step(last_stats_);
      if (config_.sample_every > 0 && state_.step % config_.sample_every == 0) {
        write_sample(numbered_name("samples/step-", state_.step, 8, ".png"));
      }
      if (swd_ && state_.step % config_.eval_every == 0) evaluate_now();
      if (state_.step % config_.ckpt_every == 0) save_checkpoint_now();
      suffix = progress_text();
      progress.update(state_.position, suffix);
      stop_requested = interrupt_requested();
      step_limit = config_.max_steps > 0 && state_.step >= config_.max_steps;
    }
    progress.finish(suffix);
    if (state_.position == steps_per_epoch_) {  // the epoch is complete
      std::string sample = numbered_name("samples/epoch-", state_.epoch, 4, ".png");
      write_sample(sample);
      double epoch_s = state_.time_s - epoch_start_s;
      metrics_.append({{"kind", "epoch"},
                       {"epoch", state_.epoch},
                       {"step", state_.step},
                       {"time_s", state_.time_s},
                       {"img_per_s", (steps_per_epoch_ - epoch_first_position) * per_iteration /
                                         std::max(epoch_s, 1e-9)},
                       {"sample", sample}});
      ++state_.epoch;  // the checkpoint then points at the start of the next epoch
      state_.position = 0;
    }
    save_checkpoint_now();
  }
  summary_.img_per_s = images_seen / std::max(state_.time_s - time_at_start, 1e-9);
  const bool finished = state_.epoch > config_.epochs;
  write_summary(finished);
  write_report();
  if (stop_requested) {
    throw Interrupted("interrupted at step " + std::to_string(state_.step) +
                      "; checkpoint saved to " + summary_.last_checkpoint +
                      " (continue with the same command plus --resume)");
  }
  if (!finished) {
    DCGAN_INFO("stopped at --max-steps " << config_.max_steps << "; checkpoint "
                                         << summary_.last_checkpoint);
  }
  return summary_;
}

}  // namespace

TrainSummary train(const TrainConfig& config) { return Trainer(config).fit(); }

}  // namespace dcgan::gan
