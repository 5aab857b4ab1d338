// Typed errors thrown by library code. Only apps/dcgan/main.cpp catches them and maps each
// type to a process exit code; library code never calls exit() or abort().
#pragma once

#include <stdexcept>
#include <string>

namespace dcgan {

// Process exit codes, one per error family, documented in docs/usage.md.
enum class ExitCode : int {
  kOk = 0,
  kError = 1,           // anything unexpected
  kUsage = 2,           // bad flag or configuration value
  kIo = 3,              // a file or folder could not be read or written
  kData = 4,            // input data is unusable (no images, wrong size, corrupt checkpoint)
  kNetwork = 5,         // a transfer failed as a whole
  kPartialFailure = 6,  // a batch finished, but some items failed (they are listed)
  kTrainingDiverged = 7,
  kInterrupted = 130,  // SIGINT/SIGTERM after a clean shutdown
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ExitCode code = ExitCode::kError)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// A flag or config value is invalid. The message names the flag and says what is allowed.
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& message) : Error(message, ExitCode::kUsage) {}
};

// A file or directory operation failed. The message names the path.
class IoError : public Error {
 public:
  explicit IoError(const std::string& message) : Error(message, ExitCode::kIo) {}
};

// Input data cannot be used: empty folder, undecodable image, mismatched checkpoint.
class DataError : public Error {
 public:
  explicit DataError(const std::string& message) : Error(message, ExitCode::kData) {}
};

class NetworkError : public Error {
 public:
  explicit NetworkError(const std::string& message) : Error(message, ExitCode::kNetwork) {}
};

// A batch stage completed but some items failed; the summary was already printed.
class PartialFailure : public Error {
 public:
  explicit PartialFailure(const std::string& message)
      : Error(message, ExitCode::kPartialFailure) {}
};

// Training produced a NaN/Inf loss; the message names the step. Checkpoints already written stay.
class TrainingDiverged : public Error {
 public:
  explicit TrainingDiverged(const std::string& message)
      : Error(message, ExitCode::kTrainingDiverged) {}
};

// The user asked us to stop (SIGINT/SIGTERM) and the state was saved.
class Interrupted : public Error {
 public:
  explicit Interrupted(const std::string& message) : Error(message, ExitCode::kInterrupted) {}
};

// Throws ConfigError(message) when the condition is false. For validating user input.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw ConfigError(message);
}

}  // namespace dcgan
