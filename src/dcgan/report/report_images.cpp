// Image embedding for the report; see report_images.h.
#include "dcgan/report/report_images.h"

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/report/html_util.h"
#include "dcgan/vision/image_io.h"

namespace dcgan::report {
namespace {

constexpr int kSliderMaxSide = 640;
constexpr int kSliderJpegQuality = 85;
constexpr size_t kFinalMaxFileBytes = 2'000'000;  // larger PNG grids are re-encoded as JPEG
constexpr double kGifShare = 0.4;

int64_t base64_size(size_t bytes) { return int64_t((bytes + 2) / 3 * 4); }

std::string jpeg_bytes(const cv::Mat& image, int max_side, int quality) {
  cv::Mat scaled = image;
  const int side = std::max(image.cols, image.rows);
  if (side > max_side) {
    const double f = double(max_side) / side;
    cv::resize(image, scaled, cv::Size(), f, f, cv::INTER_AREA);
  }
  std::vector<unsigned char> jpeg;
  cv::imencode(".jpg", scaled, jpeg, {cv::IMWRITE_JPEG_QUALITY, quality});
  return std::string(jpeg.begin(), jpeg.end());
}

// Reads a grid; an empty Mat (and a warning) when it cannot be decoded.
cv::Mat read_grid(const SampleGrid& grid) {
  try {
    return vision::read_image(grid.path);
  } catch (const Error& e) {  // undecodable, or removed since it was listed
    DCGAN_WARN("report: skipping the grid " << grid.path << ": " << e.what());
    return {};
  }
}

LabelledImage final_image(const RunData& run) {
  for (auto it = run.grids.rbegin(); it != run.grids.rend(); ++it) {
    const cv::Mat image = read_grid(*it);
    if (image.empty()) continue;
    std::string bytes = read_file(it->path);
    std::string mime = "image/png";
    if (bytes.size() > kFinalMaxFileBytes) {
      bytes = jpeg_bytes(image, 4096, 92);
      mime = "image/jpeg";
    }
    return {it->label, data_uri(mime, bytes), image.cols, image.rows};
  }
  return {};
}

}  // namespace

int64_t ReportImages::bytes() const {
  int64_t total = final_grid.uri.size() + gif_uri.size();
  for (const auto& image : slider) total += image.uri.size();
  return total;
}

ReportImages embed_images(const RunData& run, int max_grids, int64_t budget) {
  ReportImages images;
  images.grids_on_disk = run.grids.size();
  images.final_grid = final_image(run);
  int64_t left = budget - int64_t(images.final_grid.uri.size());

  const std::string gif_path = run.run_dir + "/progress.gif";
  images.gif_exists = std::filesystem::exists(gif_path);
  if (images.gif_exists) {
    const auto gif_size = std::filesystem::file_size(gif_path);
    if (base64_size(gif_size) <= kGifShare * left) {
      images.gif_uri = data_uri("image/gif", read_file(gif_path));
      left -= int64_t(images.gif_uri.size());
    }
  }

  struct Encoded {
    std::string label, jpeg;
    int width, height;
  };
  std::vector<Encoded> candidates;
  for (size_t i : evenly_spaced(run.grids.size(), max_grids)) {
    const cv::Mat image = read_grid(run.grids[i]);
    if (image.empty()) continue;
    std::string jpeg = jpeg_bytes(image, kSliderMaxSide, kSliderJpegQuality);
    candidates.push_back({run.grids[i].label, std::move(jpeg), image.cols, image.rows});
  }
  // Fewer grids, still evenly spaced, until the slider fits what is left.
  for (size_t count = candidates.size(); count > 0; --count) {
    const std::vector<size_t> picked = evenly_spaced(candidates.size(), count);
    int64_t size = 0;
    for (size_t i : picked) size += base64_size(candidates[i].jpeg.size()) + 32;
    if (size > left && count > 1) continue;
    if (size > left) break;  // not even one grid fits
    for (size_t i : picked) {
      const Encoded& c = candidates[i];
      images.slider.push_back({c.label, data_uri("image/jpeg", c.jpeg), c.width, c.height});
    }
    break;
  }
  return images;
}

}  // namespace dcgan::report
