// The checkpoint container (gan/checkpoint_file.h) and the files around it: what it writes
// reads back exactly; a file cut anywhere, with a changed byte anywhere, or with a header that
// lies (checksum made to match) is a DataError naming the file, never a crash or a tensor read
// from outside the file; and a LibTorch archive of format 2 (tests/gan/data, written by dcgan
// before format 3) loads as LibTorch itself reads it and saves again as format 3.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/gan/checkpoint_file.h"
#include "dcgan/kernels/adam.h"
#include "support/test_support.h"

using namespace dcgan::gan;
using dcgan::testing::TempDir;

namespace {

const std::string kFormat2 = DCGAN_SOURCE_DIR "/tests/gan/data/checkpoint-format2.pt";

NamedTensors sample_tensors() {
  torch::manual_seed(1);
  return {{"a/weight", torch::randn({3, 4, 5})},
          {"a/count", torch::tensor({int64_t{7}}, torch::kInt64)},
          {"empty", torch::empty({0, 3})},
          {"scalar", torch::tensor(2.5, torch::kFloat64)},
          {"bytes", torch::randint(0, 255, {13}, torch::kUInt8)},
          {"strided", torch::randn({6, 4}).t()}};
}

// The message of the DataError that decoding `bytes` throws ("" when it throws none).
std::string decode_error(const std::string& bytes) {
  try {
    decode_checkpoint_file(bytes, "ckpt.pt");
  } catch (const dcgan::DataError& e) {
    return e.what();
  }
  return "";
}

// A file with `header` as its header text, `data` after it, and a checksum that matches.
std::string file_with_header(const std::string& header, const std::string& data = "") {
  std::string bytes = "DCGANCKP";
  for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((header.size() >> (8 * b)) & 0xFF));
  bytes += header;
  bytes.resize((bytes.size() + 63) / 64 * 64, '\0');
  return with_checksum(bytes + data);
}

// Every parameter and buffer of `m`, and the Adam moments and step counts of `optimizer`.
std::vector<torch::Tensor> contents(torch::nn::Module& m, torch::optim::Adam* optimizer) {
  std::vector<torch::Tensor> all;
  for (const auto& p : m.parameters()) all.push_back(p.detach().clone());
  for (const auto& b : m.buffers()) all.push_back(b.detach().clone());
  if (optimizer != nullptr) {
    using States = std::remove_reference_t<decltype(optimizer->state())>;
    for (const auto& p : m.parameters()) {
      const auto it = optimizer->state().find(dcgan::kernels::optimizer_state_key<States>(p));
      if (it == optimizer->state().end()) continue;
      const auto& adam = static_cast<const torch::optim::AdamParamState&>(*it->second);
      all.push_back(adam.exp_avg());
      all.push_back(adam.exp_avg_sq());
      all.push_back(torch::tensor({adam.step()}));
    }
  }
  return all;
}

void expect_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "tensor " << i;
}

}  // namespace

TEST(CheckpointFile, WhatIsWrittenReadsBackExactly) {
  const NamedTensors tensors = sample_tensors();
  const std::string bytes = encode_checkpoint_file({{"step", 12}, {"note", "x"}}, tensors);
  ASSERT_TRUE(is_checkpoint_file(bytes));
  const CheckpointRecords records = decode_checkpoint_file(bytes, "ckpt.pt");
  EXPECT_EQ(records.header, (dcgan::Json{{"step", 12}, {"note", "x"}}));
  ASSERT_EQ(records.tensors.size(), tensors.size());
  for (const auto& [name, tensor] : tensors) {
    const torch::Tensor& read = records.tensors.at(name);
    EXPECT_EQ(read.scalar_type(), tensor.scalar_type()) << name;
    EXPECT_EQ(read.sizes(), tensor.sizes()) << name;
    EXPECT_TRUE(torch::equal(read, tensor)) << name;
  }
}

TEST(CheckpointFile, ACutOrChangedFileIsRefusedWhereverItIsDamaged) {
  const std::string bytes = encode_checkpoint_file({{"step", 1}}, sample_tensors());
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_NE(decode_error(bytes.substr(0, cut)), "") << "cut at " << cut;
  }
  for (size_t at = 0; at < bytes.size(); ++at) {
    std::string changed = bytes;
    changed[at] ^= 0x01;
    const std::string error = decode_error(changed);
    EXPECT_NE(error.find("ckpt.pt is corrupt"), std::string::npos)
        << "byte " << at << ": " << error;
  }
}

