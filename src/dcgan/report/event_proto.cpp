// Protobuf wire encoding of the event messages; see event_proto.h. Field numbers and wire
// types follow the .proto files named there: varint (0), 64-bit (1), bytes (2), 32-bit (5).
#include "dcgan/report/event_proto.h"

#include <cstring>

namespace dcgan::report {
namespace {

enum WireType : int { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

class ProtoWriter {
 public:
  void varint(int field, uint64_t value) {
    key(field, kVarint);
    raw_varint(value);
  }
  void fixed64(int field, double value) {
    key(field, kFixed64);
    uint64_t bits;
    std::memcpy(&bits, &value, 8);
    raw_le(bits, 8);
  }
  void fixed32(int field, float value) {
    key(field, kFixed32);
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    raw_le(bits, 4);
  }
  void bytes(int field, std::string_view value) {
    key(field, kBytes);
    raw_varint(value.size());
    out_.append(value);
  }
  std::string take() { return std::move(out_); }

 private:
  void key(int field, WireType type) { raw_varint(uint64_t(field) << 3 | type); }
  void raw_varint(uint64_t value) {
    for (; value >= 0x80; value >>= 7) out_.push_back(static_cast<char>(value | 0x80));
    out_.push_back(static_cast<char>(value));
  }
  void raw_le(uint64_t value, int n_bytes) {
    for (int i = 0; i < n_bytes; ++i) out_.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
  std::string out_;
};

// Event header fields shared by every event.
ProtoWriter event_with_time(double wall_time, int64_t step) {
  ProtoWriter event;
  event.fixed64(1, wall_time);
  event.varint(2, static_cast<uint64_t>(step));
  return event;
}

}  // namespace

std::string encode_file_version_event(double wall_time) {
  ProtoWriter event = event_with_time(wall_time, 0);
  event.bytes(3, "brain.Event:2");
  return event.take();
}

std::string encode_scalars_event(double wall_time, int64_t step,
                                 const std::vector<std::pair<std::string, float>>& values) {
  ProtoWriter summary;
  for (const auto& [tag, value] : values) {
    ProtoWriter entry;
    entry.bytes(1, tag);
    entry.fixed32(2, value);
    summary.bytes(1, entry.take());
  }
  ProtoWriter event = event_with_time(wall_time, step);
  event.bytes(5, summary.take());
  return event.take();
}

std::string encode_image_event(double wall_time, int64_t step, const std::string& tag,
                               std::string_view encoded_image, int height, int width,
                               int channels) {
  ProtoWriter image;
  image.varint(1, static_cast<uint64_t>(height));
  image.varint(2, static_cast<uint64_t>(width));
  image.varint(3, static_cast<uint64_t>(channels));
  image.bytes(4, encoded_image);
  ProtoWriter entry;
  entry.bytes(1, tag);
  entry.bytes(4, image.take());
  ProtoWriter summary;
  summary.bytes(1, entry.take());
  ProtoWriter event = event_with_time(wall_time, step);
  event.bytes(5, summary.take());
  return event.take();
}

}  // namespace dcgan::report
