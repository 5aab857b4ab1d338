// Input listing and defensive reading; see image_files.h.
#include "dcgan/vision/image_files.h"

#include <algorithm>
#include <filesystem>

#include "dcgan/core/atomic_file.h"
#include "dcgan/vision/image_header.h"
#include "dcgan/vision/image_io.h"

namespace fs = std::filesystem;

namespace dcgan::vision {

std::vector<std::string> list_image_files(const std::string& dir, const std::string& exclude) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw IoError("input folder " + dir + " does not exist or is not a folder");
  }
  const fs::path root = fs::canonical(dir);
  const fs::path skip = exclude.empty() ? fs::path() : fs::weakly_canonical(exclude);
  std::vector<std::string> files;
  auto it =
      fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink, ec);
  if (ec) throw IoError("cannot list " + dir + ": " + ec.message());
  for (auto end = fs::recursive_directory_iterator(); it != end; it.increment(ec)) {
    if (ec) throw IoError("cannot list " + dir + ": " + ec.message());
    if (!skip.empty() && it->is_directory() && fs::weakly_canonical(it->path()) == skip) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && has_image_extension(it->path().string())) {
      files.push_back(it->path().lexically_relative(root).generic_string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

cv::Mat load_input_image(const std::string& path, int64_t max_pixels, ReadMode mode) {
  const std::string bytes = read_file(path);
  if (bytes.empty()) throw DataError(path + " is empty (0 bytes)");
  const auto size = peek_image_size(bytes);
  if (!size) {
    // The decoder would still take other formats by their content (TIFF, PPM, ...), with no
    // size check before it allocates.
    throw DataError(path +
                    " has no readable JPEG, PNG, BMP or WebP header giving its size; "
                    "not decoded");
  }
  // Each side is below 2^32, so the product fits in 64 unsigned bits.
  const uint64_t pixels = static_cast<uint64_t>(size->width) * static_cast<uint64_t>(size->height);
  if (max_pixels < 0 || pixels > static_cast<uint64_t>(max_pixels)) {
    throw ImageRefused(path + " declares " + std::to_string(size->width) + "x" +
                       std::to_string(size->height) + " = " + std::to_string(pixels) +
                       " pixels, over the limit of " + std::to_string(max_pixels) +
                       " (a possible decompression bomb); crop and prepare accept it with a "
                       "higher --max-pixels");
  }
  if (is_truncated_jpeg(bytes)) {
    throw DataError(path + " is a truncated JPEG (no end-of-image marker); re-download it");
  }
  return decode_image(std::vector<unsigned char>(bytes.begin(), bytes.end()), path, mode);
}

}  // namespace dcgan::vision
