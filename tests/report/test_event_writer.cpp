// TensorBoard event files: the file name, the TFRecord framing and its CRCs (read back with
// read_tf_records), and every protobuf field decoded by a wire-format parser written from the
// protobuf encoding rules (proto_wire.h), compared with what was written.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <regex>

#include "dcgan/core/error.h"
#include "dcgan/report/event_writer.h"
#include "dcgan/report/tf_record.h"
#include "proto_wire.h"
#include "support/test_support.h"

using namespace dcgan::report;
namespace fs = std::filesystem;

namespace {

using dcgan::testing::proto::Field;
using dcgan::testing::proto::parse_message;

const Field& only(const std::vector<Field>& fields, int number, int wire) {
  const Field* found = nullptr;
  for (const auto& f : fields) {
    if (f.number != number) continue;
    EXPECT_EQ(f.wire, wire) << "field " << number;
    EXPECT_EQ(found, nullptr) << "field " << number << " repeated";
    found = &f;
  }
  if (found == nullptr) throw std::runtime_error("missing field " + std::to_string(number));
  return *found;
}

double as_double(uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, 8);
  return v;
}

float as_float(uint64_t bits) {
  const uint32_t b32 = static_cast<uint32_t>(bits);
  float v;
  std::memcpy(&v, &b32, 4);
  return v;
}

std::string event_file_in(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().string());
  EXPECT_EQ(files.size(), 1u);
  return files.at(0);
}

}  // namespace

// A length-delimited field whose length (2^64 - 1) runs past the end is refused. It was checked
// as pos + n > size, which wrapped around: the reader stepped back a byte and read on, here to
// a bogus field instead of an error.
TEST(EventWriter, WireReaderRefusesALengthPastTheEnd) {
  std::string msg = "\x0a";  // field 1, length-delimited
  msg += std::string(9, '\xff') + "\x01";  // varint 2^64 - 1
  msg += std::string(8, '\0');              // what the wrapped reader took as a fixed64
  EXPECT_THROW(parse_message(msg), std::runtime_error);
}

TEST(EventWriter, NamesTheFileLikeTensorFlow) {
  dcgan::testing::TempDir dir;
  EventWriter writer(dir.path());
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::string name = fs::path(writer.path()).filename().string();
  EXPECT_TRUE(std::regex_match(name, std::regex("events\\.out\\.tfevents\\.[0-9]{10}\\..+")))
      << name;
  EXPECT_NE(name.find(host), std::string::npos) << name;
  EXPECT_EQ(event_file_in(dir.path()), writer.path());
  // A second writer (a quick resume) gets its own file.
  EventWriter second(dir.path());
  EXPECT_NE(second.path(), writer.path());
}

TEST(EventWriter, ScalarsAndImagesDecodeToWhatWasWritten) {
  dcgan::testing::TempDir dir;
  cv::Mat grid(6, 10, CV_8UC3);
  for (int y = 0; y < 6; ++y) {
    for (int x = 0; x < 10; ++x) grid.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 20, y * 40, 7);
  }
  {
    EventWriter writer(dir.path());
    writer.add_scalar("loss_g", 1, 1.25, 1700000001.5);
    writer.add_scalars(2, {{"loss_d_real", 0.5}, {"d_fake", -3.0e-7}}, 1700000002.25);
    writer.add_image("samples", 3, grid, 1700000003.0);
    writer.add_scalar("big_step", int64_t(1) << 40, 7.0);
  }
  const std::vector<std::string> events = read_tf_records(event_file_in(dir.path()));
  ASSERT_EQ(events.size(), 5u);

  auto first = parse_message(events[0]);
  EXPECT_EQ(only(first, 3, 2).bytes, "brain.Event:2");
  EXPECT_GT(as_double(only(first, 1, 1).integer), 1.6e9);

  // {event index, step, wall time, {tag, value}...}
  struct ScalarEvent {
    size_t index;
    int64_t step;
    double wall_time;
    std::vector<std::pair<std::string, float>> values;
  };
  for (const ScalarEvent& want :
       {ScalarEvent{1, 1, 1700000001.5, {{"loss_g", 1.25f}}},
        ScalarEvent{2, 2, 1700000002.25, {{"loss_d_real", 0.5f}, {"d_fake", -3.0e-7f}}}}) {
    auto event = parse_message(events[want.index]);
    EXPECT_EQ(as_double(only(event, 1, 1).integer), want.wall_time);
    EXPECT_EQ(int64_t(only(event, 2, 0).integer), want.step);
    auto summary = parse_message(only(event, 5, 2).bytes);
    ASSERT_EQ(summary.size(), want.values.size());
    for (size_t k = 0; k < summary.size(); ++k) {
      EXPECT_EQ(summary[k].number, 1);
      auto value = parse_message(summary[k].bytes);
      EXPECT_EQ(only(value, 1, 2).bytes, want.values[k].first);
      EXPECT_EQ(as_float(only(value, 2, 5).integer), want.values[k].second);
    }
  }

  auto image_event = parse_message(events[3]);
  EXPECT_EQ(only(image_event, 2, 0).integer, 3u);
  auto image_value = parse_message(parse_message(only(image_event, 5, 2).bytes).at(0).bytes);
  EXPECT_EQ(only(image_value, 1, 2).bytes, "samples");
  auto image = parse_message(only(image_value, 4, 2).bytes);
  EXPECT_EQ(only(image, 1, 0).integer, 6u);   // height
  EXPECT_EQ(only(image, 2, 0).integer, 10u);  // width
  EXPECT_EQ(only(image, 3, 0).integer, 3u);   // colorspace: RGB
  const std::string& png = only(image, 4, 2).bytes;
  EXPECT_EQ(png.substr(1, 3), "PNG");
  cv::Mat decoded = cv::imdecode(std::vector<uchar>(png.begin(), png.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(cv::norm(decoded, grid, cv::NORM_INF), 0);

  auto big = parse_message(events[4]);
  EXPECT_EQ(only(big, 2, 0).integer, uint64_t(1) << 40);
  EXPECT_NEAR(as_double(only(big, 1, 1).integer), 1.7e9, 1e9);  // "now"
}

TEST(EventWriter, FlushesEveryEventSoReadersSeeThemWhileTraining) {
  dcgan::testing::TempDir dir;
  EventWriter writer(dir.path());
  writer.add_scalar("loss_g", 1, 2.0);
  EXPECT_EQ(read_tf_records(writer.path()).size(), 2u);  // the writer is still open
  writer.add_scalar("loss_g", 2, 3.0);
  EXPECT_EQ(read_tf_records(writer.path()).size(), 3u);
}

TEST(EventWriter, MissingFolderIsAnIoErrorNamingIt) {
  dcgan::testing::TempDir dir;
  try {
    EventWriter writer(dir / "no/such/run");
    FAIL() << "expected IoError";
  } catch (const dcgan::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no/such/run"), std::string::npos) << e.what();
  }
}
