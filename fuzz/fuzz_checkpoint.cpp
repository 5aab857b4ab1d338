// The checkpoint loader (gan/checkpoint.h): a file that a crash, a damaged disk or a copy may
// have cut or changed, or that someone wrote to be misread. The first input byte picks what the
// rest is: 0, the file as it is (a mutation mostly breaks its checksum); 1, the rest with a
// matching checksum appended, so that mutated headers and tensors reach the container's reader
// (gan/checkpoint_file.h). Invariants: open_checkpoint returns or throws DataError / IoError; a
// file that opens and declares a small model loads into it, with Adam optimizers, or throws
// DataError. Built by `make fuzz-torch`, with the LibTorch libraries.
// Left out: the LibTorch archives of formats 1 and 2 (every input that does not start as a
// format-3 file), which go to LibTorch 1.13's reader (gan/checkpoint_legacy.h). Fuzzed here
// before format 3 existed, that reader crashed within minutes (SEGV in
// ScriptTypeParser::parseClassConstant on damaged code records), which is why dcgan writes a
// container of its own; its std::runtime_error and std::bad_alloc on damaged records, which
// used to escape the loader, are DataErrors (tests/gan/test_train_resume.cpp).
#include "dcgan/core/error.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/gan/checkpoint_file.h"
#include "dcgan/gan/models.h"
#include "fuzz_support.h"

namespace {

// Models the harness builds: the seed corpus's tiny ones, not whatever widths a mutation asks.
bool small(const dcgan::gan::ModelConfig& m) {
  const bool small_mlp = m.arch != "mlp" || (m.mlp_hidden_g <= 256 && m.mlp_hidden_d <= 256);
  return m.size >= 8 && m.size <= 32 && m.gf_dim <= 16 && m.df_dim <= 16 && m.z_dim <= 64 &&
         m.channels >= 1 && m.channels <= 4 && small_mlp;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dcgan::fuzz::init();
  if (size == 0) return 0;
  const std::string_view rest = dcgan::fuzz::as_view(data + 1, size - 1);
  if (!dcgan::gan::is_checkpoint_file(rest)) return 0;
  const std::string path = dcgan::fuzz::write_scratch(
      "ckpt.pt",
      data[0] % 2 == 0 ? std::string(rest) : dcgan::gan::with_checksum(std::string(rest)));
  try {
    const dcgan::gan::OpenedCheckpoint opened = dcgan::gan::open_checkpoint(path);
    if (!small(opened.model)) return 0;
    auto g = dcgan::gan::make_generator(opened.model);
    auto d = dcgan::gan::make_discriminator(opened.model);
    torch::optim::Adam adam_g(g->parameters(), torch::optim::AdamOptions());
    torch::optim::Adam adam_d(d->parameters(), torch::optim::AdamOptions());
    dcgan::gan::load_checkpoint(opened, opened.model, *g, d.get(), &adam_g, &adam_d);
    auto average = dcgan::gan::make_generator(opened.model);
    dcgan::gan::load_generator_average(opened, *average);
  } catch (const dcgan::DataError&) {
  } catch (const dcgan::IoError&) {
  }
  return 0;
}
