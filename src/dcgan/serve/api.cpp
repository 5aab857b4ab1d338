// The page and the API of `dcgan serve`; see api.h and docs/architecture.md.
#include "dcgan/serve/api.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <stdexcept>

#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/data/image_tensors.h"
#include "dcgan/kernels/choices.h"
#include "dcgan/serve/page_assets.h"
#include "dcgan/vision/grid.h"

namespace fs = std::filesystem;

namespace dcgan::serve {
namespace {

constexpr int64_t kMaxPad = 16;
constexpr int64_t kMaxDirections = 8;
constexpr int64_t kDirectionSamples = 256;
constexpr uint64_t kDirectionSeed = 0;

// The page may only talk to its own server: no script, style, image or connection elsewhere.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// A 4xx answer, thrown by the checks and turned into {"error": message} by Api::handle.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
  int status;
};

// A value from the request, shortened for an error message.
std::string quoted(const std::string& value) {
  return "'" + (value.size() > 40 ? value.substr(0, 40) + "..." : value) + "'";
}

// One Server-Timing metric: "name;dur=milliseconds".
std::string timing(const char* name, std::chrono::steady_clock::time_point from,
                   std::chrono::steady_clock::time_point to) {
  char text[64];
  std::snprintf(text, sizeof text, "%s;dur=%.2f", name,
                std::chrono::duration<double, std::milli>(to - from).count());
  return text;
}

ApiResponse json_response(const Json& body, int status = 200) {
  ApiResponse response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

ApiResponse error_response(int status, const std::string& message) {
  return json_response({{"error", message}}, status);
}

// Digits only (no sign, no spaces, no "0x"), within [lo, hi].
template <class Int>
Int parse_integer(const std::string& name, const std::string& text, Int lo, Int hi) {
  Int value{};
  const char* end = text.data() + text.size();
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  const std::string range = std::to_string(lo) + " to " + std::to_string(hi);
  if (!digits || ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    throw HttpError(400,
                    name + " must be a whole number from " + range + " (got " + quoted(text) + ")");
  }
  if (ec == std::errc::result_out_of_range || value < lo || value > hi) {
    throw HttpError(400, name + " must be from " + range + " (got " + quoted(text) + ")");
  }
  return value;
}

// The query parameters one endpoint takes: each at most once, no others.
class Query {
 public:
  Query(const ApiRequest& request, std::initializer_list<const char*> allowed) {
    const std::set<std::string> names(allowed.begin(), allowed.end());
    for (const auto& [key, value] : request.params) {
      if (!names.count(key)) {
        std::string list;
        for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
        throw HttpError(400, "unknown parameter " + quoted(key) + ": " + request.path +
                                 (list.empty() ? " takes none" : " takes " + list));
      }
      if (!values_.emplace(key, value).second) {
        throw HttpError(400, "parameter " + quoted(key) + " is given more than once");
      }
    }
  }
  std::string text(const std::string& key, const std::string& fallback = "") const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : it->second;
  }
  int64_t integer(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : parse_integer<int64_t>(key, it->second, lo, hi);
  }
  uint64_t seed() const {
    auto it = values_.find("seed");
    return it == values_.end() ? 0 : parse_integer<uint64_t>("seed", it->second, 0, UINT64_MAX);
  }

 private:
  std::map<std::string, std::string> values_;
};

// A JSON request body: an object with none but the `allowed` fields.
Json body_object(const ApiRequest& request, std::initializer_list<const char*> allowed) {
  Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    throw HttpError(400, "the request body must be a JSON object, e.g. {\"z\": [[...]]}");
  }
  const std::set<std::string> names(allowed.begin(), allowed.end());
  for (const auto& [key, value] : body.items()) {
    if (!names.count(key)) throw HttpError(400, "unknown field " + quoted(key) + " in the body");
  }
  return body;
}

int64_t body_integer(const Json& body, const std::string& key, int64_t fallback, int64_t lo,
                     int64_t hi) {
  if (!body.contains(key)) return fallback;
  const Json& value = body.at(key);
  if (!value.is_number_integer()) throw HttpError(400, key + " must be a whole number");
  if (value.is_number_unsigned() ? value.get<uint64_t>() > static_cast<uint64_t>(hi)
                                 : value.get<int64_t>() < lo || value.get<int64_t>() > hi) {
    throw HttpError(400, key + " must be from " + std::to_string(lo) + " to " + std::to_string(hi) +
                             " (got " + value.dump() + ")");
  }
  return value.get<int64_t>();
}

