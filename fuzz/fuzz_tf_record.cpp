// The TFRecord reader (read_tf_records) on any file bytes: event files a killed writer cut
// short or a disk corrupted. It returns records that, framed again, are exactly the start of
// the file, or throws DataError.
#include <string>

#include "dcgan/core/error.h"
#include "dcgan/report/tf_record.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dcgan::fuzz::init();
  const std::string_view bytes = dcgan::fuzz::as_view(data, size);
  const std::string path = dcgan::fuzz::write_scratch("events", bytes);
  try {
    std::string framed;
    for (const std::string& record : dcgan::report::read_tf_records(path)) {
      framed += dcgan::report::frame_tf_record(record);
    }
    DCGAN_FUZZ_CHECK(bytes.substr(0, framed.size()) == framed,
                     "records that are not the file's own frames");
  } catch (const dcgan::DataError&) {
  }
  return 0;
}
