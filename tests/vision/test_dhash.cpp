// dHash: bit layout, Hamming distance, --dedupe parsing, and on real face crops: re-encodes
// and small brightness changes stay close, different faces stay far apart.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "dcgan/core/error.h"
#include "dcgan/vision/dhash.h"
#include "dcgan/vision/image_io.h"
#include "support/test_support.h"

using namespace dcgan::vision;

TEST(Dhash, BitsFollowHorizontalGradients) {
  cv::Mat falling(8, 9, CV_8UC1);  // every pixel brighter than its right neighbour
  for (int x = 0; x < 9; ++x) falling.col(x).setTo(250 - 25 * x);
  EXPECT_EQ(dhash(falling), ~uint64_t{0});
  cv::Mat rising;
  cv::flip(falling, rising, 1);
  EXPECT_EQ(dhash(rising), 0u);
  cv::Mat color;
  cv::cvtColor(falling, color, cv::COLOR_GRAY2BGR);
  EXPECT_EQ(dhash(color), dhash(falling));
}

TEST(Dhash, HammingAndHex) {
  EXPECT_EQ(hamming_distance(0, 0), 0);
  EXPECT_EQ(hamming_distance(0xFF, 0x0F), 4);
  EXPECT_EQ(hamming_distance(0, ~uint64_t{0}), 64);
  EXPECT_EQ(hash_to_hex(0xABCDEF0123456789ull), "abcdef0123456789");
  EXPECT_EQ(hash_from_hex("abcdef0123456789"), 0xABCDEF0123456789ull);
  EXPECT_THROW(hash_from_hex("xyz"), dcgan::DataError);
}

TEST(Dhash, DedupeSpecParsing) {
  EXPECT_FALSE(parse_dedupe_spec("off", "--dedupe"));
  EXPECT_EQ(parse_dedupe_spec("dhash:0", "--dedupe"), 0);
  EXPECT_EQ(parse_dedupe_spec("dhash:12", "--dedupe"), 12);
  for (const char* bad : {"dhash", "dhash:", "dhash:-1", "dhash:65", "phash:2", "dhash:1x"}) {
    try {
      parse_dedupe_spec(bad, "--dedupe");
      FAIL() << bad;
    } catch (const dcgan::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("--dedupe"), std::string::npos);
    }
  }
}

TEST(Dhash, IndexFindsWithinDistanceOnly) {
  DedupeIndex index(2);
  index.add(0b0000, "a");
  EXPECT_EQ(index.find(0b0011), "a");
  EXPECT_FALSE(index.find(0b0111));
  DedupeIndex exact(0);
  exact.add(42, "x");
  EXPECT_EQ(exact.find(42), "x");
  EXPECT_FALSE(exact.find(43));
}

TEST(Dhash, RealFacesReencodedStayCloseDifferentFacesFar) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(shared + "/data/anime-faces")) {
    if (e.path().extension() == ".jpg") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  files.resize(100);
  std::vector<uint64_t> hashes;
  for (const auto& f : files) {
    const cv::Mat face = read_image(f);
    hashes.push_back(dhash(face));
    std::vector<unsigned char> jpeg;
    cv::imencode(".jpg", face, jpeg, {cv::IMWRITE_JPEG_QUALITY, 60});
    EXPECT_LE(hamming_distance(hashes.back(), dhash(decode_image(jpeg, f))), 4) << f;
    cv::Mat brighter;
    face.convertTo(brighter, -1, 1.0, 8);
    EXPECT_LE(hamming_distance(hashes.back(), dhash(brighter)), 4) << f;
  }
  int far = 0, pairs = 0;
  for (size_t i = 0; i < hashes.size(); ++i) {
    for (size_t j = i + 1; j < hashes.size(); ++j, ++pairs)
      far += hamming_distance(hashes[i], hashes[j]) > 4;
  }
  EXPECT_GE(far, pairs * 99 / 100);
}
