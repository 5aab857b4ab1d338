// Checkpoint files; see checkpoint.h for what they hold. Format 3 is dcgan's own container
// (checkpoint_file.h): the header holds the model config, the training flags, the kernel
// choices, the position (epoch, images of the epoch, step), the time and the optimizers'
// options and step counts; the tensors are the models' (generator/, discriminator/,
// generator_ema/ with --ema), the Adam moments (optimizer_g/, optimizer_d/), rng_state and
// sample_z. The LibTorch archives of formats 1 and 2 still load (checkpoint_legacy.h).
#include "dcgan/gan/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/gan/checkpoint_legacy.h"
#include "dcgan/gan/checkpoint_state.h"

namespace fs = std::filesystem;

namespace dcgan::gan {
namespace {

constexpr int64_t kFormatVersion = 3;

int64_t header_count(const Json& header, const char* key, const std::string& path) {
  const Json& value = header.contains(key) ? header[key] : Json();
  if (!value.is_number_integer() || value.get<int64_t>() < 0) {
    refuse_corrupt_checkpoint(path, std::string("its ") + key + " is not a count");
  }
  return value.get<int64_t>();
}

std::string first_non_finite_in(const std::string& what, torch::nn::Module& module) {
  for (const auto& p : module.named_parameters()) {
    if (!torch::isfinite(p.value()).all().item<bool>()) return what + " parameter " + p.key();
  }
  for (const auto& b : module.named_buffers()) {
    if (b.value().is_floating_point() && !torch::isfinite(b.value()).all().item<bool>()) {
      return what + " buffer " + b.key();
    }
  }
  return "";
}

std::string first_non_finite_in(const std::string& what, torch::optim::Optimizer* optimizer) {
  if (optimizer == nullptr) return "";
  for (const auto& entry : optimizer->state()) {
    const auto* adam = dynamic_cast<const torch::optim::AdamParamState*>(entry.second.get());
    if (adam == nullptr) continue;
    for (const torch::Tensor& moment : {adam->exp_avg(), adam->exp_avg_sq()}) {
      if (moment.defined() && !torch::isfinite(moment).all().item<bool>()) {
        return what + " Adam moment";
      }
    }
  }
  return "";
}

}  // namespace

std::string first_non_finite(torch::nn::Module& g, torch::nn::Module& d,
                             torch::optim::Optimizer* optimizer_g,
                             torch::optim::Optimizer* optimizer_d) {
  for (const std::string& found :
       {first_non_finite_in("generator", g), first_non_finite_in("discriminator", d),
        first_non_finite_in("generator", optimizer_g),
        first_non_finite_in("discriminator", optimizer_d)}) {
    if (!found.empty()) return found;
  }
  return "";
}

std::string checkpoint_path(const std::string& run_dir, int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "ckpt-%08lld.pt", static_cast<long long>(step));
  return (fs::path(run_dir) / "checkpoints" / name).string();
}

std::vector<std::string> list_checkpoints(const std::string& run_dir) {
  std::vector<std::string> paths;
  fs::path dir = fs::path(run_dir) / "checkpoints";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("ckpt-", 0) == 0 && entry.path().extension() == ".pt") {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());  // zero-padded step numbers sort in step order
  return paths;
}

void prune_checkpoints(const std::string& run_dir, int keep) {
  auto paths = list_checkpoints(run_dir);
  for (size_t i = 0; i + keep < paths.size(); ++i) {
    std::error_code ec;
    fs::remove(paths[i], ec);
    if (ec) DCGAN_WARN("cannot delete the old checkpoint " << paths[i] << ": " << ec.message());
  }
}

void set_aside_unreadable_checkpoint(const std::string& path) {
  std::error_code ec;
  fs::rename(path, path + ".unreadable", ec);
  if (ec) {
    throw IoError("cannot rename the unreadable checkpoint " + path +
                  " out of the way: " + ec.message() + "; move it away by hand and re-run");
  }
}

int remove_stale_checkpoint_temporaries(const std::string& run_dir) {
  return remove_stale_temporaries((fs::path(run_dir) / "checkpoints").string());
}

void save_checkpoint(const std::string& path, const ModelConfig& model, GeneratorBase& g,
                     DiscriminatorBase& d, torch::optim::Optimizer* optimizer_g,
                     torch::optim::Optimizer* optimizer_d, const TrainingState& state,
                     GeneratorBase* g_average) {
  std::string bad = first_non_finite(g, d, optimizer_g, optimizer_d);
  if (bad.empty() && g_average != nullptr) {
    bad = first_non_finite_in("averaged generator", *g_average);
  }
  if (!bad.empty()) {
    throw TrainingDiverged("not writing " + path + ": the " + bad + " holds NaN or Inf");
  }
  Json header = {{"format_version", kFormatVersion},
                 {"model_config", model.to_json()},
                 {"epoch", state.epoch},
                 {"epoch_images", state.epoch_images},
                 {"step", state.step},
                 {"time_s", state.time_s},
                 {"kernel_choices", kernels::kernel_choices_to_json(state.kernel_choices)}};
  if (!state.train_flags.is_null()) header["train_config"] = state.train_flags;
  NamedTensors tensors;
  add_module_tensors(tensors, "generator", g);
  add_module_tensors(tensors, "discriminator", d);
  if (g_average != nullptr) add_module_tensors(tensors, "generator_ema", *g_average);
  if (optimizer_g != nullptr && optimizer_d != nullptr) {
    header["optimizers"] = {
        {"generator", add_adam_state(tensors, "optimizer_g", *optimizer_g)},
        {"discriminator", add_adam_state(tensors, "optimizer_d", *optimizer_d)}};
  }
  if (state.rng_state.defined()) tensors.emplace_back("rng_state", state.rng_state);
  tensors.emplace_back("sample_z", state.sample_z);
  ensure_dir(fs::path(path).parent_path().string());
  atomic_write(path, encode_checkpoint_file(std::move(header), tensors));
}

