// Cascade lookup; see cascade_locator.h.
#include "dcgan/vision/cascade_locator.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "dcgan/core/error.h"
#include "dcgan/vision/cascade_paths.h"

namespace fs = std::filesystem;

namespace dcgan::vision {
namespace {

constexpr const char* kCascadeFile = "lbpcascade_animeface.xml";

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "" : exe.parent_path().string();
}

std::string download_hint() {
  return std::string("Download it from ") + kCascadeUrl + " (sha256 " + kCascadeSha256 +
         ") and pass --cascade FILE or set DCGAN_CASCADE.";
}

std::string checked(const std::string& path, const std::string& origin) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw ConfigError("the face cascade given by " + origin + " (" + path + ") does not exist. " +
                      download_hint());
  }
  return path;
}

}  // namespace

std::vector<CascadeCandidate> default_cascade_candidates() {
  std::vector<CascadeCandidate> candidates;
  if (std::string shared = env("DCGAN_SHARED"); !shared.empty()) {
    candidates.push_back(
        {(fs::path(shared) / "models" / kCascadeFile).string(), "$DCGAN_SHARED/models"});
  }
  // An installed binary uses the cascade installed with it, wherever the prefix was moved,
  // before the paths baked in at configure time (its source tree may still exist).
  if (std::string dir = executable_dir(); !dir.empty()) {
    candidates.push_back({(fs::path(dir) / ".." / "share" / "dcgan" / kCascadeFile).string(),
                          "share/dcgan next to the executable"});
  }
  candidates.push_back({kCascadeSourceSharedPath, "the source tree's ../shared/models"});
  candidates.push_back({kCascadeBuildPath, "the build tree (downloaded at configure time)"});
  candidates.push_back({kCascadeInstallPath, "the install prefix's share/dcgan"});
  return candidates;
}

std::string first_existing_cascade(const std::vector<CascadeCandidate>& candidates) {
  std::string tried;
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c.path, ec)) return fs::path(c.path).lexically_normal().string();
    tried += "\n  " + c.path + "  (" + c.origin + ")";
  }
  throw ConfigError("the face cascade " + std::string(kCascadeFile) +
                    " was not found. Tried --cascade (not given), $DCGAN_CASCADE (not set) and:" +
                    tried + "\n" + download_hint());
}

std::string locate_cascade(const std::string& flag_value) {
  if (!flag_value.empty()) return checked(flag_value, "--cascade");
  if (std::string from_env = env("DCGAN_CASCADE"); !from_env.empty()) {
    return checked(from_env, "$DCGAN_CASCADE");
  }
  return first_existing_cascade(default_cascade_candidates());
}

}  // namespace dcgan::vision
