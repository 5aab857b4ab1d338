// TFRecord framing: CRC-32C against published check values, masking per TensorFlow's
// definition, the byte layout of a frame, and a reader that rejects corruption but tolerates a
// record cut short at the end (a writer still running).
#include <gtest/gtest.h>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/report/tf_record.h"
#include "support/test_support.h"

using namespace dcgan::report;

TEST(TfRecord, Crc32cMatchesPublishedCheckValues) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);              // the CRC catalogue's check
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);    // RFC 3720 B.4
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);  // RFC 3720 B.4
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(TfRecord, MaskRotatesAndAddsTheDelta) {
  const uint32_t crc = crc32c("123456789");
  EXPECT_EQ(masked_crc32c("123456789"), ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}

TEST(TfRecord, FrameLayout) {
  const std::string frame = frame_tf_record("hello");
  ASSERT_EQ(frame.size(), 8u + 4 + 5 + 4);
  EXPECT_EQ(frame.substr(0, 8), std::string("\x05\0\0\0\0\0\0\0", 8));
  auto u32_at = [&](size_t pos) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(frame[pos + i])) << (8 * i);
    return v;
  };
  EXPECT_EQ(u32_at(8), masked_crc32c(frame.substr(0, 8)));
  EXPECT_EQ(frame.substr(12, 5), "hello");
  EXPECT_EQ(u32_at(17), masked_crc32c("hello"));
}

TEST(TfRecord, ReadsBackAndRejectsCorruption) {
  dcgan::testing::TempDir dir;
  const std::string path = dir / "records";
  const std::vector<std::string> data = {"", "a", std::string(1000, 'x'), std::string("\0\1\2", 3)};
  std::string file;
  for (const auto& d : data) file += frame_tf_record(d);
  dcgan::atomic_write(path, file);
  EXPECT_EQ(read_tf_records(path), data);

  // A record cut short at the end is ignored (the writer may be mid-write).
  dcgan::atomic_write(path, file + frame_tf_record("partial").substr(0, 15));
  EXPECT_EQ(read_tf_records(path), data);

  std::string bad_data = file;
  const size_t third = frame_tf_record("").size() + frame_tf_record("a").size();
  bad_data[third + 12 + 500] ^= 1;  // a byte inside the 1000-byte record
  dcgan::atomic_write(path, bad_data);
  EXPECT_THROW(read_tf_records(path), dcgan::DataError);

  std::string bad_length = file;
  bad_length[0] ^= 1;
  dcgan::atomic_write(path, bad_length);
  EXPECT_THROW(read_tf_records(path), dcgan::DataError);
}