// "newest", or a step as a number or a string of digits.
std::string body_checkpoint(const Json& body) {
  if (!body.contains("checkpoint")) return "";
  const Json& value = body.at("checkpoint");
  if (value.is_number_unsigned() || value.is_number_integer()) return value.dump();
  if (value.is_string()) return value.get<std::string>();
  throw HttpError(400, "checkpoint must be a step number or \"newest\"");
}

// The latents of a request body, counted before they are read: more than `max_images` is a
// 400 whatever their length.
torch::Tensor body_latents(const Json& body, int64_t z_dim, int max_images) {
  if (!body.contains("z")) throw HttpError(400, "the body needs \"z\": [[...], ...]");
  const Json& z = body.at("z");
  const size_t count = z.is_array() && !z.empty() && z.front().is_array() ? z.size() : 1;
  if (count > static_cast<size_t>(max_images)) {
    throw HttpError(400, "z holds " + std::to_string(count) + " latents; at most " +
                             std::to_string(max_images) + " per request (--max-images)");
  }
  try {
    return gan::latents_from_json(body, z_dim, "the request body");
  } catch (const DataError& e) {
    throw HttpError(400, e.what());
  }
}

Json latents_json(const torch::Tensor& z) {
  const auto rows = z.accessor<float, 2>();
  Json out = Json::array();
  for (int64_t i = 0; i < z.size(0); ++i) {
    Json row = Json::array();
    for (int64_t k = 0; k < z.size(1); ++k) row.push_back(rows[i][k]);
    out.push_back(std::move(row));
  }
  return out;
}

// Which G draws the faces: the checkpoint's weight average when the run was trained with --ema
// (load_for_sampling's default, as in `dcgan sample`), else G as trained.
const char* generator_kind(const gan::LoadedModel& model) {
  return model.averaged ? "averaged" : "trained";
}

// The checkpoint's path relative to RUN, as the z file names it.
std::string relative_checkpoint(const std::string& path) {
  return "checkpoints/" + fs::path(path).filename().string();
}

}  // namespace

Api::Api(const ServeConfig& config, int compute_threads)
    : config_(config),
      run_(config.run_dir),
      generators_(config.device, compute_threads, config.models_loaded) {}

ApiResponse Api::handle(const ApiRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  ApiResponse response = answer(request);
  // The time spent here, generation and PNG encoding included, for the benchmark and the
  // browser's network panel.
  const std::string total = timing("app", start, std::chrono::steady_clock::now());
  auto parts = std::find_if(response.headers.begin(), response.headers.end(),
                            [](const auto& header) { return header.first == "Server-Timing"; });
  if (parts == response.headers.end()) {
    response.headers.emplace_back("Server-Timing", total);
  } else {
    parts->second = total + ", " + parts->second;
  }
  return response;
}

ApiResponse Api::answer(const ApiRequest& request) {
  try {
    return route(request);
  } catch (const HttpError& e) {
    return error_response(e.status, e.what());
  } catch (const std::exception& e) {
    DCGAN_WARN("serve: " << request.method << " " << request.path << ": " << e.what());
    return error_response(500, e.what());
  } catch (...) {
    DCGAN_WARN("serve: " << request.method << " " << request.path << ": unknown failure");
    return error_response(500, "internal error");
  }
}

