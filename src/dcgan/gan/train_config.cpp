// TrainConfig's checks, its JSON form and the --resume rules; see train_config.h.
#include "dcgan/gan/train_config.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "dcgan/core/error.h"
#include "dcgan/gan/augment.h"
#include "dcgan/gan/generator_average.h"

namespace dcgan::gan {

void TrainConfig::validate() const {
  data.validate();
  model.validate();
  step.validate();
  dist.validate();
  // R1 differentiates D's gradient again; the synchronised BatchNorm's backward is not.
  require(!dist.sync_bn || step.r1_gamma == 0,
          "--sync-bn and --r1 cannot be combined (the R1 penalty needs a second derivative "
          "through BatchNorm that the synchronised one does not give); drop one of them");
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
  require(eval_images >= 2, "--eval-images must be at least 2");
  require(max_steps >= 0, "--max-steps must be 0 (no limit) or positive");
  require(max_time_s >= 0 && std::isfinite(max_time_s),
          "--max-time must be 0 (no limit) or a positive duration");
  require(threads >= 0, "--threads must be 0 (default) or positive");
  require(precision == "fp32" || precision == "bf16" || precision == "auto",
          "--precision must be fp32, bf16 or auto (got '" + precision + "')");
  validate_ema(ema);
  require(preset == "recipe" || preset == "quality",
          "--preset must be recipe or quality (got '" + preset + "')");
  const int group = std::min(model.mbstd_group, batch_size);
  require(group == 0 || batch_size % group == 0,
          "--mbstd " + std::to_string(model.mbstd_group) + " must divide --batch-size " +
              std::to_string(batch_size) + " (the images are split into groups of that size)");
}

void TrainConfig::normalize() {
  step.augment = AugmentPolicy::parse(step.augment).to_string();
  ema = normalized_ema(ema);
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
                {"lr_g", step.lr_g},
                {"lr_d", step.lr_d},
                {"beta1", step.beta1},
                {"beta2", step.beta2},
                {"augment", step.augment},
                {"r1_gamma", step.r1_gamma},
                {"r1_every", step.r1_every}}},
              {"dist", dist.to_json()},
              {"out_dir", out_dir},
              {"epochs", epochs},
              {"batch_size", batch_size},
              {"seed", seed},
              {"z_dist", z_dist},
              {"flip", flip},
              {"ema", ema},
              {"preset", preset},
              {"device", device},
              {"sample_every", sample_every},
              {"ckpt_every", ckpt_every},
              {"keep", keep},
              {"n_sample", n_sample},
              {"eval_every", eval_every},
              {"eval_images", eval_images},
              {"max_steps", max_steps},
              {"max_time_s", max_time_s},
              {"threads", threads},
              {"precision", precision}};
}

TrainConfig TrainConfig::from_json(const Json& json) {
  TrainConfig c;
  const Json data = json.value("data", Json::object());
  c.data.dir = data.value("dir", c.data.dir);
  c.data.pattern = data.value("pattern", c.data.pattern);
  c.data.recursive = data.value("recursive", c.data.recursive);
  c.data.crop = data.value("crop", c.data.crop);
  c.data.input_size = data.value("input_size", c.data.input_size);
  c.data.output_size = data.value("output_size", c.data.output_size);
  c.data.channels = data.value("channels", c.data.channels);
  c.data.limit = data.value("limit", c.data.limit);
  if (json.contains("model")) c.model = ModelConfig::from_json(json["model"]);
  const Json step = json.value("step", Json::object());
  c.step.d_steps = step.value("d_steps", c.step.d_steps);
  c.step.g_steps = step.value("g_steps", c.step.g_steps);
  c.step.loss = step.value("loss", c.step.loss);
  c.step.label_smooth = step.value("label_smooth", c.step.label_smooth);
  // Runs before separate learning rates stored one "lr" for both.
  const double lr = step.value("lr", c.step.lr_g);
  c.step.lr_g = step.value("lr_g", lr);
  c.step.lr_d = step.value("lr_d", lr);
  c.step.beta1 = step.value("beta1", c.step.beta1);
  c.step.beta2 = step.value("beta2", c.step.beta2);
  c.step.augment = step.value("augment", c.step.augment);
  c.step.r1_gamma = step.value("r1_gamma", c.step.r1_gamma);
  c.step.r1_every = step.value("r1_every", c.step.r1_every);
  if (json.contains("dist")) c.dist = DataParallelConfig::from_json(json["dist"]);
  c.out_dir = json.value("out_dir", c.out_dir);
  c.epochs = json.value("epochs", c.epochs);
  c.batch_size = json.value("batch_size", c.batch_size);
  c.seed = json.value("seed", c.seed);
  c.z_dist = json.value("z_dist", c.z_dist);
  c.flip = json.value("flip", c.flip);
  c.ema = json.value("ema", c.ema);
  c.preset = json.value("preset", c.preset);
  c.device = json.value("device", c.device);
  c.sample_every = json.value("sample_every", c.sample_every);
  c.ckpt_every = json.value("ckpt_every", c.ckpt_every);
  c.keep = json.value("keep", c.keep);
  c.n_sample = json.value("n_sample", c.n_sample);
  c.eval_every = json.value("eval_every", c.eval_every);
  c.eval_images = json.value("eval_images", c.eval_images);
  c.max_steps = json.value("max_steps", c.max_steps);
  c.max_time_s = json.value("max_time_s", c.max_time_s);
  c.threads = json.value("threads", c.threads);
  c.precision = json.value("precision", c.precision);  // runs from before the flag: fp32
  return c;
}

