// The crop manifest reader (read_crop_manifest) on any manifest.jsonl bytes: a re-run of
// `dcgan crop` reads what an earlier, maybe killed or hand-edited, run left. It returns or
// throws DataError naming the file.
#include "dcgan/core/error.h"
#include "dcgan/vision/crop_manifest.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dcgan::fuzz::init();
  const std::string path =
      dcgan::fuzz::write_scratch("manifest.jsonl", dcgan::fuzz::as_view(data, size));
  try {
    dcgan::vision::read_crop_manifest(path);
  } catch (const dcgan::DataError&) {
  }
  return 0;
}
