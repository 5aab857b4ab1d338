// The protobuf wire-format reader of proto_wire.h.
#include "proto_wire.h"

namespace dcgan::testing::proto {

std::vector<Field> parse_message(const std::string& msg) {
  std::vector<Field> fields;
  size_t pos = 0;
  auto varint = [&] {
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      if (pos >= msg.size() || shift > 63) throw std::runtime_error("bad varint");
      const uint8_t b = msg[pos++];
      value |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return value;
    }
  };
  auto fixed = [&](size_t n) {
    if (n > msg.size() - pos) throw std::runtime_error("truncated fixed field");
    uint64_t value = 0;
    for (size_t i = 0; i < n; ++i) value |= uint64_t(uint8_t(msg[pos + i])) << (8 * i);
    pos += n;
    return value;
  };
  while (pos < msg.size()) {
    Field f;
    const uint64_t key = varint();
    f.number = int(key >> 3);
    f.wire = int(key & 7);
    if (f.wire == 0) {
      f.integer = varint();
    } else if (f.wire == 1) {
      f.integer = fixed(8);
    } else if (f.wire == 5) {
      f.integer = fixed(4);
    } else if (f.wire == 2) {
      // Compared with what is left, not as pos + n, which a length near 2^64 wraps around.
      const uint64_t n = varint();
      if (n > msg.size() - pos) throw std::runtime_error("truncated bytes field");
      f.bytes = msg.substr(pos, n);
      pos += n;
    } else {
      throw std::runtime_error("unexpected wire type");
    }
    fields.push_back(f);
  }
  return fields;
}

}  // namespace dcgan::testing::proto
