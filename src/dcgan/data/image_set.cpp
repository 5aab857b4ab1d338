// Image folder -> uint8 tensor, decoded in parallel, cached; see image_set.h.
#include "dcgan/data/image_set.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <thread>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/cpu_count.h"
#include "dcgan/core/error.h"
#include "dcgan/core/interrupt.h"
#include "dcgan/core/json.h"
#include "dcgan/core/log.h"
#include "dcgan/core/progress.h"
#include "dcgan/data/image_tensors.h"
#include "dcgan/vision/image_files.h"
#include "dcgan/vision/image_io.h"

namespace fs = std::filesystem;

namespace dcgan::data {
namespace {

constexpr char kCacheMagic[8] = {'D', 'C', 'G', 'A', 'N', 'D', 'S', '1'};

uint64_t fnv1a(const std::string& text, uint64_t hash = 1469598103934665603ull) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

// The cache key covers the preprocessing and every file's name, size and mtime, so editing,
// adding or removing an image invalidates it.
std::string cache_key(const DataConfig& config, const std::vector<std::string>& files) {
  std::ostringstream text;
  text << "v1|" << config.crop << "|" << config.input_size << "|" << config.output_size << "|"
       << config.channels << "\n";
  for (const auto& f : files) {
    struct stat info {};
    if (::stat(f.c_str(), &info) != 0) info = {};  // vanished: the decode reports it
    text << f << "|" << info.st_size << "|" << info.st_mtim.tv_sec << "." << info.st_mtim.tv_nsec
         << "\n";
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(text.str())));
  return hex;
}

int resolve_threads(int threads) { return threads > 0 ? threads : default_thread_count(); }

// Square centre crop of side min(input_size, h, w) (the recipe's j = round((h - crop) / 2)).
cv::Mat centre_crop(const cv::Mat& image, int input_size) {
  int side = std::min({input_size, image.rows, image.cols});
  int y = static_cast<int>(std::lround((image.rows - side) / 2.0));
  int x = static_cast<int>(std::lround((image.cols - side) / 2.0));
  return image(cv::Rect(x, y, side, side));
}

void write_cache(const std::string& path, const ImageSet& set) {
  const auto& images = set.images;
  std::string bytes(kCacheMagic, sizeof kCacheMagic);
  int64_t header[4] = {images.size(0), images.size(1), images.size(2), images.size(3)};
  bytes.append(reinterpret_cast<const char*>(header), sizeof header);
  bytes.append(reinterpret_cast<const char*>(images.data_ptr<uint8_t>()), images.numel());
  atomic_write(path, bytes);
  Json meta = {{"files", set.files}, {"skipped", Json::array()}};
  for (const auto& [file, reason] : set.skipped) meta["skipped"].push_back({file, reason});
  write_json_file(path + ".json", meta);
}

// True when dims[0] * ... * dims[3] == payload, all dims positive, checked by division so
// that forged dimensions whose product wraps around 2^64 cannot match.
bool dims_fill_exactly(const int64_t (&dims)[4], uint64_t payload) {
  for (int64_t dim : dims) {
    if (dim <= 0 || payload % static_cast<uint64_t>(dim) != 0) return false;
    payload /= static_cast<uint64_t>(dim);
  }
  return payload == 1;
}

// The cache's images as a tensor over a private (copy-on-write) mapping of the file: the
// kernel maps the page cache in directly instead of faulting in and zeroing fresh memory and
// copying into it, which took most of a reload. Empty when the file is not a valid cache.
torch::Tensor map_cached_images(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct stat info {};
  char magic[8];
  int64_t header[4];
  constexpr size_t kHeaderBytes = sizeof magic + sizeof header;
  bool ok = ::fstat(fd, &info) == 0 && ::pread(fd, magic, sizeof magic, 0) == sizeof magic &&
            std::equal(magic, magic + 8, kCacheMagic) &&
            ::pread(fd, header, sizeof header, sizeof magic) == sizeof header &&
            static_cast<uint64_t>(info.st_size) > kHeaderBytes &&
            dims_fill_exactly(header, static_cast<uint64_t>(info.st_size) - kHeaderBytes);
  void* mapping =
      ok ? ::mmap(nullptr, info.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE, fd, 0)
         : MAP_FAILED;
  ::close(fd);
  if (mapping == MAP_FAILED) return {};
  const size_t length = info.st_size;
  return torch::from_blob(
      static_cast<char*>(mapping) + kHeaderBytes, {header[0], header[1], header[2], header[3]},
      [mapping, length](void*) { ::munmap(mapping, length); }, torch::kUInt8);
}

bool read_cache(const std::string& path, ImageSet& set) {
  if (!fs::exists(path) || !fs::exists(path + ".json")) return false;
  set.images = map_cached_images(path);
  if (!set.images.defined()) return false;
  Json meta = read_json_file(path + ".json");
  set.files = meta["files"].get<std::vector<std::string>>();
  for (const auto& s : meta["skipped"]) set.skipped.emplace_back(s[0], s[1]);
  return static_cast<int64_t>(set.files.size()) == set.images.size(0);
}

}  // namespace

