// TFRecord framing as TensorBoard reads it: uint64 little-endian length, masked CRC32C of those
// 8 bytes, the data, masked CRC32C of the data. Also a strict reader that checks both CRCs.
// Knows nothing of what the records contain (see event_proto.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dcgan::report {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by TFRecord.
uint32_t crc32c(std::string_view bytes);
// TFRecord's masking: rotate right by 15 bits and add 0xa282ead8.
uint32_t masked_crc32c(std::string_view bytes);

// One framed record, ready to append to a file.
std::string frame_tf_record(std::string_view data);

// Every record's data in file order. A record cut short at the end of the file (a writer still
// running, or killed mid-write) is ignored; a CRC mismatch anywhere throws DataError naming the
// path and byte offset.
std::vector<std::string> read_tf_records(const std::string& path);

}  // namespace dcgan::report