std::string TrainConfig::to_string() const { return "TrainConfig" + to_json().dump(); }

namespace {

// One training flag: where to_json() keeps it, and whether a resumed run may change it.
struct StoredFlag {
  const char* flag;
  const char* pointer;
  bool may_change;  // false: it changes the computation, so it must equal the stored value
  const char* also_set_by = nullptr;  // another flag that sets it too (--lr for --lr-g)
};

constexpr StoredFlag kStoredFlags[] = {
    {"--data", "/data/dir", true},  // the same images may have moved
    {"--pattern", "/data/pattern", false},
    {"--recursive", "/data/recursive", false},
    {"--crop", "/data/crop", false},
    {"--input-size", "/data/input_size", false},
    {"--output-size", "/data/output_size", false},
    {"--channels", "/data/channels", false},
    {"--limit", "/data/limit", false},
    {"--arch", "/model/arch", false},
    {"--gf-dim", "/model/gf_dim", false},
    {"--df-dim", "/model/df_dim", false},
    {"--z-dim", "/model/z_dim", false},
    {"--kernels", "/model/kernels", false},  // another summation order
    {"--mbstd", "/model/mbstd_group", false},
    {"--spectral-norm", "/model/spectral_norm", false},
    {"--d-steps", "/step/d_steps", false},
    {"--g-steps", "/step/g_steps", false},
    {"--loss", "/step/loss", false},
    {"--label-smooth", "/step/label_smooth", false},
    {"--lr-g", "/step/lr_g", false, "--lr"},
    {"--lr-d", "/step/lr_d", false, "--lr"},
    {"--beta1", "/step/beta1", false},
    {"--beta2", "/step/beta2", false},
    {"--augment", "/step/augment", false},
    {"--r1", "/step/r1_gamma", false},
    {"--r1-every", "/step/r1_every", false},
    // The average is part of the run's results (its grids, evaluations and checkpoints).
    {"--ema", "/ema", false},
    {"--preset", "/preset", false},
    {"--batch-size", "/batch_size", false},
    {"--seed", "/seed", false},
    {"--z-dist", "/z_dist", false},
    {"--flip", "/flip", false},
    // BatchNorm statistics over the job's batch instead of each rank's.
    {"--sync-bn", "/dist/sync_bn", false},
    // The job's shape may change: a checkpoint resumes at any number of ranks.
    {"--dist-backend", "/dist/backend", true},
    {"--dist-timeout", "/dist/timeout_s", true},
    {"--dist-reduce", "/dist/reduce", true},  // the same mean, summed in another order
    {"--epochs", "/epochs", true},
    {"--device", "/device", true},
    {"--threads", "/threads", true},
    // Another summation order, yet the same training: a resumed run may switch, and is then
    // no longer bit-exact (the trainer says so).
    {"--precision", "/precision", true},
    {"--sample-every", "/sample_every", true},
    {"--n-sample", "/n_sample", true},
    {"--ckpt-every", "/ckpt_every", true},
    {"--keep", "/keep", true},
    {"--eval-every", "/eval_every", true},
    {"--eval-images", "/eval_images", true},
};

// 0.0002 rather than "0.0002" in messages; strings unquoted, the empty one (--augment off)
// as none.
std::string shown(const Json& value) {
  if (!value.is_string()) return value.dump();
  return value.get<std::string>().empty() ? "none" : value.get<std::string>();
}

}  // namespace

