// Image headers (peek_image_size, is_truncated_jpeg): the bytes of a downloaded or copied file.
// A size, when one is read, has both sides positive and below 2^32 (the formats' widest field).
#include "dcgan/vision/image_header.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = dcgan::fuzz::as_view(data, size);
  const auto declared = dcgan::vision::peek_image_size(bytes);
  if (declared) {
    DCGAN_FUZZ_CHECK(declared->width > 0 && declared->height > 0, "a side <= 0");
    DCGAN_FUZZ_CHECK(declared->width < (int64_t{1} << 32) && declared->height < (int64_t{1} << 32),
                     "a side >= 2^32");
  }
  dcgan::vision::is_truncated_jpeg(bytes);
  return 0;
}
