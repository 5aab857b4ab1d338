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
#include <limits>
#include <optional>
#include <sstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/fault_injection.h"
#include "dcgan/core/interrupt.h"
#include "dcgan/core/log.h"
#include "dcgan/core/progress.h"
#include "dcgan/data/image_tensors.h"
#include "dcgan/dist/env.h"
#include "dcgan/dist/sync_batch_norm.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/gan/data_parallel.h"
#include "dcgan/gan/device.h"
#include "dcgan/gan/generator_average.h"
#include "dcgan/gan/images.h"
#include "dcgan/gan/runtime_info.h"
#include "dcgan/kernels/choices.h"
#include "dcgan/kernels/conv.h"
#include "dcgan/kernels/precision.h"
#include "dcgan/kernels/threads.h"
#include "dcgan/metrics/swd.h"
#include "dcgan/report/event_writer.h"
#include "dcgan/report/html_report.h"
#include "dcgan/report/progress_animation.h"
#include "dcgan/vision/image_io.h"

namespace fs = std::filesystem;

namespace dcgan::gan {

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
  void open_run_to_resume();
  void load_data();
  void build();
  void resume_or_start();
  void start_average();
  kernels::PrecisionChoice decide_precision(const std::string& requested);
  void warn_if_precision_switched();
  void finish_epoch(int64_t first_position, double start_s);
  void share_kernel_choices();
  [[noreturn]] void diverged(const std::string& what) const;
  void write_config();
  torch::Tensor draw_z(int64_t n);
  std::vector<torch::Tensor> real_batches(const torch::Tensor& order, int64_t position);
  void record_step(const StepStats& stats);
  std::string progress_text() const;
  void write_sample(const std::string& relative_path);
  GeneratorBase& inference_generator();
  void done_with_inference_generator();
  void save_checkpoint_now();
  void write_summary(bool finished);
  Json dist_summary() const;
  void start_evaluation();
  void evaluate_now();
  void write_report();
  void join_job();
  void agree_on_step(bool& stop_requested, bool& time_limit);
  void agree_on_precision();
  // Only rank 0 of a data-parallel job writes the run folder; a job of one is rank 0.
  bool writes() const { return rank_ == 0; }
  std::string run_path(const std::string& relative) const {
    return (fs::path(config_.out_dir) / relative).string();
  }

  TrainConfig config_;
  torch::Device device_;
  int rank_ = 0;                            // from the launcher's environment, before joining
  int world_size_ = 1;                      // the same
  std::unique_ptr<DataParallel> parallel_;  // the job (of one without a launcher)
  data::ImageSet data_;
  torch::Tensor images_on_device_;  // (N, C, S, S) uint8
  std::shared_ptr<GeneratorBase> g_;
  std::shared_ptr<DiscriminatorBase> d_;
  std::unique_ptr<GanStep> step_;
  std::unique_ptr<GeneratorAverage> average_;    // --ema
  int64_t average_prepared_at_ = -1;             // the step whose average prepare() last saw
  std::optional<OpenedCheckpoint> resume_from_;  // with --resume, until its state is loaded
  kernels::PrecisionChoice precision_;           // what --precision decided, and why
  std::string resumed_precision_;  // with --resume: the --precision the run had until now
  TrainingState state_;
  int64_t position_ = 0;  // iterations of the epoch in progress already done
  JsonlWriter metrics_;
  TrainSummary summary_;
  int64_t steps_per_epoch_ = 0;
  int64_t images_per_iteration_ = 0;  // batch x d_steps x ranks: the whole job's
  std::string machine_choices_path_;  // this machine's kernel choices in the data cache folder
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  StepStats last_stats_;
  std::unique_ptr<report::EventWriter> events_;
  std::unique_ptr<metrics::SwdEvaluator> swd_;  // null when --eval-every is 0
  torch::Tensor eval_z_;                        // fixed z of the evaluation samples
  double last_img_per_s_ = 0;
  int64_t iterations_this_run_ = 0;
};

