// TFRecord framing and CRC32C; see tf_record.h.
#include "dcgan/report/tf_record.h"

#include <array>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"

namespace dcgan::report {
namespace {

constexpr uint32_t kMaskDelta = 0xa282ead8u;

std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (crc & 1 ? 0x82F63B78u : 0);
    table[i] = crc;
  }
  return table;
}

void put_le(std::string& out, uint64_t value, int n_bytes) {
  for (int i = 0; i < n_bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t get_le(std::string_view bytes, size_t pos, int n_bytes) {
  uint64_t value = 0;
  for (int i = 0; i < n_bytes; ++i) value |= uint64_t(uint8_t(bytes[pos + i])) << (8 * i);
  return value;
}

}  // namespace

uint32_t crc32c(std::string_view bytes) {
  static const std::array<uint32_t, 256> kTable = make_crc_table();
  uint32_t crc = 0xffffffffu;
  for (char c : bytes) crc = kTable[(crc ^ uint8_t(c)) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

uint32_t masked_crc32c(std::string_view bytes) {
  const uint32_t crc = crc32c(bytes);
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

std::string frame_tf_record(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 16);
  put_le(out, data.size(), 8);
  put_le(out, masked_crc32c(out), 4);
  out.append(data);
  put_le(out, masked_crc32c(data), 4);
  return out;
}

std::vector<std::string> read_tf_records(const std::string& path) {
  const std::string bytes = read_file(path);
  const std::string_view view(bytes);
  std::vector<std::string> records;
  size_t pos = 0;
  while (pos + 12 <= bytes.size()) {
    const uint64_t length = get_le(view, pos, 8);
    if (get_le(view, pos + 8, 4) != masked_crc32c(view.substr(pos, 8))) {
      throw DataError(path + ": bad length checksum of the record at byte " + std::to_string(pos));
    }
    if (length > bytes.size() - pos - 12 || bytes.size() - pos - 12 - length < 4) break;
    const std::string_view data = view.substr(pos + 12, length);
    if (get_le(view, pos + 12 + length, 4) != masked_crc32c(data)) {
      throw DataError(path + ": bad data checksum of the record at byte " + std::to_string(pos));
    }
    records.emplace_back(data);
    pos += 16 + length;
  }
  return records;
}

}  // namespace dcgan::report