ApiResponse Api::route(const ApiRequest& request) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (request.path.rfind("/api/", 0) != 0) {
    for (const PageAsset& asset : page_assets()) {
      if (request.path != asset.url) continue;
      if (!get) throw HttpError(405, request.path + " takes GET only");
      ApiResponse response;
      response.content_type = asset.content_type;
      response.body = std::string(asset.body);
      response.headers = {{"Cache-Control", "no-cache"},
                          {"X-Content-Type-Options", "nosniff"},
                          {"Content-Security-Policy", kContentSecurityPolicy}};
      return response;
    }
    throw HttpError(404, "not found: the page is at /, the API under /api/");
  }
  using Handler = ApiResponse (Api::*)(const ApiRequest&);
  struct Endpoint {
    const char* path;
    bool post;
    Handler handler;
  };
  static const Endpoint kEndpoints[] = {
      {"/api/run", false, &Api::run_info},         {"/api/curves", false, &Api::curves},
      {"/api/latents", false, &Api::latents},      {"/api/grid", false, &Api::grid},
      {"/api/images", true, &Api::images},         {"/api/z", true, &Api::z_file},
      {"/api/directions", false, &Api::directions}};
  for (const Endpoint& endpoint : kEndpoints) {
    if (request.path != endpoint.path) continue;
    if (endpoint.post ? request.method != "POST" : !get) {
      ApiResponse response = error_response(
          405, std::string(endpoint.path) + " takes " + (endpoint.post ? "POST" : "GET") + " only");
      response.headers.emplace_back("Allow", endpoint.post ? "POST" : "GET, HEAD");
      return response;
    }
    return (this->*endpoint.handler)(request);
  }
  throw HttpError(404, "no API endpoint " + quoted(request.path) +
                           " (there are /api/run, /api/curves, /api/latents, /api/grid, "
                           "/api/images, /api/z and /api/directions)");
}

Api::Checkpoint Api::checkpoint(const std::string& which) {
  const auto all = run_.checkpoints();
  if (all.empty()) {
    throw HttpError(409,
                    "the run has no checkpoint yet (RUN/checkpoints/ is empty): faces "
                    "appear once training writes its first one");
  }
  if (which.empty() || which == "newest") return {all.rbegin()->first, all.rbegin()->second};
  const int64_t step =
      parse_integer<int64_t>("checkpoint (a step, or newest)", which, 0, INT64_MAX);
  auto found = all.find(step);
  if (found == all.end()) {
    std::string steps;
    for (const auto& entry : all)
      steps += (steps.empty() ? "" : ", ") + std::to_string(entry.first);
    throw HttpError(
        404, "no checkpoint at step " + std::to_string(step) + "; the run has steps " + steps);
  }
  return {found->first, found->second};
}

std::shared_ptr<const gan::LoadedModel> Api::model(const Checkpoint& checkpoint) {
  try {
    return generators_.model(checkpoint.path);
  } catch (const IoError&) {
    if (!fs::exists(checkpoint.path)) {
      throw HttpError(404, "the checkpoint of step " + std::to_string(checkpoint.step) +
                               " is gone (training keeps only the newest --keep)");
    }
    throw;
  }
}

ApiResponse Api::png(const Checkpoint& checkpoint, const gan::LoadedModel& model,
                     const torch::Tensor& z, int pad, int cols) {
  const auto start = std::chrono::steady_clock::now();
  const torch::Tensor images = generators_.generate(model, z);
  const auto generated = std::chrono::steady_clock::now();
  const cv::Mat sheet = vision::make_grid(data::to_mats(images), pad, cols, cv::Scalar::all(32));
  std::vector<unsigned char> bytes;
  if (!cv::imencode(".png", sheet, bytes)) throw Error("PNG encoding failed");
  ApiResponse response;
  response.content_type = "image/png";
  response.body.assign(bytes.begin(), bytes.end());
  // Where the time went, after the total that handle() puts first: G (waiting for the
  // generation lock included), then tiling and PNG encoding.
  const std::string parts = timing("generate", start, generated) + ", " +
                            timing("encode", generated, std::chrono::steady_clock::now());
  response.headers = {{"Cache-Control", "no-store"},
                      {"X-Dcgan-Checkpoint", std::to_string(checkpoint.step)},
                      {"X-Dcgan-Generator", generator_kind(model)},
                      {"Server-Timing", parts}};
  return response;
}

ApiResponse Api::run_info(const ApiRequest& request) {
  Query(request, {});
  return json_response(run_.info(config_.max_images));
}

ApiResponse Api::curves(const ApiRequest& request) {
  const Query query(request, {"points"});
  return json_response(run_.curves(static_cast<int>(query.integer("points", 600, 20, 4000))));
}

ApiResponse Api::latents(const ApiRequest& request) {
  const Query query(request, {"seed", "n", "checkpoint"});
  const uint64_t seed = query.seed();
  const int64_t n = query.integer("n", 64, 1, config_.max_images);
  const Checkpoint at = checkpoint(query.text("checkpoint"));
  const auto loaded = model(at);
  return json_response({{"checkpoint", at.step},
                        {"seed", seed},
                        {"z_dim", loaded->model.z_dim},
                        {"z_dist", loaded->z_dist},
                        {"generator", generator_kind(*loaded)},
                        {"generator", generator_kind(*loaded)},
                        {"z", latents_json(gan::sample_latents(*loaded, n, seed))}});
}