void Trainer::load_data() {
  data::DataConfig data = config_.data;
  if (config_.cache) {
    fs::path parent = fs::absolute(config_.out_dir).parent_path();
    data.cache_dir = (parent / ".dcgan-cache").string();
  }
  data_ = data::load_image_set(data);
  if (config_.cache && config_.model.kernels == "fast") {
    machine_choices_path_ =
        (fs::path(data.cache_dir) / kernels::machine_kernel_choices_name(kernels::onednn_info()))
            .string();
    kernels::replay_kernel_choices(kernels::read_kernel_choices_file(machine_choices_path_));
  }
  config_.model.channels = data_.channels();
  // Each rank's shard of an epoch holds N / ranks images (DataParallel::shard).
  const int ranks = world_size_;
  steps_per_epoch_ = data_.size() / ranks / (images_per_iteration_ / ranks);
  if (steps_per_epoch_ == 0) {
    throw DataError("only " + std::to_string(data_.size()) + " usable images in " +
                    config_.data.dir + ", fewer than one iteration needs (--batch-size " +
                    std::to_string(config_.batch_size) + " x --d-steps " +
                    std::to_string(config_.step.d_steps) +
                    (ranks > 1 ? " x " + std::to_string(ranks) + " ranks" : std::string()) +
                    "); lower --batch-size or add images");
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
  if (parallel_->distributed()) {
    step_->set_before_backward_hook(
        [this](torch::nn::Module& net) { parallel_->before_backward(net); });
    step_->set_gradient_hook([this](torch::nn::Module& net) { parallel_->average_gradients(net); });
  }
  if (parallel_->sync_bn()) {
    const BatchNormAct sync = [group = parallel_->group()](const torch::Tensor& x,
                                                           torch::nn::BatchNorm2dImpl& bn,
                                                           double slope) {
      return dist::sync_batch_norm_act(x, bn, slope, *group);
    };
    g_->set_batch_norm_act(sync);
    d_->set_batch_norm_act(sync);
  }
  start_average();
  DCGAN_INFO("model: " << config_.model.arch << " G " << count_parameters(*g_) << " parameters, D "
                       << count_parameters(*d_) << " parameters, on " << device_.str());
}

// With --resume: the newest checkpoint that reads, whose stored flags then fill and check this
// command's. Unreadable newer ones are set aside (renamed, kept) with a warning; when none
// reads, nothing is touched and the run is refused, never silently restarted.
void Trainer::open_run_to_resume() {
  const auto checkpoints = list_checkpoints(config_.out_dir);
  if (!config_.resume) {
    if (checkpoints.empty()) return;
    throw ConfigError("--out " + config_.out_dir +
                      " already holds a run with checkpoints; add "
                      "--resume to continue it, or choose another --out");
  }
  if (checkpoints.empty()) {
    DCGAN_INFO("--resume: no checkpoint in " << config_.out_dir << "; starting");
    return;
  }
  std::vector<std::string> unreadable;
  std::string first_error;
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend() && !resume_from_; ++it) {
    try {
      resume_from_ = open_checkpoint(*it);
    } catch (const DataError& e) {
      DCGAN_WARN("cannot resume from " << *it << ": " << e.what());
      unreadable.push_back(*it);
      if (first_error.empty()) first_error = e.what();
    }
  }
  if (!resume_from_) {
    throw DataError("--resume: none of the " + std::to_string(checkpoints.size()) +
                    " checkpoints in " + config_.out_dir +
                    "/checkpoints can be read (newest: " + first_error +
                    "); nothing was changed: move them away to start afresh, or "
                    "train into another --out");
  }
  for (const auto& path : unreadable) {
    if (!writes()) continue;  // rank 0 renames them
    set_aside_unreadable_checkpoint(path);
    DCGAN_WARN("set the unreadable " << path << " aside as " << path << ".unreadable; resuming "
                                     << "from the older " << resume_from_->path);
  }
  if (resume_from_->train_flags.is_null()) {
    DCGAN_WARN(resume_from_->path << " predates stored training flags; this command's flags are "
                                     "used unchecked");
  } else {
    resumed_precision_ = TrainConfig::from_json(resume_from_->train_flags).precision;
    apply_stored_flags(config_, resume_from_->train_flags, resume_from_->path);
  }
}

