// See data_parallel.h.
#include "dcgan/gan/data_parallel.h"

#include <ATen/CPUGeneratorImpl.h>

#include "dcgan/core/error.h"
#include "dcgan/dist/env.h"

namespace dcgan::gan {

void DataParallelConfig::validate() const {
  require(backend == "auto" || backend == "gloo" || backend == "nccl",
          "--dist-backend must be auto, gloo or nccl (got '" + backend + "')");
  require(timeout_s >= 1 && timeout_s <= 86400, "--dist-timeout must be 1..86400 seconds");
}

DataParallel::DataParallel(const DataParallelConfig& config, bool cuda) : config_(config) {
  config_.validate();
  const dist::DistEnv env = dist::read_dist_env(config_.master);
  if (!env.distributed()) return;
  dist::GroupOptions options;
  options.backend = config_.backend;
  options.timeout = std::chrono::seconds(config_.timeout_s);
  group_ = std::make_unique<dist::Group>(env, options, cuda);
  rank_ = env.rank;
  world_size_ = env.world_size;
}

torch::Tensor DataParallel::shard(const torch::Tensor& order) const {
  if (world_size_ == 1) return order;
  const int64_t per_rank = order.size(0) / world_size_;
  return order.narrow(0, 0, per_rank * world_size_)
      .view({per_rank, world_size_})
      .select(1, rank_)
      .contiguous();
}

at::Generator DataParallel::step_generator(uint64_t seed, int64_t step, int k) const {
  // splitmix64 of (seed, step, rank, k): neighbouring keys give unrelated streams.
  auto mix = [](uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  };
  const uint64_t key =
      mix(mix(mix(mix(seed) ^ static_cast<uint64_t>(step)) ^ static_cast<uint64_t>(rank_)) ^
          static_cast<uint64_t>(k));
  return at::detail::createCPUGenerator(key);
}

void DataParallel::average_gradients(const std::vector<torch::Tensor>& parameters) {
  if (!group_) return;
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  group_->average(grads);
}

void DataParallel::broadcast(const std::vector<torch::Tensor>& tensors) {
  if (group_) group_->broadcast(tensors);
}

bool DataParallel::agree(std::vector<double>& values, bool stop_here) {
  if (!group_) return stop_here;
  std::vector<double> all = values;
  all.push_back(stop_here ? 1.0 : 0.0);
  torch::Tensor t = torch::tensor(all, torch::kFloat64);
  group_->sum({t});
  for (size_t i = 0; i < values.size(); ++i) values[i] = t[i].item<double>() / world_size_;
  return t[static_cast<int64_t>(values.size())].item<double>() > 0;
}

void DataParallel::barrier() {
  if (group_) group_->barrier();
}

}  // namespace dcgan::gan
