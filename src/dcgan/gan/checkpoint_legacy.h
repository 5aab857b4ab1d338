// Checkpoints of formats 1 and 2, written before dcgan had a container of its own: LibTorch
// serialize archives (zips), read through LibTorch's reader so that runs written then still
// resume. That reader parses the archives' TorchScript code records, and its parser crashes
// (SEGV, not an exception) on some damaged records: the checksum of format-2 files keeps a
// damaged disk or copy from getting there; format-1 files have none.
#pragma once

#include <string>
#include <string_view>

#include "dcgan/gan/checkpoint_file.h"

namespace dcgan::gan {

// The archive's contents as the records a format-3 file of the same checkpoint holds
// (checkpoint.cpp); format 1's epoch position, in iterations, as the header's "position".
// Throws DataError naming `path` when it is not a whole dcgan checkpoint.
CheckpointRecords read_legacy_checkpoint(std::string_view zip, const std::string& path);

}  // namespace dcgan::gan