ApiResponse Api::grid(const ApiRequest& request) {
  const Query query(request, {"seed", "n", "checkpoint", "pad", "cols"});
  const uint64_t seed = query.seed();
  const int64_t n = query.integer("n", 64, 1, config_.max_images);
  const int64_t pad = query.integer("pad", 2, 0, kMaxPad);
  const int64_t cols = query.integer("cols", 0, 0, n);
  const Checkpoint at = checkpoint(query.text("checkpoint"));
  const auto loaded = model(at);
  return png(at, *loaded, gan::sample_latents(*loaded, n, seed), static_cast<int>(pad),
             static_cast<int>(cols));
}

ApiResponse Api::images(const ApiRequest& request) {
  Query(request, {});
  const Json body = body_object(request, {"z", "checkpoint", "pad", "cols"});
  const int64_t pad = body_integer(body, "pad", 2, 0, kMaxPad);
  const Checkpoint at = checkpoint(body_checkpoint(body));
  const auto loaded = model(at);
  const torch::Tensor z = body_latents(body, loaded->model.z_dim, config_.max_images);
  const int64_t cols = body_integer(body, "cols", 0, 0, z.size(0));
  return png(at, *loaded, z, static_cast<int>(pad), static_cast<int>(cols));
}

ApiResponse Api::z_file(const ApiRequest& request) {
  Query(request, {});
  const Json body = body_object(request, {"z", "checkpoint"});
  const Checkpoint at = checkpoint(body_checkpoint(body));
  const auto loaded = model(at);
  const torch::Tensor z = body_latents(body, loaded->model.z_dim, config_.max_images);
  const std::string name = "dcgan-z-step-" + std::to_string(at.step) + ".json";
  const std::string relative = relative_checkpoint(at.path);
  ApiResponse response = json_response(
      {{"kind", "dcgan-z"},
       {"checkpoint", relative},
       {"step", at.step},
       {"z_dim", loaded->model.z_dim},
       {"z_dist", loaded->z_dist},
       {"generator", generator_kind(*loaded)},
       {"z", latents_json(z)},
       {"threads", generators_.threads()},
       {"kernel_choices", kernels::kernel_choices_to_json(kernels::kernel_choices())},
       {"command", "dcgan sample --run RUN --checkpoint RUN/" + relative + " --z " + name +
                       " --out-dir faces/   (the same machine and thread count give the same "
                       "pixels)"}});
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
  return response;
}

std::shared_ptr<const LatentDirections> Api::directions_of(const Checkpoint& checkpoint) {
  const auto loaded = model(checkpoint);
  std::lock_guard<std::mutex> lock(directions_mutex_);  // one computation per checkpoint
  auto found = directions_.find(checkpoint.path);
  if (found != directions_.end()) return found->second;
  auto directions = std::make_shared<const LatentDirections>(
      find_directions(*loaded, kMaxDirections, kDirectionSamples, kDirectionSeed,
                      [&](const torch::Tensor& z) { return generators_.generate(*loaded, z); }));
  if (directions_.size() >= static_cast<size_t>(config_.models_loaded) * 2) directions_.clear();
  directions_.emplace(checkpoint.path, directions);
  return directions;
}

ApiResponse Api::directions(const ApiRequest& request) {
  const Query query(request, {"checkpoint", "k"});
  const int64_t k = query.integer("k", 5, 1, kMaxDirections);
  const Checkpoint at = checkpoint(query.text("checkpoint"));
  const auto found = directions_of(at);
  const int64_t count = std::min<int64_t>(k, found->directions.size(0));
  Json sigma = Json::array(), explained = Json::array();
  for (int64_t i = 0; i < count; ++i) {
    sigma.push_back(found->sigma[i]);
    explained.push_back(found->explained[i]);
  }
  return json_response(
      {{"checkpoint", at.step},
       {"method",
        "principal components of " + std::to_string(found->samples) +
            " generated faces (pixels), carried into z by least squares (GANSpace at G's output)"},
       {"samples", found->samples},
       {"directions", latents_json(found->directions.narrow(0, 0, count).contiguous())},
       {"sigma", sigma},
       {"explained", explained}});
}

}  // namespace dcgan::serve
