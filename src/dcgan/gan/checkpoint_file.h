// The bytes of a checkpoint file: dcgan's own container (format 3), so that loading a
// checkpoint runs no parser but nlohmann's JSON and bounds-checked copies. The LibTorch
// archives of formats 1 and 2 are zips with TorchScript code records, which LibTorch parses on
// load and whose parser crashes (SEGV, not an exception) on some damaged records
// (fuzz/fuzz_checkpoint.cpp); they are still read, through that parser, to resume old runs.
//
//   bytes 0-7    "DCGANCKP"
//   bytes 8-15   H, the header's length in bytes (uint64, little-endian; at most 16 MiB)
//   H bytes      the header, a JSON object: what the checkpoint says of itself, and
//                "tensors": [{"name", "dtype", "shape", "offset"}, ...]
//   zeros        to the next multiple of 64 bytes: the start of the data
//   data         each tensor's elements, row-major, little-endian, at the data's start +
//                offset (offsets 64-aligned, in increasing order, not overlapping)
//   16 bytes     "dcgansum" and a 64-bit checksum of everything before it
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dcgan/core/json.h"

namespace dcgan::gan {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct CheckpointRecords {
  Json header;                                   // without its "tensors" list
  std::map<std::string, torch::Tensor> tensors;  // CPU tensors, by name
};

// The file's bytes for `header` (a JSON object) and `tensors` (any device; unique names).
std::string encode_checkpoint_file(Json header, const NamedTensors& tensors);

// Whether `bytes` start as a format-3 file does (as opposed to a LibTorch zip).
bool is_checkpoint_file(std::string_view bytes);

// Reads a format-3 file's bytes. Throws DataError naming `path` and what is wrong for anything
// but a whole, undamaged file: a wrong checksum, a header that is not what this writes, a
// tensor that lies outside the data.
CheckpointRecords decode_checkpoint_file(std::string_view bytes, const std::string& path);

// Throws the DataError of a damaged checkpoint: "checkpoint PATH is corrupt: WHAT; use an
// earlier checkpoint".
[[noreturn]] void refuse_corrupt_checkpoint(const std::string& path, const std::string& what);

// `bytes` followed by the mark and checksum that verified_contents checks.
std::string with_checksum(std::string bytes);

// What precedes the checksum trailer of `file`, after checking the checksum; the whole of
// `file` when it has no trailer (LibTorch archives written before it). Throws DataError naming
// `path` when the checksum does not match.
std::string_view verified_contents(std::string_view file, const std::string& path);

}  // namespace dcgan::gan
