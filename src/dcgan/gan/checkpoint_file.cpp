// The checkpoint container; see checkpoint_file.h for the layout.
#include "dcgan/gan/checkpoint_file.h"

#include <cstring>

#include "dcgan/core/error.h"

namespace dcgan::gan {
namespace {

constexpr char kMagic[8] = {'D', 'C', 'G', 'A', 'N', 'C', 'K', 'P'};
constexpr size_t kPrefixBytes = sizeof kMagic + sizeof(uint64_t);
constexpr uint64_t kMaxHeaderBytes = 16 << 20;  // ~100 bytes a tensor: far more than any model has
constexpr uint64_t kAlignment = 64;
constexpr size_t kMaxDims = 8;

// A zip reader finds its directory by searching back from the end and skips what follows it,
// so the LibTorch archives of format 2 carry the same trailer.
constexpr char kChecksumMark[8] = {'d', 'c', 'g', 'a', 'n', 's', 'u', 'm'};
constexpr size_t kTrailerBytes = sizeof kChecksumMark + sizeof(uint64_t);

// FNV-1a over 64-bit words (then the last bytes): any one changed word changes the result, as
// every step is a bijection of the state; several GB/s, which a 100 MB checkpoint needs.
uint64_t checksum(std::string_view bytes) {
  uint64_t hash = 0xCBF29CE484222325ull;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    hash = (hash ^ word) * 0x100000001B3ull;
    hash ^= hash >> 29;
  }
  for (; i < bytes.size(); ++i) {
    hash = (hash ^ static_cast<unsigned char>(bytes[i])) * 0x100000001B3ull;
  }
  return hash;
}

void append_u64(std::string& out, uint64_t value) {
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((value >> (8 * b)) & 0xFF));
}

uint64_t read_u64(std::string_view bytes) {
  uint64_t value = 0;
  for (int b = 0; b < 8; ++b) value |= uint64_t(static_cast<unsigned char>(bytes[b])) << (8 * b);
  return value;
}

uint64_t round_up(uint64_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

// The element types a checkpoint holds: weights and moments, BatchNorm's batch counters, the
// RNG state, and float64 for completeness.
const std::map<std::string, torch::ScalarType>& dtypes() {
  static const std::map<std::string, torch::ScalarType> names = {{"float32", torch::kFloat32},
                                                                 {"float64", torch::kFloat64},
                                                                 {"int64", torch::kInt64},
                                                                 {"uint8", torch::kUInt8}};
  return names;
}

std::string dtype_name(torch::ScalarType type) {
  for (const auto& [name, t] : dtypes()) {
    if (t == type) return name;
  }
  throw std::logic_error(std::string("a checkpoint cannot hold ") + c10::toString(type) +
                         " tensors");
}

// The reader of one file's header: each check throws DataError naming the file.
class HeaderReader {
 public:
  explicit HeaderReader(const std::string& path) : path_(path) {}

  [[noreturn]] void fail(const std::string& what) const { refuse_corrupt_checkpoint(path_, what); }

  uint64_t count(const Json& value, const std::string& what) const {
    if (!value.is_number_unsigned()) fail(what + " is not a non-negative integer");
    return value.get<uint64_t>();
  }

  // One entry of "tensors", read into `records` from `data`; returns the end of its bytes.
  uint64_t read_tensor(const Json& entry, std::string_view data, uint64_t previous_end,
                       CheckpointRecords& records) const {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string()) {
      fail("a tensor entry has no name");
    }
    const std::string name = entry["name"].get<std::string>();
    const std::string what = "tensor " + name;
    if (!entry.contains("dtype") || !entry["dtype"].is_string() ||
        dtypes().count(entry["dtype"].get<std::string>()) == 0) {
      fail(what + " has no known dtype");
    }
    const torch::ScalarType type = dtypes().at(entry["dtype"].get<std::string>());
    if (!entry.contains("shape") || !entry["shape"].is_array() ||
        entry["shape"].size() > kMaxDims) {
      fail(what + " has no shape of at most 8 dimensions");
    }
    std::vector<int64_t> shape;
    uint64_t bytes = c10::elementSize(type);
    for (const Json& dim : entry["shape"]) {
      const uint64_t n = count(dim, what + "'s shape");
      if (n > data.size() || __builtin_mul_overflow(bytes, n, &bytes) || bytes > data.size()) {
        fail(what + " is larger than the file");
      }
      shape.push_back(static_cast<int64_t>(n));
    }
    const uint64_t offset = count(entry.value("offset", Json()), what + "'s offset");
    if (offset % kAlignment != 0 || offset < previous_end) {
      fail(what + "'s offset is not aligned after the previous tensor");
    }
    if (offset > data.size() || bytes > data.size() - offset) fail(what + " ends after the file");
    torch::Tensor tensor = torch::empty(shape, torch::TensorOptions().dtype(type));
    if (bytes > 0) std::memcpy(tensor.data_ptr(), data.data() + offset, bytes);
    if (!records.tensors.emplace(name, std::move(tensor)).second) fail(what + " appears twice");
    return offset + bytes;
  }

 private:
  const std::string& path_;
};

}  // namespace

