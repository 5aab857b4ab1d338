// Checkpoint files are LibTorch serialize archives; see checkpoint.h for what they hold.
// Format 2 added the training flags, the kernel choices and the epoch position in images;
// format-1 files still load (their position is in iterations). The averaged generator
// (`generator_ema`) is an optional entry of format 2: files without it load as before.
#include "dcgan/gan/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/log.h"

namespace fs = std::filesystem;

namespace dcgan::gan {
namespace {

constexpr int64_t kFormatVersion = 2;

// LibTorch's zip reader checks the archive's structure but not the bytes of its records: a
// flipped bit in a weight loads as a different weight. So the file ends, after the zip, with
// this 8-byte mark and a 64-bit checksum of everything before it (zip readers find their
// directory by searching back from the end and skip what follows it). Files without the mark
// (written before it) load unchecked.
constexpr char kChecksumMark[8] = {'d', 'c', 'g', 'a', 'n', 's', 'u', 'm'};
constexpr size_t kTrailerBytes = sizeof kChecksumMark + sizeof(uint64_t);

// FNV-1a over 64-bit words (then the last bytes): any one changed word changes the result, as
// every step is a bijection of the state; several GB/s, which a 100 MB checkpoint needs.
uint64_t checksum(std::string_view bytes) {
  uint64_t hash = 0xCBF29CE484222325ull;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    hash = (hash ^ word) * 0x100000001B3ull;
    hash ^= hash >> 29;
  }
  for (; i < bytes.size(); ++i) {
    hash = (hash ^ static_cast<unsigned char>(bytes[i])) * 0x100000001B3ull;
  }
  return hash;
}

// The zip part of a checkpoint file's bytes, after checking its checksum when it has one.
std::string_view verified_zip(std::string_view file, const std::string& path) {
  if (file.size() < kTrailerBytes ||
      file.substr(file.size() - kTrailerBytes, sizeof kChecksumMark) !=
          std::string_view(kChecksumMark, sizeof kChecksumMark)) {
    return file;
  }
  const std::string_view zip = file.substr(0, file.size() - kTrailerBytes);
  uint64_t stored = 0;
  for (int b = 0; b < 8; ++b) {
    stored |= uint64_t(static_cast<unsigned char>(file[file.size() - 8 + b])) << (8 * b);
  }
  if (checksum(zip) != stored) {
    throw DataError("checkpoint " + path +
                    " is corrupt: its checksum does not match its contents (a damaged disk or "
                    "copy); use an earlier checkpoint");
  }
  return zip;
}

torch::Tensor scalar(int64_t v) { return torch::tensor({v}, torch::kInt64); }
int64_t read_int(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor t;
  archive.read(key, t);
  return t.item<int64_t>();
}

// What LibTorch's reader threw, in one line: c10::Error without its backtrace, or another
// exception (its TorchScript parser throws std::runtime_error on a damaged code record).
std::string libtorch_error_text(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  const std::string text = c10_error ? c10_error->what_without_backtrace() : e.what();
  return text.substr(0, text.find('\n'));
}

// A JSON document stored as a string value; null when absent.
Json read_json_value(torch::serialize::InputArchive& archive, const std::string& key,
                     const std::string& path) {
  c10::IValue value;
  if (!archive.try_read(key, value)) return Json();
  if (!value.isString()) throw DataError("checkpoint " + path + ": " + key + " is not text");
  try {
    return Json::parse(value.toStringRef());
  } catch (const Json::exception& e) {
    throw DataError("checkpoint " + path + ": " + key + " is not valid JSON (" + e.what() + ")");
  }
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

std::string with_checksum(std::string zip) {
  const uint64_t sum = checksum(zip);
  zip.append(kChecksumMark, sizeof kChecksumMark);
  for (int b = 0; b < 8; ++b) zip.push_back(static_cast<char>((sum >> (8 * b)) & 0xFF));
  return zip;
}

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
  torch::serialize::OutputArchive archive;
  archive.write("format_version", scalar(kFormatVersion));
  archive.write("model_config", c10::IValue(model.to_json().dump()));
  torch::serialize::OutputArchive g_archive, d_archive;
  g.save(g_archive);
  d.save(d_archive);
  archive.write("generator", g_archive);
  archive.write("discriminator", d_archive);
  if (g_average != nullptr) {
    torch::serialize::OutputArchive average_archive;
    g_average->save(average_archive);
    archive.write("generator_ema", average_archive);
  }
  if (optimizer_g != nullptr && optimizer_d != nullptr) {
    torch::serialize::OutputArchive og, od;
    optimizer_g->save(og);
    optimizer_d->save(od);
    archive.write("optimizer_g", og);
    archive.write("optimizer_d", od);
  }
  archive.write("epoch", scalar(state.epoch));
  archive.write("epoch_images", scalar(state.epoch_images));
  archive.write("step", scalar(state.step));
  archive.write("time_s", torch::tensor({state.time_s}, torch::kFloat64));
  if (state.rng_state.defined()) archive.write("rng_state", state.rng_state);
  archive.write("sample_z", state.sample_z);
  if (!state.train_flags.is_null()) {
    archive.write("train_config", c10::IValue(state.train_flags.dump()));
  }
  archive.write("kernel_choices",
                c10::IValue(kernels::kernel_choices_to_json(state.kernel_choices).dump()));
  ensure_dir(fs::path(path).parent_path().string());
  // Serialised in memory, then written by atomic_write: LibTorch's file writer ends the zip in
  // its destructor, where a full disk's error terminated the process and left a temporary.
  std::ostringstream bytes;
  archive.save_to(bytes);
  atomic_write(path, with_checksum(bytes.str()));
}

OpenedCheckpoint open_checkpoint(const std::string& path) {
  if (!fs::exists(path)) throw IoError("checkpoint " + path + " does not exist");
  OpenedCheckpoint opened;
  opened.path = path;
  const std::string file = read_file(path);
  const std::string_view zip = verified_zip(file, path);
  try {
    // The archive holds its tensors once loaded: the bytes need not outlive this call.
    opened.archive.load_from(zip.data(), zip.size());
  } catch (const std::exception& e) {
    throw DataError("checkpoint " + path +
                    " is corrupt or not a dcgan checkpoint: " + libtorch_error_text(e));
  }
  const Json model = read_json_value(opened.archive, "model_config", path);
  if (!model.is_object()) {
    throw DataError("checkpoint " + path + " has no model config; it was not written by dcgan");
  }
  opened.model = ModelConfig::from_json(model);
  opened.train_flags = read_json_value(opened.archive, "train_config", path);
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
  // InputArchive::read is not const, but reading leaves the archive as it was.
  auto& archive = const_cast<torch::serialize::InputArchive&>(checkpoint.archive);
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
    torch::Tensor epoch_images;
    if (archive.try_read("epoch_images", epoch_images)) {
      state.epoch_images = epoch_images.item<int64_t>();
    } else {
      state.legacy_position = read_int(archive, "position");
    }
    state.step = read_int(archive, "step");
    torch::Tensor time;
    archive.read("time_s", time);
    state.time_s = time.item<double>();
    archive.try_read("rng_state", state.rng_state);
    archive.read("sample_z", state.sample_z);
  } catch (const std::exception& e) {
    throw DataError("checkpoint " + path + " is incomplete or corrupt: " + libtorch_error_text(e));
  }
  state.train_flags = checkpoint.train_flags;
  const Json choices = read_json_value(archive, "kernel_choices", path);
  if (!choices.is_null()) state.kernel_choices = kernels::kernel_choices_from_json(choices, path);
  return state;
}

bool load_generator_average(const OpenedCheckpoint& checkpoint, GeneratorBase& g) {
  auto& archive = const_cast<torch::serialize::InputArchive&>(checkpoint.archive);
  torch::serialize::InputArchive average_archive;
  try {
    if (!archive.try_read("generator_ema", average_archive)) return false;
    g.load(average_archive);
  } catch (const std::exception& e) {
    throw DataError("checkpoint " + checkpoint.path +
                    ": the averaged generator is corrupt: " + libtorch_error_text(e));
  }
  return true;
}

TrainingState load_checkpoint(const std::string& path, const ModelConfig& model, GeneratorBase& g,
                              DiscriminatorBase* d, torch::optim::Optimizer* optimizer_g,
                              torch::optim::Optimizer* optimizer_d) {
  return load_checkpoint(open_checkpoint(path), model, g, d, optimizer_g, optimizer_d);
}

}  // namespace dcgan::gan
