// The data set loader on real files: glob matching, grayscale and alpha handling, centre
// crop, unreadable files skipped and listed, the cache reused and invalidated, clear errors.
#include "dcgan/data/image_set.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/interrupt.h"
#include "dcgan/vision/image_files.h"
#include "dcgan/vision/image_io.h"
#include "support/test_support.h"

using namespace dcgan::data;
using dcgan::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void write_colour(const std::string& path, int size, cv::Scalar bgr) {
  dcgan::vision::write_image(path, cv::Mat(size, size, CV_8UC3, bgr));
}

TEST(Dataset, LoadsMatchingImagesAsRgbUint8) {
  TempDir tmp;
  write_colour(tmp / "a.png", 20, {255, 0, 0});  // blue in BGR
  write_colour(tmp / "b.png", 30, {0, 0, 255});  // red
  write_colour(tmp / "c.jpg", 30, {0, 255, 0});
  std::ofstream(tmp / "notes.txt") << "not an image";
  DataConfig config;
  config.dir = tmp.path();
  config.pattern = "*.png";
  config.output_size = 16;
  ImageSet set = load_image_set(config);
  ASSERT_EQ(set.size(), 2);
  EXPECT_EQ(set.images.sizes(), (std::vector<int64_t>{2, 3, 16, 16}));
  EXPECT_EQ(set.images.dtype(), torch::kUInt8);
  // a.png is blue: RGB channel 2 is 255.
  EXPECT_EQ(set.images[0][2][5][5].item<int>(), 255);
  EXPECT_EQ(set.images[0][0][5][5].item<int>(), 0);
  EXPECT_EQ(set.images[1][0][5][5].item<int>(), 255);
}

TEST(Dataset, EmptyMatchNamesFolderAndPattern) {
  TempDir tmp;
  write_colour(tmp / "a.png", 8, {1, 2, 3});
  DataConfig config;
  config.dir = tmp.path();
  config.pattern = "*.jpg";
  try {
    load_image_set(config);
    FAIL();
  } catch (const dcgan::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("*.jpg"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(tmp.path()), std::string::npos) << e.what();
  }
  config.dir = tmp / "missing";
  EXPECT_THROW(load_image_set(config), dcgan::IoError);
}

TEST(Dataset, UnreadableFilesAreSkippedAndListed) {
  TempDir tmp;
  write_colour(tmp / "good1.jpg", 16, {10, 20, 30});
  write_colour(tmp / "good2.jpg", 16, {10, 20, 30});
  std::ofstream(tmp / "empty.jpg").close();
  std::ofstream(tmp / "html.jpg") << "<html>503</html>";
  std::string jpeg = dcgan::read_file(tmp / "good1.jpg");
  std::ofstream(tmp / "truncated.jpg", std::ios::binary) << jpeg.substr(0, jpeg.size() / 3);
  DataConfig config;
  config.dir = tmp.path();
  config.output_size = 16;
  ImageSet set = load_image_set(config);
  // A truncated JPEG may still decode partially (libjpeg pads it); the empty and HTML ones never do.
  EXPECT_GE(set.size(), 2);
  std::vector<std::string> skipped;
  for (const auto& [file, reason] : set.skipped) skipped.push_back(fs::path(file).filename());
  EXPECT_NE(std::find(skipped.begin(), skipped.end(), "empty.jpg"), skipped.end());
  EXPECT_NE(std::find(skipped.begin(), skipped.end(), "html.jpg"), skipped.end());
  EXPECT_EQ(set.size() + static_cast<int64_t>(set.skipped.size()), 5);
}

TEST(Dataset, GrayscaleGivesOneChannelAndAlphaIsDropped) {
  TempDir tmp;
  dcgan::vision::write_image(tmp / "g1.png", cv::Mat(12, 12, CV_8UC1, cv::Scalar(100)));
  dcgan::vision::write_image(tmp / "g2.png", cv::Mat(12, 12, CV_8UC1, cv::Scalar(50)));
  DataConfig config;
  config.dir = tmp.path();
  config.output_size = 12;
  ImageSet gray = load_image_set(config);
  EXPECT_EQ(gray.channels(), 1);
  EXPECT_EQ(gray.images[0][0][3][3].item<int>(), 100);
  // One colour image with alpha among them makes the set colour; transparent -> white.
  dcgan::vision::write_image(tmp / "rgba.png", cv::Mat(12, 12, CV_8UC4, cv::Scalar(0, 0, 0, 0)));
  ImageSet colour = load_image_set(config);
  EXPECT_EQ(colour.channels(), 3);
  EXPECT_EQ(colour.images[2][1][3][3].item<int>(), 255);
}

TEST(Dataset, CentreCropThenResize) {
  TempDir tmp;
  // 40x40 image: a 20x20 white centre on black. Cropping 20 keeps only white.
  cv::Mat img(40, 40, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(10, 10, 20, 20)).setTo(cv::Scalar(255, 255, 255));
  dcgan::vision::write_image(tmp / "x.png", img);
  DataConfig config;
  config.dir = tmp.path();
  config.crop = true;
  config.input_size = 20;
  config.output_size = 10;
  ImageSet set = load_image_set(config);
  EXPECT_EQ(set.images.min().item<int>(), 255);
  config.crop = false;  // the whole image resized keeps the black border
  EXPECT_EQ(load_image_set(config).images.min().item<int>(), 0);
}

