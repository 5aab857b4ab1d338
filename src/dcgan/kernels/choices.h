// Which oneDNN implementation each tuned layer pass uses, by name. The fastest implementation
// is found by timing (conv_tuning.h), so two processes may pick different ones, with
// different summation orders. A run records the choices (checkpoints and config.json hold
// them) and a resumed run replays them, so it sums exactly as the process it continues did.
// Runs that share a data cache folder also share a file of choices per machine, so a second run
// with the same seed on the same machine computes exactly what the first did.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "dcgan/core/json.h"

namespace dcgan::kernels {

// key (the pass and its geometry, e.g. "conv.bwd_weights b64 c128x24x24 -> 256x12x12 k5 s2 p2
// bias t2") -> "index:implementation name" among oneDNN's candidates, or the label of a kernel
// of our own that timed faster (conv_tuning.h's OwnKernel, e.g. "per-tap gemm").
using KernelChoices = std::map<std::string, std::string>;

// Every choice made or replayed in this process so far.
KernelChoices kernel_choices();
// Choices to use for layers built from now on (layers already built keep theirs).
void replay_kernel_choices(const KernelChoices& choices);
// The choice recorded or replayed for `key`, if any.
std::optional<std::string> kernel_choice(const std::string& key);
void record_kernel_choice(const std::string& key, const std::string& choice);

Json kernel_choices_to_json(const KernelChoices& choices);
// The choices in a file written by write_kernel_choices_file; empty when it does not exist or
// cannot be read (a warning then: the choices are made again).
KernelChoices read_kernel_choices_file(const std::string& path);
// Writes the file atomically.
void write_kernel_choices_file(const std::string& path, const KernelChoices& choices);
// "kernels-<hash>.json": one name per CPU model and oneDNN build (`onednn` describes the
// latter), for the choices file in a cache folder.
std::string machine_kernel_choices_name(const std::string& onednn);
// Throws DataError naming `source` when `json` is not an object of strings.
KernelChoices kernel_choices_from_json(const Json& json, const std::string& source);

}  // namespace dcgan::kernels
