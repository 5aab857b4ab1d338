// What changes in training when the run is one rank of a data-parallel job (dist/): each rank
// reads its own shard of every epoch's order (one seeded permutation, rank-strided, equal
// lengths, as DistributedSampler), draws its own z and flips from generators keyed by (seed,
// step, rank), and replaces its gradients by the ranks' mean before every optimiser step, so
// every rank holds the same weights; BatchNorm statistics stay per rank unless --sync-bn. The
// ranks agree each step on the logged losses (their mean) and on whether to stop (any rank
// interrupted), so they never fall out of step. A job of one (no launcher variables) is the
// plain single-process run, unchanged.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dcgan/dist/group.h"

namespace dcgan::gan {

struct DataParallelConfig {
  std::string backend = "auto";  // --dist-backend auto | gloo | nccl
  std::string master;            // --dist-master HOST:PORT (Slurm); "" = MASTER_ADDR/PORT
  int timeout_s = 60;            // --dist-timeout
  bool sync_bn = false;          // --sync-bn

  void validate() const;
};

class DataParallel {
 public:
  // Joins the job the environment describes (torchrun, Slurm, `--nproc`); alone otherwise.
  DataParallel(const DataParallelConfig& config, bool cuda);

  bool distributed() const { return group_ != nullptr; }
  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  // Only rank 0 writes the run folder.
  bool writes() const { return rank_ == 0; }
  dist::Group* group() const { return group_.get(); }
  bool sync_bn() const { return config_.sync_bn && distributed(); }

  // This rank's part of an epoch's order (N): every world_size-th index from its rank, the
  // order first cut to a multiple of world_size so that every rank gets N / world_size.
  torch::Tensor shard(const torch::Tensor& order) const;
  // A generator for step `step`'s draws on this rank (z of D step `k`, flips): ranks draw
  // different numbers, and a resumed rank the same ones again without saved state.
  at::Generator step_generator(uint64_t seed, int64_t step, int k) const;

  // The gradients of `parameters` replaced by their mean over the ranks.
  void average_gradients(const std::vector<torch::Tensor>& parameters);
  // Every rank's copy of `tensors` replaced by rank 0's (weights, buffers, Adam moments).
  void broadcast(const std::vector<torch::Tensor>& tensors);
  // `values` (this rank's) replaced by their mean over the ranks; returns whether any rank
  // asked to stop.
  bool agree(std::vector<double>& values, bool stop_here);
  // Waits for every rank (before rank 0 closes the rendezvous store at the end).
  void barrier();

 private:
  DataParallelConfig config_;
  int rank_ = 0;
  int world_size_ = 1;
  std::unique_ptr<dist::Group> group_;
};

}  // namespace dcgan::gan
