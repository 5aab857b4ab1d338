// See data_parallel.h.
#include "dcgan/gan/data_parallel.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cstdio>
#include <mutex>

#include "dcgan/core/error.h"
#include "dcgan/dist/env.h"
#include "dcgan/kernels/adam.h"

namespace dcgan::gan {
namespace {

// splitmix64's finaliser: neighbouring keys give unrelated seeds.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// --dist-reduce overlap's buckets: DistributedDataParallel's first bucket size. Layer-sized
// buckets start the all-reduce of the last layers while backward computes the first ones; at
// its 25 MB for the rest, D's gradients (17 MB at the recipe's widths) would all wait for the
// first layer.
constexpr int64_t kOverlapBucketBytes = int64_t{1} << 20;

}  // namespace

void DataParallelConfig::validate() const {
  require(backend == "auto" || backend == "gloo" || backend == "nccl",
          "--dist-backend must be auto, gloo or nccl (got '" + backend + "')");
  require(timeout_s >= 1 && timeout_s <= 86400, "--dist-timeout must be 1..86400 seconds");
  require(reduce == "buckets" || reduce == "overlap",
          "--dist-reduce must be buckets or overlap (got '" + reduce + "')");

#ifndef USE_C10D_NCCL
  require(backend != "nccl",
          "--dist-backend nccl: this build's LibTorch has no NCCL (a CPU build); use "
          "--dist-backend gloo or auto, or build against a CUDA LibTorch");
#endif
}

Json DataParallelConfig::to_json() const {
  return {{"backend", backend}, {"timeout_s", timeout_s}, {"sync_bn", sync_bn}, {"reduce", reduce}};
}

DataParallelConfig DataParallelConfig::from_json(const Json& json) {
  DataParallelConfig c;
  c.backend = json.value("backend", c.backend);
  c.timeout_s = json.value("timeout_s", c.timeout_s);
  c.sync_bn = json.value("sync_bn", c.sync_bn);
  c.reduce = json.value("reduce", c.reduce);
  return c;
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
  local_rank_ = env.local_rank;
}

torch::Tensor DataParallel::shard(const torch::Tensor& order) const {
  if (world_size_ == 1) return order;
  const int64_t per_rank = order.size(0) / world_size_;
  return order.narrow(0, 0, per_rank * world_size_)
      .view({per_rank, world_size_})
      .select(1, rank_)
      .contiguous();
}

void DataParallel::seed_step(uint64_t seed, int64_t step) const {
  const uint64_t key =
      mix(mix(mix(seed) ^ static_cast<uint64_t>(step)) ^ static_cast<uint64_t>(rank_));
  at::Generator generator = at::detail::getDefaultCPUGenerator();  // a shared handle
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_current_seed(key);  // also drops a cached normal sample
}

void DataParallel::before_backward(torch::nn::Module& net) {
  if (!group_ || config_.reduce != "overlap") return;
  auto& overlapped = overlapped_[&net];
  if (!overlapped) {
    overlapped =
        std::make_unique<dist::OverlappedAverage>(*group_, net.parameters(), kOverlapBucketBytes);
  }
  overlapped->prepare();
}

void DataParallel::average_gradients(torch::nn::Module& net) {
  if (!group_) return;
  const auto start = std::chrono::steady_clock::now();
  auto overlapped = overlapped_.find(&net);
  if (overlapped != overlapped_.end()) {
    overlapped->second->finish();
  } else {
    std::vector<torch::Tensor> grads;
    for (const auto& p : net.parameters()) {
      if (p.grad().defined()) grads.push_back(p.grad());
    }
    group_->average(grads);
  }
  average_bytes_ += group_->last_average_bytes();
  ++average_calls_;
  average_seconds_ +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void DataParallel::broadcast_state(torch::nn::Module& module, torch::optim::Optimizer* optimizer) {
  if (!group_) return;
  std::vector<torch::Tensor> tensors = module.parameters();
  for (const auto& b : module.buffers()) tensors.push_back(b);
  if (optimizer != nullptr) {
    auto& states = optimizer->state();
    using States = std::remove_reference_t<decltype(states)>;
    std::vector<torch::Tensor> moments;
    for (const auto& group : optimizer->param_groups()) {
      for (const auto& p : group.params()) {
        auto it = states.find(kernels::optimizer_state_key<States>(p));
        if (it == states.end()) continue;
        auto* adam = dynamic_cast<torch::optim::AdamParamState*>(it->second.get());
        if (adam == nullptr) continue;
        moments.push_back(adam->exp_avg());
        moments.push_back(adam->exp_avg_sq());
      }
    }
    check_same(static_cast<int64_t>(moments.size()), "the optimiser state (moments held)");
    tensors.insert(tensors.end(), moments.begin(), moments.end());
  }
  group_->broadcast(tensors);
}

void DataParallel::agree(std::vector<double>& means, std::vector<bool>& any) {
  if (!group_) return;
  std::vector<double> all = means;
  for (bool flag : any) all.push_back(flag ? 1.0 : 0.0);
  torch::Tensor t = torch::tensor(all, torch::kFloat64);
  group_->sum({t});
  const double* sums = t.data_ptr<double>();
  for (size_t i = 0; i < means.size(); ++i) means[i] = sums[i] / world_size_;
  for (size_t i = 0; i < any.size(); ++i) any[i] = sums[means.size() + i] > 0;
}

void DataParallel::check_same(int64_t value, const std::string& what) {
  if (!group_) return;
  // The sum of the values and of their squares: equal values exactly when the variance is 0.
  const double v = static_cast<double>(value);
  torch::Tensor t = torch::tensor(std::vector<double>{v, v * v}, torch::kFloat64);
  group_->sum({t});
  const double mean = t[0].item<double>() / world_size_;
  const double mean_square = t[1].item<double>() / world_size_;
  if (mean_square - mean * mean > 1e-9 * std::max(1.0, mean_square)) {
    throw ConfigError("the ranks of this job hold different " + what + " (rank " +
                      std::to_string(rank_) + ": " + std::to_string(value) + ", mean " +
                      std::to_string(mean) +
                      "); give every rank the same flags and the same run folder");
  }
}

void DataParallel::barrier() {
  if (group_) group_->barrier();
}

std::string parameters_checksum(torch::nn::Module& module) {
  uint64_t hash = 0xCBF29CE484222325ull;
  for (const auto& p : module.parameters()) {
    const torch::Tensor t = p.detach().to(torch::kCPU).contiguous();
    const auto* bytes = static_cast<const unsigned char*>(t.data_ptr());
    for (size_t i = 0; i < t.nbytes(); ++i) hash = (hash ^ bytes[i]) * 0x100000001B3ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace dcgan::gan
