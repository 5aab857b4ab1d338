// Scratch files and failure reporting for the harnesses; see fuzz_support.h.
#include "fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "dcgan/core/error.h"
#include "dcgan/core/log.h"

namespace fs = std::filesystem;

namespace dcgan::fuzz {
namespace {

std::string& scratch_dir() {
  static std::string dir;
  return dir;
}

void remove_scratch_dir() {
  std::error_code ec;
  if (!scratch_dir().empty()) fs::remove_all(scratch_dir(), ec);
}

}  // namespace

void init() {
  if (!scratch_dir().empty()) return;
  log::set_level(log::Level::kError);
  // Memory-backed when available: the readers under test open a file for every input.
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  std::error_code ec;
  if ((tmp == nullptr || *tmp == '\0') && fs::is_directory("/dev/shm", ec)) base = "/dev/shm";
  std::string pattern = base + "/dcgan-fuzz-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) fail("cannot create a scratch folder in " + base);
  scratch_dir() = pattern;
  std::atexit(remove_scratch_dir);
}

std::string scratch_path(const std::string& name) {
  init();
  return scratch_dir() + "/" + name;
}

std::string write_scratch(const std::string& name, std::string_view bytes) {
  const std::string path = scratch_path(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) fail("cannot write the scratch file " + path);
  return path;
}

void remove_scratch(const std::string& name) {
  std::error_code ec;
  fs::remove_all(scratch_path(name), ec);
}

void fail(const std::string& what) {
  std::fprintf(stderr, "dcgan fuzz: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace dcgan::fuzz
