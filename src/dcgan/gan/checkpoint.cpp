// Checkpoint files are LibTorch serialize archives; see checkpoint.h for what they hold.
#include "dcgan/gan/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"

namespace fs = std::filesystem;

namespace dcgan::gan {
namespace {

constexpr int64_t kFormatVersion = 1;

torch::Tensor scalar(int64_t v) { return torch::tensor({v}, torch::kInt64); }
int64_t read_int(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor t;
  archive.read(key, t);
  return t.item<int64_t>();
}

torch::serialize::InputArchive open_archive(const std::string& path) {
  if (!fs::exists(path)) throw IoError("checkpoint " + path + " does not exist");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw DataError("checkpoint " + path + " is corrupt or not a dcgan checkpoint: " +
                    std::string(e.what_without_backtrace()));
  }
  return archive;
}

ModelConfig stored_model(torch::serialize::InputArchive& archive, const std::string& path) {
  c10::IValue value;
  if (!archive.try_read("model_config", value) || !value.isString()) {
    throw DataError("checkpoint " + path + " has no model config; it was not written by dcgan");
  }
  return ModelConfig::from_json(Json::parse(value.toStringRef()));
}

}  // namespace

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
  for (size_t i = 0; i + keep < paths.size(); ++i) fs::remove(paths[i]);
}

void save_checkpoint(const std::string& path, const ModelConfig& model, GeneratorBase& g,
                     DiscriminatorBase& d, torch::optim::Optimizer* optimizer_g,
                     torch::optim::Optimizer* optimizer_d, const TrainingState& state) {
  torch::serialize::OutputArchive archive;
  archive.write("format_version", scalar(kFormatVersion));
  archive.write("model_config", c10::IValue(model.to_json().dump()));
  torch::serialize::OutputArchive g_archive, d_archive;
  g.save(g_archive);
  d.save(d_archive);
  archive.write("generator", g_archive);
  archive.write("discriminator", d_archive);
  if (optimizer_g != nullptr && optimizer_d != nullptr) {
    torch::serialize::OutputArchive og, od;
    optimizer_g->save(og);
    optimizer_d->save(od);
    archive.write("optimizer_g", og);
    archive.write("optimizer_d", od);
  }
  archive.write("epoch", scalar(state.epoch));
  archive.write("position", scalar(state.position));
  archive.write("step", scalar(state.step));
  archive.write("time_s", torch::tensor({state.time_s}, torch::kFloat64));
  if (state.rng_state.defined()) archive.write("rng_state", state.rng_state);
  archive.write("sample_z", state.sample_z);
  ensure_dir(fs::path(path).parent_path().string());
  atomic_write_with(path, [&](const std::string& tmp) { archive.save_to(tmp); });
}

ModelConfig read_checkpoint_model(const std::string& path) {
  auto archive = open_archive(path);
  return stored_model(archive, path);
}

TrainingState load_checkpoint(const std::string& path, const ModelConfig& model, GeneratorBase& g,
                              DiscriminatorBase* d, torch::optim::Optimizer* optimizer_g,
                              torch::optim::Optimizer* optimizer_d) {
  auto archive = open_archive(path);
  ModelConfig stored = stored_model(archive, path);
  if (!stored.same_architecture(model)) {
    throw DataError("checkpoint " + path + " was written for " + stored.to_json().dump() +
                    " but this run uses " + model.to_json().dump() +
                    " (architecture, size, channels and z dimension must match; use the same "
                    "--arch/--output-size/--z-dim/--gf-dim/--df-dim, or another --out)");
  }
  TrainingState state;
  try {
    torch::serialize::InputArchive g_archive, d_archive;
    archive.read("generator", g_archive);
    g.load(g_archive);
    if (d != nullptr) {
      archive.read("discriminator", d_archive);
      d->load(d_archive);
    }
    if (optimizer_g != nullptr && optimizer_d != nullptr) {
      torch::serialize::InputArchive og, od;
      archive.read("optimizer_g", og);
      archive.read("optimizer_d", od);
      optimizer_g->load(og);
      optimizer_d->load(od);
    }
    state.epoch = read_int(archive, "epoch");
    state.position = read_int(archive, "position");
    state.step = read_int(archive, "step");
    torch::Tensor time;
    archive.read("time_s", time);
    state.time_s = time.item<double>();
    archive.try_read("rng_state", state.rng_state);
    archive.read("sample_z", state.sample_z);
  } catch (const c10::Error& e) {
    throw DataError("checkpoint " + path + " is incomplete or corrupt: " +
                    std::string(e.what_without_backtrace()));
  }
  return state;
}

}  // namespace dcgan::gan