void apply_stored_flags(TrainConfig& config, const Json& stored_as_written,
                        const std::string& checkpoint) {
  // Read and written again: a run from before an option stores its default (it ran without
  // it), and one "lr" becomes lr_g and lr_d.
  const Json stored = TrainConfig::from_json(stored_as_written).to_json();
  Json merged = config.to_json();
  std::vector<std::string> differing;
  auto given_as = [&](const StoredFlag& f) -> const char* {  // the flag the command gave, if any
    if (!config.flags_given || config.flags_given->count(f.flag) > 0) return f.flag;
    if (f.also_set_by != nullptr && config.flags_given->count(f.also_set_by) > 0) {
      return f.also_set_by;
    }
    return nullptr;
  };
  for (const StoredFlag& f : kStoredFlags) {
    const Json::json_pointer pointer(f.pointer);
    if (!stored.contains(pointer)) continue;
    const char* given = given_as(f);
    if (given == nullptr) {
      merged[pointer] = stored[pointer];
    } else if (!f.may_change && merged[pointer] != stored[pointer]) {
      const std::string text = std::string(given) + " " + shown(merged[pointer]) +
                               " (the run has " + shown(stored[pointer]) + ")";
      if (std::find(differing.begin(), differing.end(), text) == differing.end()) {
        differing.push_back(text);
      }
    }
  }
  if (!differing.empty()) {
    std::string list;
    for (const auto& d : differing) list += (list.empty() ? "" : ", ") + d;
    throw ConfigError("--resume: " + list + " would change the training of the run in " +
                      config.out_dir + " (stored in " + checkpoint +
                      "); drop these flags to continue it as it was, or train into another --out");
  }
  // Fields that are not training flags are this invocation's own.
  TrainConfig resolved = TrainConfig::from_json(merged);
  resolved.resume = config.resume;
  resolved.cache = config.cache;
  resolved.flags_given = config.flags_given;
  resolved.data.threads = config.data.threads;
  resolved.data.cache_dir = config.data.cache_dir;
  resolved.dist.master = config.dist.master;
  config = std::move(resolved);
}

void apply_preset(TrainConfig& config, const std::string& name) {
  require(name == "recipe" || name == "quality",
          "--preset must be recipe or quality (got '" + name + "')");
  TrainConfig preset;  // recipe: every option at its default
  if (name == "quality") {
    // What measured best at 15 minutes (README "Quality options"): the average and mbstd cost
    // nothing per step; half the batch and BF16 (where the CPU has it) buy more steps per minute.
    preset.ema = "auto";
    preset.model.mbstd_group = 4;
    preset.batch_size = 32;
    preset.precision = "auto";
  }
  auto set = [&](const char* flag, auto& field, const auto& value, const char* also = nullptr) {
    auto& given = config.flags_given;
    if (given && (given->count(flag) > 0 || (also != nullptr && given->count(also) > 0))) return;
    field = value;
    if (given) given->insert(flag);
  };
  set("--batch-size", config.batch_size, preset.batch_size);
  set("--precision", config.precision, preset.precision);
  set("--ema", config.ema, preset.ema);
  set("--mbstd", config.model.mbstd_group, preset.model.mbstd_group);
  set("--spectral-norm", config.model.spectral_norm, preset.model.spectral_norm);
  set("--loss", config.step.loss, preset.step.loss);
  set("--lr-g", config.step.lr_g, preset.step.lr_g, "--lr");
  set("--lr-d", config.step.lr_d, preset.step.lr_d, "--lr");
  set("--augment", config.step.augment, preset.step.augment);
  set("--r1", config.step.r1_gamma, preset.step.r1_gamma);
  set("--r1-every", config.step.r1_every, preset.step.r1_every);
  config.preset = name;
  if (config.flags_given) config.flags_given->insert("--preset");
}

double parse_duration(const std::string& text, const std::string& flag) {
  auto bad = [&] {
    return ConfigError(flag + " takes a duration such as 90s, 15m, 2h or 1h30m (got '" + text +
                       "')");
  };
  if (text.empty()) throw bad();
  double total = 0;
  size_t at = 0;
  bool had_unit = false;
  while (at < text.size()) {
    size_t used = 0;
    double value = 0;
    try {
      value = std::stod(text.substr(at), &used);
    } catch (const std::exception&) {
      throw bad();
    }
    // Only plain digits and a decimal point: no signs, exponents, "inf" or "nan".
    if (text.find_first_not_of("0123456789.", at) < at + used) throw bad();
    at += used;
    double unit = 1;
    if (at < text.size()) {
      const char c = text[at++];
      unit = c == 's' ? 1 : c == 'm' ? 60 : c == 'h' ? 3600 : 0;
      if (unit == 0) throw bad();
      had_unit = true;
    } else if (had_unit) {
      throw bad();  // "1h30": a number after a unit needs its own
    }
    total += value * unit;
  }
  return total;
}

}  // namespace dcgan::gan
