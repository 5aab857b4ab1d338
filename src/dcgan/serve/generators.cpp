// Loaded checkpoints and serialised generation; see generators.h.
#include "dcgan/serve/generators.h"

#include <algorithm>

namespace dcgan::serve {

Generators::Generators(std::string device, int threads, int keep_loaded)
    : device_(std::move(device)),
      threads_(std::max(1, threads)),
      keep_loaded_(static_cast<size_t>(std::max(1, keep_loaded))) {}

void Generators::set_threads() const {
  if (at::get_num_threads() != threads_) at::set_num_threads(threads_);
}

std::shared_ptr<const gan::LoadedModel> Generators::model(const std::string& path) {
  std::promise<std::shared_ptr<const gan::LoadedModel>> promise;
  Loaded loaded;
  bool load_here = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    recent_.remove(path);
    recent_.push_front(path);
    auto found = loaded_.find(path);
    if (found != loaded_.end()) {
      loaded = found->second;
    } else {
      loaded = promise.get_future().share();
      loaded_.emplace(path, loaded);
      load_here = true;
      while (recent_.size() > keep_loaded_) {  // requests holding a dropped model keep it alive
        loaded_.erase(recent_.back());
        recent_.pop_back();
      }
    }
  }
  if (load_here) {  // outside the lock: other checkpoints are served meanwhile
    try {
      promise.set_value(
          std::make_shared<const gan::LoadedModel>(gan::load_for_sampling("", path, device_)));
    } catch (...) {
      promise.set_exception(std::current_exception());
      std::lock_guard<std::mutex> lock(mutex_);
      loaded_.erase(path);
      recent_.remove(path);
    }
  }
  return loaded.get();
}

torch::Tensor Generators::generate(const gan::LoadedModel& model, const torch::Tensor& z) {
  return exclusive([&] { return gan::generate(model, z); });
}

}  // namespace dcgan::serve
