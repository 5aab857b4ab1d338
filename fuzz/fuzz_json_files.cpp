// The JSON and JSON Lines files the tool reads back (config.json, summary.json, manifest.jsonl,
// metrics.jsonl) through read_json_file / read_jsonl_file, and JsonlWriter's repair of the end
// of a file a crash or full disk left. The file's bytes are the input. Invariants: the readers
// return or throw DataError; whatever read_jsonl_file accepted, opening a JsonlWriter on it and
// appending keeps it readable, with the same records followed by the new one.
#include <vector>

#include "dcgan/core/error.h"
#include "dcgan/core/json.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dcgan::fuzz::init();
  const std::string path =
      dcgan::fuzz::write_scratch("file.jsonl", dcgan::fuzz::as_view(data, size));
  try {
    dcgan::read_json_file(path);
  } catch (const dcgan::DataError&) {
  }
  std::vector<dcgan::Json> before;
  bool readable = true;
  try {
    before = dcgan::read_jsonl_file(path);
  } catch (const dcgan::DataError&) {
    readable = false;
  }
  const dcgan::Json record = {{"kind", "step"}, {"step", 1}};
  {
    dcgan::JsonlWriter writer(path);
    writer.append(record);
  }
  if (!readable) return 0;
  std::vector<dcgan::Json> after;
  try {
    after = dcgan::read_jsonl_file(path);
  } catch (const dcgan::DataError& e) {
    dcgan::fuzz::fail(std::string("a readable file became unreadable after an append: ") +
                      e.what());
  }
  DCGAN_FUZZ_CHECK(
      after.size() == before.size() + 1,
      std::to_string(before.size()) + " records, then " + std::to_string(after.size()));
  for (size_t i = 0; i < before.size(); ++i) {
    DCGAN_FUZZ_CHECK(after[i] == before[i], "record " + std::to_string(i) + " changed");
  }
  DCGAN_FUZZ_CHECK(after.back() == record, "the appended record is not last");
  return 0;
}
