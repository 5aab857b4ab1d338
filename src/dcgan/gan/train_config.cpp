// TrainConfig's checks, its JSON form and the --resume rules; see train_config.h.
#include "dcgan/gan/train_config.h"

#include <vector>

#include "dcgan/core/error.h"

namespace dcgan::gan {

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
  require(eval_images >= 2, "--eval-images must be at least 2");
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
              {"max_steps", max_steps},
              {"threads", threads}};
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
  c.step.lr = step.value("lr", c.step.lr);
  c.step.beta1 = step.value("beta1", c.step.beta1);
  c.step.beta2 = step.value("beta2", c.step.beta2);
  c.out_dir = json.value("out_dir", c.out_dir);
  c.epochs = json.value("epochs", c.epochs);
  c.batch_size = json.value("batch_size", c.batch_size);
  c.seed = json.value("seed", c.seed);
  c.z_dist = json.value("z_dist", c.z_dist);
  c.flip = json.value("flip", c.flip);
  c.device = json.value("device", c.device);
  c.sample_every = json.value("sample_every", c.sample_every);
  c.ckpt_every = json.value("ckpt_every", c.ckpt_every);
  c.keep = json.value("keep", c.keep);
  c.n_sample = json.value("n_sample", c.n_sample);
  c.eval_every = json.value("eval_every", c.eval_every);
  c.eval_images = json.value("eval_images", c.eval_images);
  c.max_steps = json.value("max_steps", c.max_steps);
  c.threads = json.value("threads", c.threads);
  return c;
}

std::string TrainConfig::to_string() const { return "TrainConfig" + to_json().dump(); }

namespace {

// One training flag: where to_json() keeps it, and whether a resumed run may change it.
struct StoredFlag {
  const char* flag;
  const char* pointer;
  bool may_change;  // false: it changes the computation, so it must equal the stored value
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
    {"--d-steps", "/step/d_steps", false},
    {"--g-steps", "/step/g_steps", false},
    {"--loss", "/step/loss", false},
    {"--label-smooth", "/step/label_smooth", false},
    {"--lr", "/step/lr", false},
    {"--beta1", "/step/beta1", false},
    {"--beta2", "/step/beta2", false},
    {"--batch-size", "/batch_size", false},
    {"--seed", "/seed", false},
    {"--z-dist", "/z_dist", false},
    {"--flip", "/flip", false},
    {"--epochs", "/epochs", true},
    {"--device", "/device", true},
    {"--threads", "/threads", true},
    {"--sample-every", "/sample_every", true},
    {"--n-sample", "/n_sample", true},
    {"--ckpt-every", "/ckpt_every", true},
    {"--keep", "/keep", true},
    {"--eval-every", "/eval_every", true},
    {"--eval-images", "/eval_images", true},
};

// 0.0002 rather than "0.0002" in messages; strings unquoted.
std::string shown(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

void apply_stored_flags(TrainConfig& config, const Json& stored, const std::string& checkpoint) {
  Json merged = config.to_json();
  std::vector<std::string> differing;
  for (const StoredFlag& f : kStoredFlags) {
    const Json::json_pointer pointer(f.pointer);
    if (!stored.contains(pointer)) continue;
    const bool given = !config.flags_given || config.flags_given->count(f.flag) > 0;
    if (!given) {
      merged[pointer] = stored[pointer];
    } else if (!f.may_change && merged[pointer] != stored[pointer]) {
      differing.push_back(std::string(f.flag) + " " + shown(merged[pointer]) + " (the run has " +
                          shown(stored[pointer]) + ")");
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
  config = std::move(resolved);
}

}  // namespace dcgan::gan
