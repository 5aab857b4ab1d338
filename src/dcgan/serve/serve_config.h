// `dcgan serve` settings: the run folder to show, where to listen, and the limits that keep one
// client from holding the server (images per request, request body size, worker threads).
#pragma once

#include <cstddef>
#include <string>

namespace dcgan::serve {

struct ServeConfig {
  std::string run_dir;
  std::string host = "127.0.0.1";   // loopback: other machines cannot connect unless told
  int port = 8080;                  // 0: any free port (the URL printed says which)
  std::string device = "auto";      // where G runs: auto, cpu or cuda[:N]
  int threads = 0;                  // compute threads (0: OMP_NUM_THREADS or every core)
  int max_images = 256;             // images (or latents) one request may ask for
  int http_threads = 32;            // connections served at once; generation itself is serialised
  int models_loaded = 4;            // checkpoints kept in memory, least recently used dropped
  size_t max_body_bytes = 4 << 20;  // larger request bodies get 413

  // Throws ConfigError naming the flag; IoError when RUN is not a folder.
  void validate() const;
  std::string to_string() const;
};

}  // namespace dcgan::serve