OpenedCheckpoint open_checkpoint(const std::string& path) {
  if (!fs::exists(path)) throw IoError("checkpoint " + path + " does not exist");
  OpenedCheckpoint opened;
  opened.path = path;
  const std::string file = read_file(path);
  opened.records = is_checkpoint_file(file)
                       ? decode_checkpoint_file(file, path)
                       : read_legacy_checkpoint(verified_contents(file, path), path);
  const Json& header = opened.records.header;
  opened.model = stored_model_config(header, path);
  if (header.contains("train_config")) {
    if (!header["train_config"].is_object())
      refuse_corrupt_checkpoint(path, "its training flags are not an object");
    opened.train_flags = header["train_config"];
  }
  return opened;
}

ModelConfig read_checkpoint_model(const std::string& path) { return open_checkpoint(path).model; }

TrainingState load_checkpoint(const OpenedCheckpoint& checkpoint, const ModelConfig& model,
                              GeneratorBase& g, DiscriminatorBase* d,
                              torch::optim::Optimizer* optimizer_g,
                              torch::optim::Optimizer* optimizer_d) {
  const std::string& path = checkpoint.path;
  if (!checkpoint.model.same_architecture(model)) {
    throw DataError("checkpoint " + path + " was written for " + checkpoint.model.to_json().dump() +
                    " but this run uses " + model.to_json().dump() +
                    " (architecture, size, channels and z dimension must match; use the same "
                    "--arch/--output-size/--z-dim/--gf-dim/--df-dim, or another --out)");
  }
  const CheckpointRecords& records = checkpoint.records;
  const Json& header = records.header;
  load_module_tensors(records, "generator", g, path);
  if (d != nullptr) load_module_tensors(records, "discriminator", *d, path);
  if (optimizer_g != nullptr && optimizer_d != nullptr) {
    const Json& optimizers = header.contains("optimizers") ? header["optimizers"] : Json();
    if (!optimizers.is_object()) {
      throw DataError("checkpoint " + path +
                      " holds no optimizer state (an export for sampling): it cannot resume "
                      "training; resume from a checkpoint the training wrote");
    }
    load_adam_state(records, "optimizer_g", optimizers.value("generator", Json()), *optimizer_g,
                    path);
    load_adam_state(records, "optimizer_d", optimizers.value("discriminator", Json()), *optimizer_d,
                    path);
  }
  TrainingState state;
  state.epoch = header_count(header, "epoch", path);
  if (header.contains("epoch_images")) {
    state.epoch_images = header_count(header, "epoch_images", path);
  } else {
    state.legacy_position = header_count(header, "position", path);
  }
  state.step = header_count(header, "step", path);
  if (!header.contains("time_s") || !header["time_s"].is_number()) {
    refuse_corrupt_checkpoint(path, "its training time is not a number");
  }
  state.time_s = header["time_s"].get<double>();
  const auto rng_state = records.tensors.find("rng_state");
  if (rng_state != records.tensors.end()) {
    if (rng_state->second.scalar_type() != torch::kUInt8 || rng_state->second.dim() != 1) {
      refuse_corrupt_checkpoint(path, "its random generator state is not a byte vector");
    }
    state.rng_state = rng_state->second.clone();
  }
  const auto sample_z = records.tensors.find("sample_z");
  if (sample_z == records.tensors.end() || sample_z->second.scalar_type() != torch::kFloat32 ||
      sample_z->second.dim() != 2 || sample_z->second.size(1) != checkpoint.model.z_dim) {
    refuse_corrupt_checkpoint(path, "its sample z is missing or not (n, z_dim) floats");
  }
  state.sample_z = sample_z->second.clone();
  state.train_flags = checkpoint.train_flags;
  if (header.contains("kernel_choices")) {
    state.kernel_choices = kernels::kernel_choices_from_json(header["kernel_choices"], path);
  }
  return state;
}

bool load_generator_average(const OpenedCheckpoint& checkpoint, GeneratorBase& g) {
  if (!has_tensors_under(checkpoint.records, "generator_ema")) return false;
  load_module_tensors(checkpoint.records, "generator_ema", g, checkpoint.path);
  return true;
}

TrainingState load_checkpoint(const std::string& path, const ModelConfig& model, GeneratorBase& g,
                              DiscriminatorBase* d, torch::optim::Optimizer* optimizer_g,
                              torch::optim::Optimizer* optimizer_d) {
  return load_checkpoint(open_checkpoint(path), model, g, d, optimizer_g, optimizer_d);
}

}  // namespace dcgan::gan
