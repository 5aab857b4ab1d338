// The run's generators as the server uses them: each checkpoint loaded once through
// gan::load_for_sampling (the code `dcgan sample` runs), a few kept in memory (least recently
// used dropped), and one generation at a time in the process: the machine's cores are shared
// by every request, and the oneDNN layers keep per-shape state that is not made for concurrent
// calls. Requests that only wait on the lock cost no CPU.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dcgan/gan/sampler.h"

namespace dcgan::serve {

class Generators {
 public:
  // `threads`: the compute threads every generation runs with (> 0), set on the calling thread
  // each time: OpenMP's count is per thread, and requests arrive on the server's own threads.
  Generators(std::string device, int threads, int keep_loaded);

  // The model of checkpoint file `path` (the key is the path): loaded on first use, by one
  // caller while any others asking for it wait. Throws what load_for_sampling throws; a failed
  // load is not remembered.
  std::shared_ptr<const gan::LoadedModel> model(const std::string& path);

  // gan::generate under the process-wide generation lock: uint8 (n, C, S, S).
  torch::Tensor generate(const gan::LoadedModel& model, const torch::Tensor& z);

  // Runs `work` under the generation lock (for other computations with a model).
  template <class Work>
  auto exclusive(Work work) {
    std::lock_guard<std::mutex> lock(compute_mutex_);
    set_threads();
    return work();
  }

  int threads() const { return threads_; }

 private:
  using Loaded = std::shared_future<std::shared_ptr<const gan::LoadedModel>>;

  void set_threads() const;

  std::string device_;
  int threads_;
  size_t keep_loaded_;
  std::mutex mutex_;  // guards loaded_ and recent_
  std::map<std::string, Loaded> loaded_;
  std::list<std::string> recent_;  // most recently used first
  std::mutex compute_mutex_;
};

}  // namespace dcgan::serve