// A header whose checksum matches but whose entries do not fit the file: a file written
// wrongly (or on purpose), which no tensor may be read from.
TEST(CheckpointFile, AHeaderThatLiesIsRefused) {
  const std::string data(128, '\x01');
  auto entry = [](const std::string& fields) {
    return R"({"tensors":[{"name":"t",)" + fields + "}]}";
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {entry(R"("dtype":"float32","shape":[8],"offset":0)"), ""},  // valid, as a control
      {entry(R"("dtype":"float32","shape":[33],"offset":0)"), "larger than the file"},
      {entry(R"("dtype":"float32","shape":[30],"offset":64)"), "ends after the file"},
      {entry(R"("dtype":"float32","shape":[8],"offset":128)"), "ends after the file"},
      {entry(R"("dtype":"float32","shape":[8],"offset":4)"), "not aligned"},
      {entry(R"("dtype":"float32","shape":[8],"offset":-64)"), "offset is not"},
      {entry(R"("dtype":"float32","shape":[4294967296,4294967296],"offset":0)"),
       "larger than the file"},
      {entry(R"("dtype":"float32","shape":[-1],"offset":0)"), "shape is not"},
      {entry(R"("dtype":"float32","shape":[1,1,1,1,1,1,1,1,1],"offset":0)"), "8 dimensions"},
      {entry(R"("dtype":"complex64","shape":[8],"offset":0)"), "no known dtype"},
      {entry(R"("dtype":"float32","shape":"8","offset":0)"), "no shape"},
      {R"({"tensors":[{"name":"t","dtype":"uint8","shape":[1],"offset":0},)"
       R"({"name":"t","dtype":"uint8","shape":[1],"offset":64}]})",
       "appears twice"},
      {R"({"tensors":[{"name":"a","dtype":"uint8","shape":[64],"offset":64},)"
       R"({"name":"b","dtype":"uint8","shape":[1],"offset":0}]})",
       "not aligned after the previous"},
      {R"({"tensors":[{"dtype":"uint8","shape":[1],"offset":0}]})", "has no name"},
      {R"({"tensors":{}})", "lists no tensors"},
      {R"([1,2])", "lists no tensors"},
      {R"({"tensors":[)", "is not valid JSON"},
      {std::string(100000, '[') + std::string(100000, ']'), "nested deeper"},
  };
  for (const auto& [header, expected] : cases) {
    const std::string error = decode_error(file_with_header(header, data));
    if (expected.empty()) {
      EXPECT_EQ(error, "") << header;
    } else {
      EXPECT_NE(error.find(expected), std::string::npos) << header.substr(0, 200) << ": " << error;
      EXPECT_NE(error.find("ckpt.pt"), std::string::npos) << error;
    }
  }
  // A header length past the end of the file.
  std::string bytes = file_with_header("{}");
  bytes[8] = '\x7f';
  EXPECT_NE(decode_error(with_checksum(bytes.substr(0, bytes.size() - 16))).find("length"),
            std::string::npos);
}