void DataConfig::validate() const {
  require(!dir.empty(), "--data is required: the folder of training images");
  require(output_size >= 8 && output_size <= 1024, "--output-size must be between 8 and 1024");
  require(input_size >= 0, "--input-size must be positive");
  require(channels == "auto" || channels == "1" || channels == "3",
          "--channels must be auto, 1 or 3 (got '" + channels + "')");
  require(limit >= 0, "--limit must be 0 (all) or positive");
}

std::string DataConfig::to_string() const {
  std::ostringstream out;
  out << "DataConfig(dir=" << dir << ", pattern=" << pattern << ", recursive=" << recursive
      << ", crop=" << crop << ", input_size=" << input_size << ", output_size=" << output_size
      << ", channels=" << channels << ", limit=" << limit << ")";
  return out.str();
}

std::vector<std::string> list_image_files(const DataConfig& config) {
  if (!fs::is_directory(config.dir)) {
    throw IoError("--data " + config.dir + " is not a folder (give the folder of training images)");
  }
  std::vector<std::string> files;
  auto consider = [&](const fs::directory_entry& entry) {
    if (!entry.is_regular_file()) return;
    std::string name = entry.path().filename().string();
    if (vision::has_image_extension(name) &&
        fnmatch(config.pattern.c_str(), name.c_str(), 0) == 0) {
      files.push_back(entry.path().string());
    }
  };
  std::error_code ec;
  if (config.recursive) {
    for (const auto& e : fs::recursive_directory_iterator(config.dir, ec)) consider(e);
  } else {
    for (const auto& e : fs::directory_iterator(config.dir, ec)) consider(e);
  }
  if (ec) throw IoError("cannot list " + config.dir + ": " + ec.message());
  if (files.empty()) {
    throw DataError("no images matching '" + config.pattern + "' in " + config.dir +
                    (config.recursive ? " (searched recursively)" : "") +
                    " (image extensions: .jpg .jpeg .png .webp .bmp; check --data and --pattern)");
  }
  std::sort(files.begin(), files.end());
  if (config.limit > 0 && static_cast<int64_t>(files.size()) > config.limit)
    files.resize(config.limit);
  return files;
}

torch::Tensor load_training_image(const std::string& path, const DataConfig& config,
                                  bool* is_gray) {
  // Guarded like crop and prepare's inputs: a decompression bomb or a file of an unchecked
  // format is skipped, not decoded.
  cv::Mat image =
      vision::load_input_image(path, vision::kDefaultMaxPixels, vision::ReadMode::kUnchanged);
  if (is_gray != nullptr) *is_gray = image.channels() == 1;
  image = vision::drop_alpha_on_white(image);
  if (image.channels() == 1) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
  if (config.crop)
    image = centre_crop(image, config.input_size > 0 ? config.input_size : config.output_size);
  const int s = config.output_size;
  if (image.rows != s || image.cols != s) {
    // Area averaging when shrinking avoids aliasing; bilinear when enlarging.
    int interpolation = (image.rows > s && image.cols > s) ? cv::INTER_AREA : cv::INTER_LINEAR;
    cv::resize(image, image, cv::Size(s, s), 0, 0, interpolation);
  }
  // Into a new image: without a resize `image` is still the crop, a view whose rows are
  // strided by the decoded image's width.
  cv::Mat rgb;
  cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB);
  return hwc_mat_to_chw(rgb);
}