void Trainer::resume_or_start() {
  if (resume_from_) {
    state_ = load_checkpoint(*resume_from_, config_.model, *g_, d_.get(), &step_->optimizer_g(),
                             &step_->optimizer_d());
    if (state_.rng_state.defined()) {
      at::Generator generator = at::detail::getDefaultCPUGenerator();  // a shared handle
      generator.set_state(state_.rng_state);
    }
    if (state_.legacy_position)  // iterations of a single process
      state_.epoch_images = *state_.legacy_position * config_.batch_size * config_.step.d_steps;
    kernels::replay_kernel_choices(
        state_.kernel_choices);  // before the first step builds any layer
    if (average_) {
      if (!load_generator_average(*resume_from_, average_->generator())) {
        DCGAN_WARN(resume_from_->path << " holds no averaged generator; --ema " << config_.ema
                                      << " starts from its generator");
        start_average();
      }
    }
    position_ = state_.epoch_images / images_per_iteration_;
    DCGAN_INFO("resuming from " << resume_from_->path << ": epoch " << state_.epoch << ", step "
                                << state_.step);
    resume_from_.reset();
    if (state_.sample_z.size(0) == config_.n_sample) return;
  }
  // The sample z comes from its own generator so that it depends on the seed alone.
  auto gen = at::detail::createCPUGenerator(config_.seed ^ 0x5A5A5A5Aull);
  state_.sample_z = config_.z_dist == "normal"
                        ? torch::randn({config_.n_sample, config_.model.z_dim}, gen)
                        : torch::rand({config_.n_sample, config_.model.z_dim}, gen) * 2 - 1;
}

// --precision. fp32 and bf16 decide without the models (bf16 without native BF16 is refused
// before anything is read or written); auto times the iteration in both precisions on a
// throwaway pair of models and the first images, restoring the generator whose state the
// checkpoints keep, so the run's own models and draws are those of any other precision.
kernels::PrecisionChoice Trainer::decide_precision(const std::string& requested) {
  auto timed_pass = [this] {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    const torch::Tensor rng_state = generator.get_state();
    std::shared_ptr<GeneratorBase> g = make_generator(config_.model);
    std::shared_ptr<DiscriminatorBase> d = make_discriminator(config_.model);
    g->to(device_);
    d->to(device_);
    GanStep step(g, d, config_.step);
    const auto first = data::to_unit_range(images_on_device_.narrow(0, 0, config_.batch_size));
    step.run(std::vector<torch::Tensor>(config_.step.d_steps, first),
             [this](int64_t n) { return draw_z(n); });
    generator.set_state(rng_state);
  };
  const std::string key =
      "train b" + std::to_string(config_.batch_size) + " d" + std::to_string(config_.step.d_steps) +
      " g" + std::to_string(config_.step.g_steps) + " t" +
      std::to_string(torch::get_num_threads()) + " " + config_.model.to_json().dump();
  return kernels::choose_precision(requested, device_.is_cuda(), config_.model.kernels == "fast",
                                   key, timed_pass);
}

// A resumed run that now multiplies in another precision continues correctly (checkpoints are
// FP32), but no longer as the uninterrupted run would have.
void Trainer::warn_if_precision_switched() {
  if (resumed_precision_.empty() || resumed_precision_ == config_.precision) return;
  // auto replays the decision the checkpoint recorded.
  const kernels::Precision before = resumed_precision_ == "auto"
                                        ? decide_precision("auto").precision
                                    : resumed_precision_ == "bf16" ? kernels::Precision::kBf16
                                                                   : kernels::Precision::kFp32;
  if (before == precision_.precision) return;
  DCGAN_WARN("--resume: the run trained in " << kernels::precision_name(before) << " until step "
                                             << state_.step << " and continues in "
                                             << kernels::precision_name(precision_.precision)
                                             << ": it is no longer bit-exact with a run that "
                                                "never stopped");
}