void refuse_corrupt_checkpoint(const std::string& path, const std::string& what) {
  throw DataError("checkpoint " + path + " is corrupt: " + what + "; use an earlier checkpoint");
}

std::string with_checksum(std::string bytes) {
  const uint64_t sum = checksum(bytes);
  bytes.append(kChecksumMark, sizeof kChecksumMark);
  append_u64(bytes, sum);
  return bytes;
}

std::string_view verified_contents(std::string_view file, const std::string& path) {
  if (file.size() < kTrailerBytes ||
      file.substr(file.size() - kTrailerBytes, sizeof kChecksumMark) !=
          std::string_view(kChecksumMark, sizeof kChecksumMark)) {
    return file;
  }
  const std::string_view contents = file.substr(0, file.size() - kTrailerBytes);
  if (checksum(contents) != read_u64(file.substr(file.size() - sizeof(uint64_t)))) {
    refuse_corrupt_checkpoint(path,
                              "its checksum does not match its contents (a damaged disk or copy)");
  }
  return contents;
}

bool is_checkpoint_file(std::string_view bytes) {
  return bytes.substr(0, sizeof kMagic) == std::string_view(kMagic, sizeof kMagic);
}

std::string encode_checkpoint_file(Json header, const NamedTensors& tensors) {
  std::vector<torch::Tensor> contiguous;
  Json entries = Json::array();
  uint64_t data_bytes = 0;
  for (const auto& [name, tensor] : tensors) {
    contiguous.push_back(tensor.detach().to(torch::kCPU).contiguous());
    const torch::Tensor& t = contiguous.back();
    entries.push_back({{"name", name},
                       {"dtype", dtype_name(t.scalar_type())},
                       {"shape", t.sizes().vec()},
                       {"offset", data_bytes}});
    data_bytes = round_up(data_bytes + t.nbytes());
  }
  header["tensors"] = std::move(entries);
  const std::string text = header.dump();
  std::string out(kMagic, sizeof kMagic);
  append_u64(out, text.size());
  out += text;
  const uint64_t data_start = round_up(out.size());
  out.resize(data_start + data_bytes, '\0');
  uint64_t offset = 0;
  for (const torch::Tensor& t : contiguous) {
    if (t.nbytes() > 0) std::memcpy(out.data() + data_start + offset, t.data_ptr(), t.nbytes());
    offset = round_up(offset + t.nbytes());
  }
  return with_checksum(std::move(out));
}

CheckpointRecords decode_checkpoint_file(std::string_view bytes, const std::string& path) {
  const HeaderReader reader(path);
  const std::string_view contents = verified_contents(bytes, path);
  if (contents.size() == bytes.size()) {
    reader.fail("it has no checksum (the file was cut short)");
  }
  if (contents.size() < kPrefixBytes || !is_checkpoint_file(contents)) {
    reader.fail("it does not start as a dcgan checkpoint");
  }
  const uint64_t header_bytes = read_u64(contents.substr(sizeof kMagic));
  if (header_bytes > kMaxHeaderBytes || header_bytes > contents.size() - kPrefixBytes) {
    reader.fail("its header length is out of range");
  }
  Json header = parse_json_text(std::string(contents.substr(kPrefixBytes, header_bytes)),
                                "checkpoint " + path + "'s header");
  const uint64_t data_start = round_up(kPrefixBytes + header_bytes);
  if (!header.is_object() || !header.contains("tensors") || !header["tensors"].is_array() ||
      data_start > contents.size()) {
    reader.fail("its header lists no tensors");
  }
  CheckpointRecords records;
  const std::string_view data = contents.substr(data_start);
  uint64_t end = 0;
  for (const Json& entry : header["tensors"]) {
    end = round_up(reader.read_tensor(entry, data, end, records));
  }
  header.erase("tensors");
  records.header = std::move(header);
  return records;
}

}  // namespace dcgan::gan
