// Models and Adam optimizers to and from a checkpoint's records (checkpoint_file.h): each
// parameter and buffer as a tensor named PREFIX/NAME (the module's own names), each Adam
// moment as PREFIX/INDEX/exp_avg (INDEX counting the optimizer's parameters in order), and
// the optimizer's options and step counts in the header.
#pragma once

#include <torch/torch.h>

#include <string>

#include "dcgan/core/json.h"
#include "dcgan/gan/checkpoint_file.h"
#include "dcgan/gan/models.h"

namespace dcgan::gan {

// The header's "model_config", checked. Throws DataError naming `path` when it is missing or
// not a valid model.
ModelConfig stored_model_config(const Json& header, const std::string& path);

// Whether the records hold tensors named PREFIX/...
bool has_tensors_under(const CheckpointRecords& records, const std::string& prefix);

void add_module_tensors(NamedTensors& tensors, const std::string& prefix,
                        torch::nn::Module& module);

// Copies PREFIX/* into the module's parameters and buffers. Throws DataError naming `path`
// when one is missing, has another shape or type, or the records hold one the module lacks.
void load_module_tensors(const CheckpointRecords& records, const std::string& prefix,
                         torch::nn::Module& module, const std::string& path);

// Adds the moments of an Adam optimizer (torch::optim::Adam or a subclass) and returns what
// goes in the header: per parameter group its options and each parameter's step count (null
// where the parameter has no state yet).
Json add_adam_state(NamedTensors& tensors, const std::string& prefix,
                    torch::optim::Optimizer& optimizer);

// Sets an Adam optimizer's options and state from `groups` (what add_adam_state returned)
// and PREFIX/* of the records. Throws DataError naming `path` when they do not fit it.
void load_adam_state(const CheckpointRecords& records, const std::string& prefix,
                     const Json& groups, torch::optim::Optimizer& optimizer,
                     const std::string& path);

}  // namespace dcgan::gan
