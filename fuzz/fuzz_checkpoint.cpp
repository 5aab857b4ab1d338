// The checkpoint loader (gan/checkpoint.h): a file that a crash, a damaged disk or a copy may
// have cut or changed. The first input byte picks what the rest is: 0, the file as it is (its
// checksum mostly fails, or it has none and goes to LibTorch unchecked, as files from before
// the checksum do); 1, the rest with a valid checksum trailer appended, so that mutated zips
// reach LibTorch's reader through the checked path. Invariants: open_checkpoint returns or
// throws DataError / IoError; a file that opens and declares a small model loads into it or
// throws DataError. Needs the LibTorch build (not DCGAN_FUZZ_ONLY), built with UBSan only
// (fuzz/sanitizer_flags.cmake says why).
// Findings fixed: a std::runtime_error of LibTorch's TorchScript parser (a damaged code
// record) and a std::bad_alloc (a damaged pickle memo index: a 64 GB table) escaped the loader
// (std::terminate); both are DataErrors now (tests/gan/test_train_resume.cpp). Not fixable
// here: SEGVs inside LibTorch 1.13's TorchScript parser (ScriptTypeParser::parseClassConstant)
// on damaged code records, reached within minutes through mode 1 and through files without
// the checksum mark; a damaged checkpoint written with the mark never gets there.
#include "dcgan/core/error.h"
#include "dcgan/gan/checkpoint.h"
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
  const std::string path = dcgan::fuzz::write_scratch(
      "ckpt.pt",
      data[0] % 2 == 0 ? std::string(rest) : dcgan::gan::with_checksum(std::string(rest)));
  try {
    const dcgan::gan::OpenedCheckpoint opened = dcgan::gan::open_checkpoint(path);
    if (!small(opened.model)) return 0;
    auto g = dcgan::gan::make_generator(opened.model);
    auto d = dcgan::gan::make_discriminator(opened.model);
    dcgan::gan::load_checkpoint(opened, opened.model, *g, d.get(), nullptr, nullptr);
  } catch (const dcgan::DataError&) {
  } catch (const dcgan::IoError&) {
  } catch (const dcgan::ConfigError&) {  // a model config that validate() refuses
  }
  return 0;
}
