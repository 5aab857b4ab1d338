// Hand-encoded protobuf messages of TensorBoard's event files (tensorflow/core/util/event.proto
// and framework/summary.proto): Event{wall_time=1, step=2, file_version=3, summary=5},
// Summary{value=1}, Summary.Value{tag=1, simple_value=2, image=4},
// Summary.Image{height=1, width=2, colorspace=3, encoded_image_string=4}.
// Only the fields the run needs; no protobuf library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dcgan::report {

// The first event of every file: file_version "brain.Event:2".
std::string encode_file_version_event(double wall_time);

// One event holding one simple_value (float32, as TensorBoard stores scalars) per tag.
std::string encode_scalars_event(double wall_time, int64_t step,
                                 const std::vector<std::pair<std::string, float>>& values);

// One event holding an encoded image (PNG/JPEG bytes); channels 1, 3 or 4 (gray, RGB, RGBA).
std::string encode_image_event(double wall_time, int64_t step, const std::string& tag,
                               std::string_view encoded_image, int height, int width, int channels);

}  // namespace dcgan::report
