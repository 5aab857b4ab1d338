// The report's run reader (load_run) on a run folder whose config.json, summary.json and
// metrics.jsonl hold any bytes (a run still writing, killed, or edited by hand). Input: the
// three files' bytes separated by a line "--8<--". It returns columns all as long as the step
// column, or throws DataError / IoError.
#include <filesystem>
#include <string>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/report/run_data.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dcgan::fuzz::init();
  const std::string input(dcgan::fuzz::as_view(data, size));
  static const std::string run = dcgan::fuzz::scratch_path("run");
  std::filesystem::create_directories(run);
  const char* kFiles[] = {"/metrics.jsonl", "/config.json", "/summary.json"};
  size_t start = 0;
  for (const char* file : kFiles) {
    const size_t cut = input.find("\n--8<--\n", start);
    std::filesystem::remove(run + file);
    if (start <= input.size()) {
      dcgan::atomic_write(run + file,
                          input.substr(start, cut == std::string::npos ? cut : cut - start),
                          /*durable=*/false);
    }
    start = cut == std::string::npos ? input.size() + 1 : cut + 8;
  }
  try {
    const dcgan::report::RunData loaded = dcgan::report::load_run(run);
    for (const auto& [field, column] : loaded.steps.values) {
      DCGAN_FUZZ_CHECK(column.size() == loaded.steps.step.size(), field);
    }
  } catch (const dcgan::DataError&) {
  } catch (const dcgan::IoError&) {
  }
  return 0;
}
