// Models and Adam optimizers as checkpoint records; see checkpoint_state.h.
#include "dcgan/gan/checkpoint_state.h"

#include <cmath>
#include <memory>
#include <sstream>

#include "dcgan/core/error.h"
#include "dcgan/kernels/adam.h"

namespace dcgan::gan {
namespace {

std::string describe(const torch::Tensor& t) {
  std::ostringstream text;
  text << c10::toString(t.scalar_type()) << " " << t.sizes();
  return text.str();
}

// How many records are named PREFIX/...: all of them must have been used.
size_t count_under(const CheckpointRecords& records, const std::string& prefix) {
  const std::string start = prefix + "/";
  size_t n = 0;
  for (auto it = records.tensors.lower_bound(start);
       it != records.tensors.end() && it->first.compare(0, start.size(), start) == 0; ++it) {
    ++n;
  }
  return n;
}

// The record KEY, which must have the type and shape of `like`.
const torch::Tensor& record_like(const CheckpointRecords& records, const std::string& key,
                                 const torch::Tensor& like, const std::string& path) {
  const auto it = records.tensors.find(key);
  if (it == records.tensors.end()) refuse_corrupt_checkpoint(path, key + " is missing");
  if (it->second.scalar_type() != like.scalar_type() || it->second.sizes() != like.sizes()) {
    refuse_corrupt_checkpoint(
        path, key + " is " + describe(it->second) + " where the model has " + describe(like));
  }
  return it->second;
}

double finite_number(const Json& group, const char* key, const std::string& path) {
  if (!group.contains(key) || !group[key].is_number() || !std::isfinite(group[key].get<double>())) {
    refuse_corrupt_checkpoint(path, std::string("the optimizer's ") + key + " is not a number");
  }
  return group[key].get<double>();
}

}  // namespace

ModelConfig stored_model_config(const Json& header, const std::string& path) {
  const Json& stored = header.contains("model_config") ? header["model_config"] : Json();
  if (!stored.is_object()) {
    throw DataError("checkpoint " + path + " has no model config; it was not written by dcgan");
  }
  try {
    ModelConfig model = ModelConfig::from_json(stored);
    model.validate();
    return model;
  } catch (const Json::exception& e) {
    refuse_corrupt_checkpoint(
        path, std::string("its model config does not read as one (") + e.what() + ")");
  } catch (const ConfigError& e) {
    refuse_corrupt_checkpoint(path,
                              std::string("its model config is not valid (") + e.what() + ")");
  }
}

bool has_tensors_under(const CheckpointRecords& records, const std::string& prefix) {
  return count_under(records, prefix) > 0;
}

void add_module_tensors(NamedTensors& tensors, const std::string& prefix,
                        torch::nn::Module& module) {
  for (const auto& p : module.named_parameters())
    tensors.emplace_back(prefix + "/" + p.key(), p.value());
  for (const auto& b : module.named_buffers())
    tensors.emplace_back(prefix + "/" + b.key(), b.value());
}

void load_module_tensors(const CheckpointRecords& records, const std::string& prefix,
                         torch::nn::Module& module, const std::string& path) {
  torch::NoGradGuard no_grad;
  size_t used = 0;
  auto load = [&](const std::string& name, torch::Tensor& target) {
    target.copy_(record_like(records, prefix + "/" + name, target, path));
    ++used;
  };
  for (auto& p : module.named_parameters()) load(p.key(), p.value());
  for (auto& b : module.named_buffers()) load(b.key(), b.value());
  if (count_under(records, prefix) != used) {
    refuse_corrupt_checkpoint(path, "it holds " + prefix + " tensors that the model does not have");
  }
}

Json add_adam_state(NamedTensors& tensors, const std::string& prefix,
                    torch::optim::Optimizer& optimizer) {
  auto& states = optimizer.state();
  using States = std::remove_reference_t<decltype(states)>;
  Json groups = Json::array();
  int64_t index = 0;
  for (auto& group : optimizer.param_groups()) {
    const auto* options = dynamic_cast<const torch::optim::AdamOptions*>(&group.options());
    if (options == nullptr) throw std::logic_error("a checkpoint holds Adam optimizers only");
    Json steps = Json::array();
    for (const auto& p : group.params()) {
      const auto it = states.find(kernels::optimizer_state_key<States>(p));
      const auto* state = it == states.end()
                              ? nullptr
                              : dynamic_cast<const torch::optim::AdamParamState*>(it->second.get());
      if (state == nullptr) {
        steps.push_back(nullptr);
      } else {
        steps.push_back(state->step());
        const std::string at = prefix + "/" + std::to_string(index) + "/";
        tensors.emplace_back(at + "exp_avg", state->exp_avg());
        tensors.emplace_back(at + "exp_avg_sq", state->exp_avg_sq());
        if (options->amsgrad()) {
          tensors.emplace_back(at + "max_exp_avg_sq", state->max_exp_avg_sq());
        }
      }
      ++index;
    }
    groups.push_back({{"lr", options->lr()},
                      {"beta1", std::get<0>(options->betas())},
                      {"beta2", std::get<1>(options->betas())},
                      {"eps", options->eps()},
                      {"weight_decay", options->weight_decay()},
                      {"amsgrad", options->amsgrad()},
                      {"steps", std::move(steps)}});
  }
  return groups;
}

void load_adam_state(const CheckpointRecords& records, const std::string& prefix,
                     const Json& groups, torch::optim::Optimizer& optimizer,
                     const std::string& path) {
  auto& states = optimizer.state();
  using States = std::remove_reference_t<decltype(states)>;
  if (!groups.is_array() || groups.size() != optimizer.param_groups().size()) {
    refuse_corrupt_checkpoint(path,
                              "its " + prefix + " state has another number of parameter groups");
  }
  int64_t index = 0;
  size_t used = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    auto& group = optimizer.param_groups()[g];
    auto* options = dynamic_cast<torch::optim::AdamOptions*>(&group.options());
    if (options == nullptr) throw std::logic_error("a checkpoint holds Adam optimizers only");
    const Json& saved = groups[g];
    if (!saved.is_object() || !saved.contains("amsgrad") || !saved["amsgrad"].is_boolean() ||
        !saved.contains("steps") || !saved["steps"].is_array() ||
        saved["steps"].size() != group.params().size()) {
      refuse_corrupt_checkpoint(path,
                                "its " + prefix + " state does not fit the model's parameters");
    }
    const bool amsgrad = saved["amsgrad"].get<bool>();
    options->lr(finite_number(saved, "lr", path))
        .betas({finite_number(saved, "beta1", path), finite_number(saved, "beta2", path)})
        .eps(finite_number(saved, "eps", path))
        .weight_decay(finite_number(saved, "weight_decay", path))
        .amsgrad(amsgrad);
    for (size_t i = 0; i < group.params().size(); ++i, ++index) {
      const torch::Tensor& p = group.params()[i];
      const Json& step = saved["steps"][i];
      const auto key = kernels::optimizer_state_key<States>(p);
      if (step.is_null()) {
        states.erase(key);
        continue;
      }
      if (!step.is_number_integer() || step.get<int64_t>() < 0) {
        refuse_corrupt_checkpoint(path, "an Adam step count is not a count");
      }
      const std::string at = prefix + "/" + std::to_string(index) + "/";
      auto moment = [&](const std::string& name) {
        ++used;
        return record_like(records, at + name, p, path)
            .to(p.device(), p.scalar_type(), /*non_blocking=*/false, /*copy=*/true);
      };
      auto state = std::make_unique<torch::optim::AdamParamState>();
      state->step(step.get<int64_t>());
      state->exp_avg(moment("exp_avg"));
      state->exp_avg_sq(moment("exp_avg_sq"));
      if (amsgrad) state->max_exp_avg_sq(moment("max_exp_avg_sq"));
      states[key] = std::move(state);
    }
  }
  if (count_under(records, prefix) != used) {
    refuse_corrupt_checkpoint(path, "it holds " + prefix + " moments of no parameter");
  }
}

}  // namespace dcgan::gan
