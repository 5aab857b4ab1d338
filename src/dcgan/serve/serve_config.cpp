// ServeConfig checks; see serve_config.h.
#include "dcgan/serve/serve_config.h"

#include <filesystem>
#include <sstream>

#include "dcgan/core/error.h"

namespace dcgan::serve {

void ServeConfig::validate() const {
  require(!run_dir.empty(), "give the run folder: dcgan serve RUN");
  if (!std::filesystem::is_directory(run_dir)) {
    throw IoError(run_dir + " is not a folder (give the --out folder of dcgan train)");
  }
  require(!host.empty(), "--host must name an address, e.g. 127.0.0.1");
  require(port >= 0 && port <= 65535, "--port must be between 0 (any free port) and 65535");
  require(threads >= 0 && threads <= 1024, "--threads must be between 0 (every core) and 1024");
  require(max_images >= 1 && max_images <= 4096, "--max-images must be between 1 and 4096");
  require(http_threads >= 2 && http_threads <= 256, "--http-threads must be between 2 and 256");
  require(models_loaded >= 1 && models_loaded <= 64, "--models-loaded must be between 1 and 64");
  require(max_body_bytes >= 1024, "the request body limit must be at least 1 KiB");
}

std::string ServeConfig::to_string() const {
  std::ostringstream out;
  out << "ServeConfig(run=" << run_dir << ", host=" << host << ", port=" << port
      << ", device=" << device << ", threads=" << threads << ", max_images=" << max_images
      << ", http_threads=" << http_threads << ", models_loaded=" << models_loaded << ")";
  return out.str();
}

}  // namespace dcgan::serve
