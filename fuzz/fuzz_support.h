// What the harnesses share: scratch files for the readers that take a path (written fresh for
// every input, in a folder of this process removed at exit), quiet logging, and a check that
// aborts (so that libFuzzer keeps the input) when an invariant of the code under test breaks.
// The contract every harness enforces: a parser of outside data returns, or throws a
// dcgan::Error subclass; any other exception, a crash, a leak or undefined behaviour is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dcgan::fuzz {

// Once per process: logging at errors only, the scratch folder created.
void init();

// DIR/name in this process's scratch folder (`init` creates it).
std::string scratch_path(const std::string& name);
// Writes `bytes` to scratch_path(name), replacing it; returns the path.
std::string write_scratch(const std::string& name, std::string_view bytes);
// Removes scratch_path(name) and everything under it.
void remove_scratch(const std::string& name);

// Prints `what` and aborts: an invariant of the code under test does not hold.
[[noreturn]] void fail(const std::string& what);

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace dcgan::fuzz

#define DCGAN_FUZZ_CHECK(condition, what)                                                          \
  do {                                                                                             \
    if (!(condition)) ::dcgan::fuzz::fail(std::string("check failed: " #condition ": ") + (what)); \
  } while (false)