// --ema's average starts as a copy of G as it is now (initialised or loaded).
void Trainer::start_average() {
  if (!ema_enabled(config_.ema) || !writes()) return;  // only rank 0 shows images
  average_ = std::make_unique<GeneratorAverage>(config_.model, config_.ema, *g_, config_.z_dist,
                                                config_.seed, config_.batch_size);
  average_prepared_at_ = -1;
}

// The generator whose images the run shows: the average (its BatchNorm statistics computed for
// its weights) with --ema, else G, in evaluation mode (BN uses its running statistics, as the
// recipe's sampler at HEAD does) until done_with_inference_generator().
GeneratorBase& Trainer::inference_generator() {
  if (!average_) {
    g_->eval();
    return *g_;
  }
  if (average_prepared_at_ != state_.step) {
    average_->prepare();
    average_prepared_at_ = state_.step;
  }
  return average_->generator();
}

void Trainer::done_with_inference_generator() {
  if (!average_) g_->train();
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
                 {"precision",
                  {{"requested", config_.precision},
                   {"ran", kernels::precision_name(precision_.precision)},
                   {"reason", precision_.reason}}},
                 {"dist",
                  {{"world_size", parallel_->world_size()},
                   {"global_batch", int64_t{config_.batch_size} * parallel_->world_size()},
                   {"backend", parallel_->distributed() ? parallel_->group()->backend() : "none"},
                   {"sync_bn", parallel_->sync_bn()}}},
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
    auto batch = data::to_unit_range(images_on_device_.index_select(0, index));
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
  if (stats.r1.defined()) record["r1"] = stats.r1.item<float>();
  for (const char* key : {"loss_d_real", "loss_d_fake", "loss_g"}) {
    const float value = record[key].get<float>();
    if (!finite(value)) diverged(std::string(key) + " is " + std::to_string(value));
  }
  if (!writes()) return;
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
  if (!writes()) return;
  kernels::PrecisionScope fp32(kernels::Precision::kFp32);  // as `dcgan sample` computes
  auto images = generate_images(inference_generator(), state_.sample_z, device_);
  done_with_inference_generator();
  ensure_dir(fs::path(run_path(relative_path)).parent_path().string());
  data::write_grid(run_path(relative_path), images);
  summary_.last_sample = run_path(relative_path);
  events_->add_image("samples", state_.step, vision::read_image(run_path(relative_path)));
}

// SWD on a fixed real subset vs G's images from a fixed z (own generators: evaluation never
// touches the training RNG, so it cannot change a resumed run).
void Trainer::start_evaluation() {
  if (config_.eval_every == 0 || !writes()) return;
  try {
    metrics::swd_resolutions(config_.data.output_size);
  } catch (const DataError& e) {
    DCGAN_WARN("--eval-every: SWD is not defined for " << config_.data.output_size << " px images ("
                                                       << e.what() << "); off");
    return;
  }
  const int64_t n = std::min<int64_t>(config_.eval_images, data_.size());
  auto gen = at::detail::createCPUGenerator(config_.seed ^ 0xE7A1ull);
  auto subset = torch::randperm(data_.size(), gen, torch::kLong).narrow(0, 0, n);
  swd_ =
      std::make_unique<metrics::SwdEvaluator>(data_.images.index_select(0, subset), config_.seed);
  eval_z_ = config_.z_dist == "normal" ? torch::randn({n, config_.model.z_dim}, gen)
                                       : torch::rand({n, config_.model.z_dim}, gen) * 2 - 1;
}