// Checkpoints written before format 3 are LibTorch archives: they load as LibTorch's own
// loaders read them (the reference here), with or without the checksum trailer, and save again
// as format 3 with the same contents.
TEST(CheckpointFile, AFormat2CheckpointLoadsAsLibTorchReadsIt) {
  TempDir tmp;
  const OpenedCheckpoint opened = open_checkpoint(kFormat2);
  EXPECT_EQ(opened.model.size, 16);
  EXPECT_EQ(opened.model.z_dim, 2);
  EXPECT_TRUE(opened.train_flags.is_object());

  auto g = make_generator(opened.model);
  auto d = make_discriminator(opened.model);
  torch::optim::Adam adam_g(g->parameters(), torch::optim::AdamOptions(0.5));
  torch::optim::Adam adam_d(d->parameters(), torch::optim::AdamOptions(0.5));
  const TrainingState state = load_checkpoint(opened, opened.model, *g, d.get(), &adam_g, &adam_d);

  torch::serialize::InputArchive archive, part_g, part_d, part_og, part_od;
  const std::string file = dcgan::read_file(kFormat2);
  const std::string zip = file.substr(0, file.size() - 16);
  archive.load_from(zip.data(), zip.size());
  auto reference_g = make_generator(opened.model);
  auto reference_d = make_discriminator(opened.model);
  archive.read("generator", part_g);
  archive.read("discriminator", part_d);
  reference_g->load(part_g);
  reference_d->load(part_d);
  torch::optim::Adam reference_adam_g(reference_g->parameters(), torch::optim::AdamOptions());
  torch::optim::Adam reference_adam_d(reference_d->parameters(), torch::optim::AdamOptions());
  archive.read("optimizer_g", part_og);
  archive.read("optimizer_d", part_od);
  reference_adam_g.load(part_og);
  reference_adam_d.load(part_od);
  expect_equal(contents(*g, &adam_g), contents(*reference_g, &reference_adam_g));
  expect_equal(contents(*d, &adam_d), contents(*reference_d, &reference_adam_d));
  EXPECT_FALSE(adam_g.state().empty());
  const auto& options =
      static_cast<const torch::optim::AdamOptions&>(adam_g.param_groups()[0].options());
  const auto& reference_options =
      static_cast<const torch::optim::AdamOptions&>(reference_adam_g.param_groups()[0].options());
  EXPECT_EQ(options.lr(), reference_options.lr());
  EXPECT_EQ(options.betas(), reference_options.betas());
  torch::Tensor step, sample_z;
  archive.read("step", step);
  archive.read("sample_z", sample_z);
  EXPECT_EQ(state.step, step.item<int64_t>());
  EXPECT_TRUE(torch::equal(state.sample_z, sample_z));
  ASSERT_TRUE(state.rng_state.defined());

  // Without its checksum trailer, as format-2 files written before it are.
  const std::string unchecked = tmp / "unchecked.pt";
  dcgan::atomic_write(unchecked, zip);
  EXPECT_EQ(load_checkpoint(unchecked, opened.model, *reference_g, nullptr, nullptr, nullptr).step,
            state.step);

  // Saved again, it is format 3 and holds the same.
  const std::string again = tmp / "again.pt";
  save_checkpoint(again, opened.model, *g, *d, &adam_g, &adam_d, state);
  EXPECT_TRUE(is_checkpoint_file(dcgan::read_file(again)));
  auto g3 = make_generator(opened.model);
  auto d3 = make_discriminator(opened.model);
  torch::optim::Adam adam_g3(g3->parameters(), torch::optim::AdamOptions());
  torch::optim::Adam adam_d3(d3->parameters(), torch::optim::AdamOptions());
  const TrainingState state3 =
      load_checkpoint(again, opened.model, *g3, d3.get(), &adam_g3, &adam_d3);
  expect_equal(contents(*g3, &adam_g3), contents(*g, &adam_g));
  expect_equal(contents(*d3, &adam_d3), contents(*d, &adam_d));
  EXPECT_EQ(state3.step, state.step);
  EXPECT_EQ(state3.epoch_images, state.epoch_images);
  EXPECT_EQ(state3.time_s, state.time_s);
  EXPECT_TRUE(torch::equal(state3.rng_state, state.rng_state));
  EXPECT_EQ(state3.train_flags, state.train_flags);
}

// A format-3 file whose tensors do not fit the model it declares (the checksum made to match):
// a DataError naming the tensor, and the model is not half loaded into silently.
TEST(CheckpointFile, TensorsThatDoNotFitTheModelAreRefused) {
  TempDir tmp;
  const OpenedCheckpoint opened = open_checkpoint(kFormat2);
  auto g = make_generator(opened.model);
  auto d = make_discriminator(opened.model);
  const std::string path = tmp / "ckpt.pt";
  TrainingState state;
  state.sample_z = torch::zeros({4, opened.model.z_dim});
  save_checkpoint(path, opened.model, *g, *d, nullptr, nullptr, state);
  CheckpointRecords records = decode_checkpoint_file(dcgan::read_file(path), path);
  const std::string first = records.tensors.begin()->first;

  auto error_with = [&](const std::function<void(CheckpointRecords&)>& change) {
    CheckpointRecords changed = records;
    change(changed);
    NamedTensors tensors(changed.tensors.begin(), changed.tensors.end());
    dcgan::atomic_write(path, encode_checkpoint_file(changed.header, tensors));
    try {
      load_checkpoint(path, opened.model, *g, d.get(), nullptr, nullptr);
    } catch (const dcgan::DataError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error_with([](CheckpointRecords&) {}), "");
  EXPECT_NE(
      error_with([&](CheckpointRecords& r) { r.tensors.erase(first); }).find(first + " is missing"),
      std::string::npos);
  EXPECT_NE(error_with([&](CheckpointRecords& r) {
              r.tensors[first] = torch::zeros({1});
            }).find(first + " is Float [1] where the model has"),
            std::string::npos);
  EXPECT_NE(error_with([](CheckpointRecords& r) {
              r.tensors["generator/extra"] = torch::zeros({1});
            }).find("generator tensors that the model does not have"),
            std::string::npos);
  EXPECT_NE(error_with([](CheckpointRecords& r) { r.header["step"] = -1; }).find("step is not"),
            std::string::npos);
  EXPECT_NE(error_with([](CheckpointRecords& r) {
              r.tensors["sample_z"] = torch::zeros({4, 9});
            }).find("sample z"),
            std::string::npos);
  EXPECT_NE(error_with([](CheckpointRecords& r) {
              r.header["model_config"]["size"] = "big";
            }).find("model config"),
            std::string::npos);
  EXPECT_NE(error_with([](CheckpointRecords& r) {
              r.header["model_config"]["size"] = 3;
            }).find("model config is not valid"),
            std::string::npos);
}