// The recipe's default: the crop side equals the output size, so no resize follows the crop
// and the pixels must be read through the crop's row step (a view into the wider image).
TEST(Dataset, CentreCropWithoutResizeKeepsEveryPixel) {
  TempDir tmp;
  cv::Mat img(30, 41, CV_8UC3);
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(256));
  dcgan::vision::write_image(tmp / "x.png", img);
  DataConfig config;
  config.dir = tmp.path();
  config.crop = true;
  config.output_size = 16;  // --input-size defaults to it
  for (int input_size : {0, 16}) {
    config.input_size = input_size;
    ImageSet set = load_image_set(config);
    ASSERT_EQ(set.images.sizes(), (std::vector<int64_t>{1, 3, 16, 16}));
    const int y0 = 7, x0 = 13;  // round((30 - 16) / 2), round((41 - 16) / 2)
    for (int y = 0; y < 16; ++y) {
      for (int x = 0; x < 16; ++x) {
        const cv::Vec3b bgr = img.at<cv::Vec3b>(y0 + y, x0 + x);
        for (int c = 0; c < 3; ++c) {
          ASSERT_EQ(set.images[0][c][y][x].item<int>(), bgr[2 - c])
              << "pixel (" << y << ", " << x << ") channel " << c;
        }
      }
    }
  }
}

TEST(Dataset, CacheIsReusedAndInvalidatedByFileChanges) {
  TempDir tmp, cache;
  for (int i = 0; i < 5; ++i) write_colour(tmp / ("f" + std::to_string(i) + ".png"), 16, {double(i * 40), 0, 0});
  DataConfig config;
  config.dir = tmp.path();
  config.output_size = 8;
  config.cache_dir = cache.path();
  ImageSet first = load_image_set(config);
  EXPECT_FALSE(first.from_cache);
  ImageSet second = load_image_set(config);
  EXPECT_TRUE(second.from_cache);
  EXPECT_TRUE(torch::equal(first.images, second.images));
  EXPECT_EQ(first.files, second.files);
  write_colour(tmp / "f5.png", 16, {0, 0, 0});
  ImageSet third = load_image_set(config);
  EXPECT_FALSE(third.from_cache);
  EXPECT_EQ(third.size(), 6);
}

TEST(Dataset, DecodingIsGuardedLikeCropAndPrepare) {
  // A file whose header declares more pixels than the default limit is refused before it is
  // decoded, and a file whose header gives no size (here a PGM named .png, which OpenCV would
  // decode by its content) is not decoded at all.
  TempDir tmp;
  auto be32 = [](uint32_t v) {
    return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  };
  dcgan::atomic_write(tmp / "bomb.png", std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" +
                                            be32(20000) + be32(20000) +
                                            std::string("\x08\x02\x00\x00\x00", 5) + be32(0));
  dcgan::atomic_write(tmp / "netpbm.png", std::string("P5\n4 4\n255\n") + std::string(16, 'x'));
  write_colour(tmp / "good.png", 12, {0, 0, 255});
  DataConfig config;
  config.dir = tmp.path();
  config.output_size = 8;
  EXPECT_THROW(load_training_image(tmp / "bomb.png", config), dcgan::vision::ImageRefused);
  EXPECT_THROW(load_training_image(tmp / "netpbm.png", config), dcgan::DataError);
  const ImageSet set = load_image_set(config);
  EXPECT_EQ(set.size(), 1);
  ASSERT_EQ(set.skipped.size(), 2u);
}

TEST(Dataset, CacheWithAnOverflowingHeaderIsRebuilt) {
  // A cache header whose dimensions multiply past 2^64 to the file's actual payload size
  // (0) must not be taken for a valid cache.
  TempDir tmp, cache;
  write_colour(tmp / "a.png", 16, {0, 255, 0});
  DataConfig config;
  config.dir = tmp.path();
  config.output_size = 8;
  config.cache_dir = cache.path();
  const ImageSet first = load_image_set(config);
  ASSERT_FALSE(first.cache_path.empty());
  std::string forged = "DCGANDS1";
  const int64_t header[4] = {1, int64_t(1) << 32, int64_t(1) << 32, 1};
  forged.append(reinterpret_cast<const char*>(header), sizeof header);
  dcgan::atomic_write(first.cache_path, forged);
  const ImageSet second = load_image_set(config);
  EXPECT_FALSE(second.from_cache);
  EXPECT_EQ(second.images.sizes(), (std::vector<int64_t>{1, 3, 8, 8}));
  EXPECT_TRUE(torch::equal(first.images, second.images));
}

}  // namespace

namespace {

// Ctrl-C while a large folder decodes stops at the next file instead of after every image and
// the first training step; nothing is cached.
TEST(Dataset, InterruptStopsDecodingAndCachesNothing) {
  TempDir tmp, cache;
  for (int i = 0; i < 5; ++i) write_colour(tmp / ("f" + std::to_string(i) + ".png"), 16, {1, 2, 3});
  DataConfig config;
  config.dir = tmp.path();
  config.output_size = 8;
  config.cache_dir = cache.path();
  dcgan::request_interrupt();
  EXPECT_THROW(load_image_set(config), dcgan::Interrupted);
  dcgan::clear_interrupt();
  EXPECT_TRUE(fs::is_empty(cache.path()));
  EXPECT_EQ(load_image_set(config).size(), 5);
}

}  // namespace