void Trainer::evaluate_now() {
  kernels::PrecisionScope fp32(kernels::Precision::kFp32);  // as `dcgan eval` computes
  torch::Tensor fake = generate_images(inference_generator(), eval_z_, device_);
  done_with_inference_generator();
  metrics::SwdResult result = swd_->evaluate(fake);
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

// "training diverged at step 12 (epoch 1): WHAT; the last good checkpoint ... stays".
void Trainer::diverged(const std::string& what) const {
  const auto checkpoints = list_checkpoints(config_.out_dir);
  throw TrainingDiverged("training diverged at step " + std::to_string(state_.step) + " (epoch " +
                         std::to_string(state_.epoch) + "): " + what + "; " +
                         (checkpoints.empty()
                              ? std::string("no checkpoint was written")
                              : "the last good checkpoint " + checkpoints.back() + " stays") +
                         " (try a lower --lr)");
}

void Trainer::save_checkpoint_now() {
  if (!writes()) return;
  state_.rng_state = at::detail::getDefaultCPUGenerator().get_state();
  state_.epoch_images = position_ * images_per_iteration_;
  state_.train_flags = config_.to_json();
  state_.kernel_choices = kernels::kernel_choices();
  std::string path = checkpoint_path(config_.out_dir, state_.step);
  GeneratorBase* average = average_ ? &inference_generator() : nullptr;
  try {
    save_checkpoint(path, config_.model, *g_, *d_, &step_->optimizer_g(), &step_->optimizer_d(),
                    state_, average);
  } catch (const TrainingDiverged& e) {
    diverged(e.what());
  }
  share_kernel_choices();  // layers first run since (evaluation, sampling) are in it too
  prune_checkpoints(config_.out_dir, config_.keep);
  summary_.last_checkpoint = path;
}

void Trainer::write_summary(bool finished) {
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  summary_.steps = state_.step;
  summary_.epochs_done = state_.epoch - 1;
  summary_.time_s = state_.time_s;
  summary_.finished = finished;
  write_json_file(run_path("summary.json"), {{"steps", summary_.steps},
                                             {"epochs_done", summary_.epochs_done},
                                             {"epochs", config_.epochs},
                                             {"time_s", summary_.time_s},
                                             {"img_per_s", summary_.img_per_s},
                                             {"this_invocation_s", elapsed},
                                             {"finished", finished},
                                             {"last_checkpoint", summary_.last_checkpoint},
                                             {"last_sample", summary_.last_sample},
                                             {"dist", dist_summary()},
                                             {"ended", iso_time_now()}});
}

// The job's shape and its gradient all-reduce per iteration in this invocation (rank 0's clock,
// which includes waiting for the slowest rank), for the benchmark and the scaling estimate.
Json Trainer::dist_summary() const {
  const int64_t iterations = std::max<int64_t>(iterations_this_run_, 1);
  return {{"world_size", parallel_->world_size()},
          {"global_batch", int64_t{config_.batch_size} * parallel_->world_size()},
          {"allreduce_ms_per_step", parallel_->average_seconds() * 1000 / iterations},
          {"allreduce_bytes_per_step", parallel_->average_bytes() / iterations}};
}

// Joins the data-parallel job the launcher's environment describes (alone without one): the
// rendezvous waits for every rank, then every rank uses its own GPU (LOCAL_RANK).
void Trainer::join_job() {
  parallel_ = std::make_unique<DataParallel>(config_.dist, device_.is_cuda());
  if (!parallel_->distributed()) return;
  if (device_.is_cuda() && !device_.has_index()) {
    device_ = torch::Device(
        torch::kCUDA,
        static_cast<torch::DeviceIndex>(parallel_->local_rank() % torch::cuda::device_count()));
  }
  DCGAN_INFO("rank " << parallel_->rank() << " of " << parallel_->world_size() << " ("
                     << parallel_->group()->backend() << "), batch " << config_.batch_size
                     << " per rank, " << int64_t{config_.batch_size} * parallel_->world_size()
                     << " in all" << (parallel_->sync_bn() ? ", BatchNorm over the job" : ""));
}

// --precision auto in a job: each rank timed its own iteration, and timings differ between ranks
// (and so could the machines), yet the ranks should compute alike. All of them take rank 0's
// decision, or fp32 when some rank has no native BF16 (oneDNN would emulate it there, slower
// than fp32, and that rank would hold the others back).
void Trainer::agree_on_precision() {
  const bool bf16_here = precision_.precision == kernels::Precision::kBf16;
  const bool rank0_bf16_vote = parallel_->rank() == 0 && bf16_here;
  // The mean of world_size on rank 0 and 0 elsewhere is 1 exactly when rank 0 chose bf16.
  std::vector<double> means = {rank0_bf16_vote ? double(parallel_->world_size()) : 0.0};
  std::vector<bool> any = {!device_.is_cuda() && !kernels::native_bf16()};
  parallel_->agree(means, any);
  const bool rank0_bf16 = means[0] > 0.5;
  const bool some_rank_without_bf16 = any[0];
  if (some_rank_without_bf16 && rank0_bf16) {
    precision_ = {kernels::Precision::kFp32,
                  "auto: fp32, as a rank of the job has no native BF16 (rank 0 timed bf16 faster)"};
  } else if (rank0_bf16 != bf16_here) {
    const kernels::Precision rank0 =
        rank0_bf16 ? kernels::Precision::kBf16 : kernels::Precision::kFp32;
    precision_ = {rank0, std::string("auto: ") + kernels::precision_name(rank0) +
                             ", rank 0's decision (this rank's was " + precision_.reason + ")"};
  }
}

// Every rank's losses replaced by their mean (what is logged), and the stop decisions by
// whether any rank took them, so that all ranks stop after the same iteration.
void Trainer::agree_on_step(bool& stop_requested, bool& time_limit) {
  std::vector<double> means = {last_stats_.loss_d_real.item<double>(),
                               last_stats_.loss_d_fake.item<double>(),
                               last_stats_.loss_g.item<double>(),
                               last_stats_.d_real.item<double>(),
                               last_stats_.d_fake.item<double>(),
                               last_stats_.r1.defined() ? last_stats_.r1.item<double>() : 0.0};
  std::vector<bool> any = {stop_requested, time_limit};
  parallel_->agree(means, any);
  auto scalar = [](double v) { return torch::tensor(static_cast<float>(v)); };
  last_stats_.loss_d_real = scalar(means[0]);
  last_stats_.loss_d_fake = scalar(means[1]);
  last_stats_.loss_g = scalar(means[2]);
  last_stats_.d_real = scalar(means[3]);
  last_stats_.d_fake = scalar(means[4]);
  if (last_stats_.r1.defined()) last_stats_.r1 = scalar(means[5]);
  stop_requested = any[0];
  time_limit = any[1];
}

// Adds the choices this process made to the machine's file, where later runs find them: the
// first run on a machine times oneDNN's candidates, the ones after it compute as it did.
void Trainer::share_kernel_choices() {
  if (machine_choices_path_.empty() || !writes()) return;
  kernels::KernelChoices shared = kernels::read_kernel_choices_file(machine_choices_path_);
  const size_t before = shared.size();
  for (const auto& [key, choice] : kernels::kernel_choices()) shared.emplace(key, choice);
  if (shared.size() != before) kernels::write_kernel_choices_file(machine_choices_path_, shared);
}

// The end of an epoch: its sample grid and record; the position moves to the next epoch.
void Trainer::finish_epoch(int64_t first_position, double start_s) {
  std::string sample = numbered_name("samples/epoch-", state_.epoch, 4, ".png");
  write_sample(sample);
  const double epoch_s = state_.time_s - start_s;
  const int64_t iterations = std::max<int64_t>(0, steps_per_epoch_ - first_position);
  if (writes()) {
    metrics_.append({{"kind", "epoch"},
                     {"epoch", state_.epoch},
                     {"step", state_.step},
                     {"time_s", state_.time_s},
                     {"img_per_s", iterations * images_per_iteration_ / std::max(epoch_s, 1e-9)},
                     {"sample", sample}});
  }
  ++state_.epoch;  // the checkpoint then points at the start of the next epoch
  position_ = 0;
}

TrainSummary Trainer::fit() {
  // Everything a flag decides is settled and checked before any data is read or written.
  config_.normalize();
  const dist::DistEnv job = dist::read_dist_env(config_.dist.master);
  rank_ = job.rank;
  world_size_ = job.world_size;
  open_run_to_resume();
  // --g-steps 0 means the family's own schedule: 2 for DCGAN (the recipe), 1 for the MLP GAN
  // (Goodfellow et al. Algorithm 1: k D steps, then one G step).
  if (config_.step.g_steps == 0) config_.step.g_steps = config_.model.arch == "mlp" ? 1 : 2;
  config_.model.size = config_.data.output_size;
  config_.validate();
  images_per_iteration_ = int64_t(config_.batch_size) * config_.step.d_steps * job.world_size;
  device_ = choose_device(config_.device);
  kernels::set_compute_threads(config_.threads);
  DCGAN_DEBUG(config_.to_string());
  if (config_.precision != "auto") precision_ = decide_precision(config_.precision);
  load_data();  // first, so a bad --data leaves no empty run directory behind
  join_job();   // then, so a bad --data fails before any rendezvous waits for it
  if (writes()) {
    ensure_dir(config_.out_dir);
    if (const int removed = remove_stale_checkpoint_temporaries(config_.out_dir)) {
      DCGAN_INFO("removed " << removed << " partly written checkpoint(s) of a killed process");
    }
  }
  torch::manual_seed(config_.seed);  // before build(): the initial weights depend on the seed
  build();
  resume_or_start();
  if (parallel_->distributed()) {  // every rank starts from rank 0's weights and moments
    parallel_->check_same(state_.step, "steps to resume from (each read its own checkpoint)");
    parallel_->broadcast_state(*g_, &step_->optimizer_g());
    parallel_->broadcast_state(*d_, &step_->optimizer_d());
  }
  // resume_or_start() replayed the run's kernel choices, auto's decision among them.
  if (config_.precision == "auto") {
    precision_ = decide_precision("auto");
    if (parallel_->distributed()) agree_on_precision();
  }
  warn_if_precision_switched();
  kernels::PrecisionScope precision(precision_.precision);  // until fit() returns
  DCGAN_INFO("precision: " << kernels::precision_name(precision_.precision) << " ("
                           << precision_.reason << ")");
  if (writes()) {
    write_config();
    metrics_ = JsonlWriter(run_path("metrics.jsonl"));
    events_ = std::make_unique<report::EventWriter>(config_.out_dir);
  }
  start_evaluation();
  const double time_at_start = state_.time_s;
  int64_t images_seen = 0;
  auto sample_z = [this](int64_t n) { return draw_z(n); };
  bool stop_requested = false, step_limit = false, time_limit = false;

  while (state_.epoch <= config_.epochs && !stop_requested && !step_limit && !time_limit) {
    auto epoch_gen = at::detail::createCPUGenerator(config_.seed * 1000003ull + state_.epoch);
    // One permutation for the whole job; each rank trains on its shard.
    auto order = parallel_->shard(torch::randperm(data_.size(), epoch_gen, torch::kLong));
    ProgressBar progress(
        "epoch " + std::to_string(state_.epoch) + "/" + std::to_string(config_.epochs),
        steps_per_epoch_, "it");
    progress.update(std::min(position_, steps_per_epoch_));
    const double epoch_start_s = state_.time_s;
    const int64_t epoch_first_position = position_;
    std::string suffix;
    while (position_ < steps_per_epoch_ && !stop_requested && !step_limit && !time_limit) {
      auto t0 = std::chrono::steady_clock::now();
      if (parallel_->distributed()) parallel_->seed_step(config_.seed, state_.step);
      last_stats_ = step_->run(real_batches(order, position_), sample_z, state_.step);
      if (average_) {
        average_->update(*g_, state_.step * images_per_iteration_, images_per_iteration_);
      }
      if (images_seen == 0) share_kernel_choices();  // every layer has run once now
      ++position_;
      ++state_.step;
      if (fault_requested("nan-weights", state_.step)) {
        torch::NoGradGuard no_grad;
        g_->parameters().front().fill_(std::numeric_limits<float>::quiet_NaN());
      }
      double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      state_.time_s += dt;
      images_seen += images_per_iteration_;
      last_img_per_s_ = images_per_iteration_ / std::max(dt, 1e-9);
      ++iterations_this_run_;
      if (parallel_->distributed()) {
        stop_requested = interrupt_requested();
        time_limit = config_.max_time_s > 0 && state_.time_s - time_at_start >= config_.max_time_s;
        agree_on_step(stop_requested, time_limit);
      }
      record_step(last_stats_);
      if (config_.sample_every > 0 && state_.step % config_.sample_every == 0) {
        write_sample(numbered_name("samples/step-", state_.step, 8, ".png"));
      }
      if (swd_ && state_.step % config_.eval_every == 0) evaluate_now();
      if (state_.step % config_.ckpt_every == 0) save_checkpoint_now();
      suffix = progress_text();
      progress.update(position_, suffix);
      if (!parallel_->distributed()) {  // a job agreed on these after the step
        stop_requested = interrupt_requested();
        time_limit = config_.max_time_s > 0 && state_.time_s - time_at_start >= config_.max_time_s;
      }
      step_limit = config_.max_steps > 0 && state_.step >= config_.max_steps;
    }
    progress.finish(suffix);
    // >=: a resumed epoch may already be past the end when the folder lost images.
    const bool limit = (step_limit || time_limit) && !stop_requested;
    if (position_ >= steps_per_epoch_) {
      finish_epoch(epoch_first_position, epoch_start_s);
    } else if (limit && !(config_.sample_every > 0 && state_.step % config_.sample_every == 0)) {
      write_sample(numbered_name("samples/step-", state_.step, 8, ".png"));  // the final grid
    }
    if (limit && swd_ && state_.step % config_.eval_every != 0) evaluate_now();
    save_checkpoint_now();
    // A job's ranks see a signal at the next agreement, never one at a time.
    if (!parallel_->distributed()) stop_requested = stop_requested || interrupt_requested();
  }
  if (parallel_->distributed()) {
    DCGAN_INFO("weights: G " << parameters_checksum(*g_) << ", D " << parameters_checksum(*d_)
                             << " (rank " << parallel_->rank() << " of " << parallel_->world_size()
                             << " at step " << state_.step << ")");
    parallel_->barrier();
  }
  summary_.img_per_s = images_seen / std::max(state_.time_s - time_at_start, 1e-9);
  const bool finished = state_.epoch > config_.epochs;
  if (writes()) {
    write_summary(finished);
    write_report();
  } else {  // what the command's last line says
    summary_.steps = state_.step;
    summary_.epochs_done = state_.epoch - 1;
    summary_.time_s = state_.time_s;
    summary_.finished = finished;
    summary_.last_checkpoint = "(rank 0's)";
    summary_.last_sample = "(rank 0's)";
  }
  if (stop_requested && !writes()) {
    throw Interrupted("interrupted at step " + std::to_string(state_.step) +
                      " with every rank (rank 0 saved the checkpoint)");
  }
  if (stop_requested) {
    throw Interrupted("interrupted at step " + std::to_string(state_.step) +
                      "; checkpoint saved to " + summary_.last_checkpoint +
                      " (continue with --resume)");
  }
  if (!finished && time_limit) {
    DCGAN_INFO("stopped after --max-time " << config_.max_time_s << " s of training at step "
                                           << state_.step << "; checkpoint "
                                           << summary_.last_checkpoint);
  } else if (!finished) {
    DCGAN_INFO("stopped at --max-steps " << config_.max_steps << "; checkpoint "
                                         << summary_.last_checkpoint);
  }
  return summary_;
}

}  // namespace

TrainSummary train(const TrainConfig& config) { return Trainer(config).fit(); }

}  // namespace dcgan::gan