ImageSet load_image_set(const DataConfig& config) {
  config.validate();
  std::vector<std::string> files = list_image_files(config);
  ImageSet set;
  if (!config.cache_dir.empty()) {
    set.cache_path =
        (fs::path(config.cache_dir) / ("dataset-" + cache_key(config, files) + ".u8")).string();
    if (read_cache(set.cache_path, set)) {
      set.from_cache = true;
      DCGAN_INFO("loaded " << set.size() << " images from the cache " << set.cache_path);
      return set;
    }
    set.files.clear();
    set.skipped.clear();
  }

  const int64_t n = static_cast<int64_t>(files.size());
  const int s = config.output_size;
  auto all = torch::empty({n, 3, s, s}, torch::kUInt8);
  std::vector<char> ok(n, 0), gray(n, 0);
  std::vector<std::string> errors(n);
  std::atomic<int64_t> next{0}, done{0};
  ProgressBar progress("decoding " + config.dir, n, "img");
  // Ctrl-C stops every thread at its next file; nothing is cached or returned then.
  auto work = [&](bool report) {
    for (int64_t i = next++; i < n && !interrupt_requested(); i = next++) {
      try {
        bool is_gray = false;
        all[i].copy_(load_training_image(files[i], config, &is_gray));
        gray[i] = is_gray;
        ok[i] = 1;
      } catch (const Error& e) {
        errors[i] = e.what();
      } catch (const std::exception& e) {  // OpenCV's own exceptions on exotic files
        errors[i] = files[i] + ": " + e.what();
      }
      int64_t d = ++done;
      if (report) progress.update(d);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < resolve_threads(config.threads); ++t) pool.emplace_back(work, false);
  work(true);
  for (auto& t : pool) t.join();
  progress.finish();
  if (done < n) {
    throw Interrupted("interrupted while decoding " + config.dir + " (" + std::to_string(done) +
                      " of " + std::to_string(n) + " images); nothing was written");
  }

  std::vector<int64_t> keep;
  bool all_gray = true;
  for (int64_t i = 0; i < n; ++i) {
    if (ok[i]) {
      keep.push_back(i);
      set.files.push_back(files[i]);
      all_gray = all_gray && gray[i];
    } else {
      set.skipped.emplace_back(files[i], errors[i]);
    }
  }
  if (keep.empty()) {
    throw DataError("none of the " + std::to_string(n) + " images in " + config.dir +
                    " could be decoded (first error: " + errors[0] + ")");
  }
  for (const auto& [file, reason] : set.skipped) DCGAN_WARN("skipped " << reason);
  set.images =
      keep.size() == static_cast<size_t>(n) ? all : all.index_select(0, torch::tensor(keep));
  const bool one_channel = config.channels == "1" || (config.channels == "auto" && all_gray);
  if (one_channel && all_gray) {
    set.images = set.images.narrow(1, 0, 1).contiguous();  // the three channels are equal
  } else if (one_channel) {                                // --channels 1 on colour images
    auto rgb = set.images.to(torch::kFloat32);
    auto luma = rgb.select(1, 0) * 0.299 + rgb.select(1, 1) * 0.587 + rgb.select(1, 2) * 0.114;
    set.images = luma.round().clamp(0, 255).to(torch::kUInt8).unsqueeze(1).contiguous();
  }
  if (!set.cache_path.empty()) {
    ensure_dir(config.cache_dir);
    write_cache(set.cache_path, set);
  }
  return set;
}

}  // namespace dcgan::data
