// What `dcgan serve` answers, independent of the HTTP library: the embedded page and the JSON
// and PNG API (docs/architecture.md, "dcgan serve"). Every parameter is checked before any
// work: a request for more than --max-images images or a z of the wrong length is a 400 with a
// one-line reason, and nothing a request says becomes a file name (checkpoints are chosen by
// step among the files listed in RUN/checkpoints), so no file outside RUN can be read.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dcgan/serve/directions.h"
#include "dcgan/serve/generators.h"
#include "dcgan/serve/run_watch.h"
#include "dcgan/serve/serve_config.h"

namespace dcgan::serve {

struct ApiRequest {
  std::string method;                              // GET, HEAD or POST
  std::string path;                                // decoded, without the query
  std::multimap<std::string, std::string> params;  // decoded query parameters
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class Api {
 public:
  // `compute_threads`: the threads each generation runs with (> 0).
  Api(const ServeConfig& config, int compute_threads);

  // Never throws: bad requests are 4xx, failures 500, each with {"error": "..."}.
  ApiResponse handle(const ApiRequest& request);

 private:
  struct Checkpoint {
    int64_t step = 0;
    std::string path;
  };

  ApiResponse answer(const ApiRequest& request);
  ApiResponse route(const ApiRequest& request);
  ApiResponse run_info(const ApiRequest& request);
  ApiResponse curves(const ApiRequest& request);
  ApiResponse latents(const ApiRequest& request);
  ApiResponse grid(const ApiRequest& request);
  ApiResponse images(const ApiRequest& request);
  ApiResponse z_file(const ApiRequest& request);
  ApiResponse directions(const ApiRequest& request);

  // "newest" (or absent) or a step among the run's checkpoints; 404/409 otherwise.
  Checkpoint checkpoint(const std::string& which);
  std::shared_ptr<const gan::LoadedModel> model(const Checkpoint& checkpoint);
  ApiResponse png(const Checkpoint& checkpoint, const gan::LoadedModel& model,
                  const torch::Tensor& z, int pad, int cols);
  std::shared_ptr<const LatentDirections> directions_of(const Checkpoint& checkpoint);

  ServeConfig config_;
  RunWatch run_;
  Generators generators_;
  std::mutex directions_mutex_;
  std::map<std::string, std::shared_ptr<const LatentDirections>> directions_;  // by checkpoint
};

}  // namespace dcgan::serve
