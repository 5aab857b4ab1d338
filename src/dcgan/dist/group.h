// A data-parallel job's process group on PyTorch's c10d: a TCPStore rendezvous at rank 0's
// address, then Gloo (CPU tensors) or NCCL (CUDA tensors, on LibTorch builds with NCCL). Every
// rank calls the same collectives in the same order. A rank that dies or hangs makes the
// others' next collective fail within the timeout; the failure is reported as one line naming
// the rank(s) that went silent, found through heartbeats each rank writes to the store.
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dcgan/dist/env.h"

namespace c10d {
class Store;
}

namespace dcgan::dist {

struct GroupOptions {
  std::string backend = "auto";              // auto (nccl for CUDA, else gloo) | gloo | nccl
  std::chrono::seconds timeout{60};          // --dist-timeout: rendezvous and every collective
  int64_t bucket_bytes = int64_t{25} << 20;  // average() reduces at most this much at once
};

class Group {
 public:
  // Joins the group; returns once every rank has. `cuda`: the tensors will live on CUDA.
  // Throws ConfigError for a backend this build lacks (nccl without CUDA), NetworkError when
  // the rendezvous does not complete within the timeout.
  Group(const DistEnv& env, const GroupOptions& options, bool cuda);
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  int rank() const { return env_.rank; }
  int size() const { return env_.world_size; }
  const std::string& backend() const { return backend_; }

  // Every rank's tensors replaced by their mean over the ranks (in place), in buckets of at
  // most bucket_bytes flattened into one buffer each.
  void average(const std::vector<torch::Tensor>& tensors);
  // Sums in place over the ranks.
  void sum(const std::vector<torch::Tensor>& tensors);
  // Every rank's tensors replaced by rank `root`'s (in place).
  void broadcast(const std::vector<torch::Tensor>& tensors, int root = 0);
  void barrier();

  // Bytes average() moved per call so far (its last call), for the benchmark.
  int64_t last_average_bytes() const { return last_average_bytes_; }

 private:
  friend class OverlappedAverage;  // its all-reduces are the group's collectives
  struct Impl;
  template <class Run>
  void collective(const char* what, Run run);
  [[noreturn]] void fail(const char* what, const std::string& error);
  std::vector<int> silent_ranks();
  void heartbeat_loop();

  DistEnv env_;
  GroupOptions options_;
  std::string backend_;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stopping_{false};
  std::thread heartbeat_;
  int64_t last_average_bytes_ = 0;
};

// The gradients of `parameters` averaged over the ranks with the all-reduces overlapping the
// backward pass, as PyTorch's DistributedDataParallel (its c10d Reducer) does: hooks collect
// each gradient as backward computes it into buckets of at most `bucket_bytes` (from the last
// parameter back, the order they arrive in) and start a bucket's all-reduce as soon as it is
// full, while backward goes on with the earlier layers. Call prepare() right before a backward
// pass over all of them and finish() after it: their gradients are then the ranks' mean.
// Gradients of other backward passes (no prepare()) are left alone. Every rank must compute
// the same parameters' gradients in a pass (the same graph), so that the buckets start in the
// same order everywhere, as DDP requires without find_unused_parameters. The parameters share
// one dtype and device.
class OverlappedAverage {
 public:
  OverlappedAverage(Group& group, const std::vector<torch::Tensor>& parameters,
                    int64_t bucket_bytes);
  ~OverlappedAverage();
  OverlappedAverage(const OverlappedAverage&) = delete;
  OverlappedAverage& operator=(const OverlappedAverage&) = delete;

  void prepare();
  void finish();
  // Buckets in all, and those whose all-reduce the last pass started before it returned.
  int buckets() const;
  int started_during_pass() const { return started_during_pass_; }

 private:
  struct Bucket;
  void arrived(size_t index, const torch::Tensor& grad);
  void launch(Bucket& bucket);

  Group& group_;
  std::vector<torch::Tensor> parameters_;
  std::vector<Bucket> buckets_;
  std::vector<std::pair<size_t, size_t>> bucket_of_;  // parameter -> (bucket, slot in it)
  std::vector<unsigned> hooks_;
  bool armed_ = false;
  int started_during_pass_ = 0;
};

}  // namespace dcgan::dist
