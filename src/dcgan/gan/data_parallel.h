// What changes in training when the run is one rank of a data-parallel job (dist/): each rank
// reads its own shard of every epoch's order (one seeded permutation, rank-strided, equal
// lengths, as DistributedSampler), draws its own z, flips and augmentations from the default
// generator reseeded by (seed, step, rank), and replaces its gradients by the ranks' mean
// before every optimiser step, so every rank holds the same weights; BatchNorm statistics stay
// per rank unless --sync-bn. The ranks agree each step on the logged losses (their mean) and on
// whether to stop (any rank interrupted or out of time), so they never fall out of step. A job
// of one (no launcher variables) is the plain single-process run, unchanged.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dcgan/core/json.h"
#include "dcgan/dist/group.h"

namespace dcgan::gan {

struct DataParallelConfig {
  std::string backend = "auto";  // --dist-backend auto | gloo | nccl
  std::string master;            // --dist-master HOST:PORT (Slurm); "" = MASTER_ADDR/PORT
  int timeout_s = 60;            // --dist-timeout
  bool sync_bn = false;          // --sync-bn
  // --dist-reduce: how gradients are averaged. buckets: flattened all-reduces after each
  // backward pass (dist::Group::average); overlap: bucket all-reduces started during the
  // backward pass as gradients arrive, as DistributedDataParallel's Reducer does
  // (dist::OverlappedAverage).
  std::string reduce = "buckets";

  void validate() const;
  // The training flags among these (not --dist-master, an address of this invocation), as
  // config.json and checkpoints store them; from_json keeps the defaults of missing fields.
  Json to_json() const;
  static DataParallelConfig from_json(const Json& json);
};

class DataParallel {
 public:
  // Joins the job the environment describes (torchrun, Slurm, `--nproc`); alone otherwise.
  DataParallel(const DataParallelConfig& config, bool cuda);

  bool distributed() const { return group_ != nullptr; }
  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  int local_rank() const { return local_rank_; }  // among this machine's ranks: its GPU
  // Only rank 0 writes the run folder.
  bool writes() const { return rank_ == 0; }
  dist::Group* group() const { return group_.get(); }
  bool sync_bn() const { return config_.sync_bn && distributed(); }
  const DataParallelConfig& config() const { return config_; }

  // This rank's part of an epoch's order (N): every world_size-th index from its rank, the
  // order first cut to a multiple of world_size so that every rank gets N / world_size. The
  // first k x world_size entries of the order are exactly what the ranks' first k each cover,
  // so a position kept in images seen means the same at any world size.
  torch::Tensor shard(const torch::Tensor& order) const;
  // Reseeds the default CPU generator (z, flips, DiffAugment, dropout) for iteration `step` on
  // this rank: ranks draw different numbers, and a resumed rank the same ones again without
  // saved state, at any world size.
  void seed_step(uint64_t seed, int64_t step) const;

  // Right before a backward pass over `net` (with --dist-reduce overlap: arms its hooks, set
  // at the first call).
  void before_backward(torch::nn::Module& net);
  // After it, before the optimiser step: `net`'s gradients become their mean over the ranks
  // (all-reduced now, or, with overlap, started during the pass and waited for now).
  void average_gradients(torch::nn::Module& net);
  // Every rank's `module` parameters and buffers replaced by rank 0's, and the moments of
  // `optimizer` (when it has any yet: every rank must be at the same step).
  void broadcast_state(torch::nn::Module& module, torch::optim::Optimizer* optimizer);
  // `means` (this rank's) replaced by their mean over the ranks and `any` by whether any rank
  // holds true: one all-reduce.
  void agree(std::vector<double>& means, std::vector<bool>& any);
  // Throws ConfigError on every rank when the ranks hold different `value`s of `what`.
  void check_same(int64_t value, const std::string& what);
  // Waits for every rank (before rank 0 writes the final report and closes the store).
  void barrier();

  // The gradient all-reduces so far: calls (one per optimiser step), bytes averaged in all,
  // and seconds spent after the backward passes (including waiting for the slowest rank to
  // get there; with overlap, what its all-reduces add to the backward passes is not in it).
  int64_t average_calls() const { return average_calls_; }
  int64_t average_bytes() const { return average_bytes_; }
  double average_seconds() const { return average_seconds_; }

 private:
  DataParallelConfig config_;
  int rank_ = 0;
  int world_size_ = 1;
  int local_rank_ = 0;
  std::unique_ptr<dist::Group> group_;
  std::map<torch::nn::Module*, std::unique_ptr<dist::OverlappedAverage>> overlapped_;
  int64_t average_calls_ = 0;
  int64_t average_bytes_ = 0;
  double average_seconds_ = 0;
};

// FNV-1a over the bytes of a module's parameters, as 16 hex digits: equal on every rank when
// the ranks hold the same weights (logged at the end of a data-parallel run).
std::string parameters_checksum(torch::nn::Module& module);

}  // namespace dcgan::gan
