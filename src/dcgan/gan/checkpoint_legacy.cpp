// Reading the LibTorch archives of formats 1 and 2; see checkpoint_legacy.h. Their models and
// optimizers are loaded into ones of the stored architecture (LibTorch's loaders are the only
// readers of their layout) and read back as records.
#include "dcgan/gan/checkpoint_legacy.h"

#include "dcgan/core/error.h"
#include "dcgan/gan/checkpoint_state.h"
#include "dcgan/gan/models.h"

namespace dcgan::gan {
namespace {

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
  return parse_json_text(value.toStringRef(), "checkpoint " + path + "'s " + key);
}

Json read_number(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor t;
  archive.read(key, t);
  if (t.is_floating_point()) return t.item<double>();
  return t.item<int64_t>();
}

void read_contents(torch::serialize::InputArchive& archive, const std::string& path,
                   CheckpointRecords& records) {
  Json& header = records.header;
  header["model_config"] = read_json_value(archive, "model_config", path);
  const ModelConfig model = stored_model_config(header, path);
  for (const char* key : {"train_config", "kernel_choices"}) {
    const Json value = read_json_value(archive, key, path);
    if (!value.is_null()) header[key] = value;
  }
  for (const char* key : {"epoch", "step", "time_s"}) header[key] = read_number(archive, key);
  torch::Tensor epoch_images;
  if (archive.try_read("epoch_images", epoch_images)) {
    header["epoch_images"] = epoch_images.item<int64_t>();
  } else {
    header["position"] = read_number(archive, "position");
  }
  torch::Tensor rng_state, sample_z;
  if (archive.try_read("rng_state", rng_state)) records.tensors["rng_state"] = rng_state;
  archive.read("sample_z", sample_z);
  records.tensors["sample_z"] = sample_z;

  NamedTensors tensors;
  torch::serialize::InputArchive part;
  auto g = make_generator(model);
  auto d = make_discriminator(model);
  archive.read("generator", part);
  g->load(part);
  add_module_tensors(tensors, "generator", *g);
  archive.read("discriminator", part);
  d->load(part);
  add_module_tensors(tensors, "discriminator", *d);
  if (archive.try_read("generator_ema", part)) {
    auto average = make_generator(model);
    average->load(part);
    add_module_tensors(tensors, "generator_ema", *average);
  }
  torch::serialize::InputArchive optimizer_g, optimizer_d;
  if (archive.try_read("optimizer_g", optimizer_g) &&
      archive.try_read("optimizer_d", optimizer_d)) {
    torch::optim::Adam adam_g(g->parameters(), torch::optim::AdamOptions());
    torch::optim::Adam adam_d(d->parameters(), torch::optim::AdamOptions());
    adam_g.load(optimizer_g);
    adam_d.load(optimizer_d);
    header["optimizers"] = {{"generator", add_adam_state(tensors, "optimizer_g", adam_g)},
                            {"discriminator", add_adam_state(tensors, "optimizer_d", adam_d)}};
  }
  for (auto& [name, tensor] : tensors) records.tensors[name] = tensor.detach();
}

}  // namespace

CheckpointRecords read_legacy_checkpoint(std::string_view zip, const std::string& path) {
  torch::serialize::InputArchive archive;
  CheckpointRecords records;
  try {
    // The archive holds its tensors once loaded: the bytes need not outlive this call.
    archive.load_from(zip.data(), zip.size());
  } catch (const std::exception& e) {
    throw DataError("checkpoint " + path +
                    " is corrupt or not a dcgan checkpoint: " + libtorch_error_text(e));
  }
  try {
    read_contents(archive, path, records);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw DataError("checkpoint " + path + " is incomplete or corrupt: " + libtorch_error_text(e));
  }
  return records;
}

}  // namespace dcgan::gan
