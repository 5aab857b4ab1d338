// TensorBoard event file writer; see event_writer.h.
#include "dcgan/report/event_writer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <opencv2/imgcodecs.hpp>

#include "dcgan/core/error.h"
#include "dcgan/report/event_proto.h"
#include "dcgan/report/tf_record.h"

namespace dcgan::report {
namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

EventWriter::EventWriter(const std::string& run_dir) {
  const double now = unix_now();
  const std::string base = run_dir + "/events.out.tfevents." +
                           std::to_string(static_cast<int64_t>(now)) + "." + host_name();
  // Two writers started in the same second (a quick resume) must not share a file: "x" fails
  // when the name exists, and the next suffix is tried.
  for (int attempt = 0; attempt < 100 && file_ == nullptr; ++attempt) {
    path_ = attempt == 0 ? base : base + "." + std::to_string(attempt);
    file_ = std::fopen(path_.c_str(), "wbx");
    if (file_ == nullptr && errno != EEXIST) break;
  }
  if (file_ == nullptr) {
    throw IoError("cannot create the TensorBoard event file " + path_ + ": " +
                  std::strerror(errno) + " (does the run folder exist and is it writable?)");
  }
  write_event(encode_file_version_event(now));
}

EventWriter::~EventWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void EventWriter::add_scalar(const std::string& tag, int64_t step, double value,
                             std::optional<double> wall_time) {
  add_scalars(step, {{tag, value}}, wall_time);
}

void EventWriter::add_scalars(int64_t step,
                              const std::vector<std::pair<std::string, double>>& values,
                              std::optional<double> wall_time) {
  std::vector<std::pair<std::string, float>> as_float;
  as_float.reserve(values.size());
  for (const auto& [tag, value] : values) as_float.emplace_back(tag, static_cast<float>(value));
  write_event(encode_scalars_event(wall_time.value_or(unix_now()), step, as_float));
}

void EventWriter::add_image(const std::string& tag, int64_t step, std::string_view png_bytes,
                            int height, int width, int channels, std::optional<double> wall_time) {
  write_event(encode_image_event(wall_time.value_or(unix_now()), step, tag, png_bytes, height,
                                 width, channels));
}

void EventWriter::add_image(const std::string& tag, int64_t step, const cv::Mat& image,
                            std::optional<double> wall_time) {
  std::vector<unsigned char> png;
  if (image.empty() || image.depth() != CV_8U || !cv::imencode(".png", image, png)) {
    throw DataError("cannot encode the image for TensorBoard tag '" + tag +
                    "' (needs an 8-bit gray, BGR or BGRA image)");
  }
  add_image(tag, step, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()),
            image.rows, image.cols, image.channels(), wall_time);
}

void EventWriter::write_event(const std::string& event) {
  const std::string record = frame_tf_record(event);
  if (std::fwrite(record.data(), 1, record.size(), file_) != record.size() ||
      std::fflush(file_) != 0) {
    throw IoError("cannot write to the TensorBoard event file " + path_ + ": " +
                  std::strerror(errno));
  }
}

}  // namespace dcgan::report
