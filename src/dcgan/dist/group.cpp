// The process group; see group.h. Heartbeats: a thread per rank adds 1 to the store key
// "dcgan/heartbeat/<rank>" every 500 ms. When a collective fails, the counters are read twice
// two seconds apart; a rank whose counter did not move (or cannot be read) went silent.
#include "dcgan/dist/group.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <cstdlib>
#include <map>

#include "dcgan/core/error.h"
#include "dcgan/core/log.h"

namespace dcgan::dist {
namespace {

constexpr auto kHeartbeatPeriod = std::chrono::milliseconds(500);
constexpr auto kSilenceWindow = std::chrono::seconds(2);

std::string heartbeat_key(int rank) { return "dcgan/heartbeat/" + std::to_string(rank); }

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// The network device Gloo talks through: GLOO_SOCKET_IFNAME as torchrun honours it, loopback
// for a job on one machine's loopback, else the address this host's name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const DistEnv& env) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME")) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  if (is_loopback(env.master_addr)) {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

struct Group::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
  // ProcessGroupGloo and ProcessGroupNCCL share these calls (a ProcessGroup in LibTorch 1.x,
  // a Backend in 2.x); each is held by its own type.
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#ifdef USE_C10D_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif

  c10::intrusive_ptr<c10d::Work> allreduce(std::vector<torch::Tensor>& tensors) {
#ifdef USE_C10D_NCCL
    if (nccl) return nccl->allreduce(tensors);
#endif
    return gloo->allreduce(tensors);
  }
  c10::intrusive_ptr<c10d::Work> broadcast(std::vector<torch::Tensor>& tensors, int root) {
    c10d::BroadcastOptions options;
    options.rootRank = root;
#ifdef USE_C10D_NCCL
    if (nccl) return nccl->broadcast(tensors, options);
#endif
    return gloo->broadcast(tensors, options);
  }
  c10::intrusive_ptr<c10d::Work> barrier() {
#ifdef USE_C10D_NCCL
    if (nccl) return nccl->barrier();
#endif
    return gloo->barrier();
  }
};

Group::Group(const DistEnv& env, const GroupOptions& options, bool cuda)
    : env_(env), options_(options), impl_(std::make_unique<Impl>()) {
  backend_ = options.backend == "auto" ? (cuda ? "nccl" : "gloo") : options.backend;
  require(backend_ == "gloo" || backend_ == "nccl",
          "--dist-backend must be auto, gloo or nccl (got '" + options.backend + "')");
#ifndef USE_C10D_NCCL
  require(backend_ != "nccl",
          "--dist-backend nccl: this build's LibTorch has no NCCL (a CPU build); use "
          "--dist-backend gloo, or build against a CUDA LibTorch");
#endif
  require(backend_ != "nccl" || cuda, "--dist-backend nccl needs --device cuda");
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout);
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<std::uint16_t>(env.master_port);
    store_options.isServer = env.rank == 0;
    store_options.numWorkers = env.world_size;
    store_options.waitWorkers = true;
    store_options.timeout = timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
    if (backend_ == "gloo") {
      auto gloo_options = c10d::ProcessGroupGloo::Options::create();
      gloo_options->timeout = timeout;
      gloo_options->devices.push_back(gloo_device(env));
      impl_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, env.rank,
                                                                env.world_size, gloo_options);
    }
#ifdef USE_C10D_NCCL
    if (backend_ == "nccl") {
      auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
      nccl_options->timeout = timeout;
      impl_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, env.rank,
                                                                env.world_size, nccl_options);
    }
#endif
  } catch (const std::exception& e) {
    throw NetworkError("distributed rendezvous at " + env.master_addr + ":" +
                       std::to_string(env.master_port) + " failed for rank " +
                       std::to_string(env.rank) + " of " + std::to_string(env.world_size) +
                       " within --dist-timeout " + std::to_string(options.timeout.count()) +
                       " s: " + c10::GetExceptionString(e));
  }
  impl_->store->set(heartbeat_key(env.rank), std::vector<uint8_t>{'0'});
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
  DCGAN_INFO("joined the " << backend_ << " group as " << env.to_string());
}

Group::~Group() {
  stopping_ = true;
  if (heartbeat_.joinable()) heartbeat_.join();
}

void Group::heartbeat_loop() {
  while (!stopping_) {
    std::this_thread::sleep_for(kHeartbeatPeriod);
    try {
      impl_->store->add(heartbeat_key(env_.rank), 1);
    } catch (const std::exception&) {
      return;  // the store's host is gone; the next collective reports it
    }
  }
}

std::vector<int> Group::silent_ranks() {
  auto read_all = [&] {
    std::map<int, int64_t> counters;
    for (int r = 0; r < env_.world_size; ++r) {
      if (r == env_.rank) continue;
      counters[r] = impl_->store->add(heartbeat_key(r), 0);  // reads without waiting
    }
    return counters;
  };
  const auto before = read_all();
  std::this_thread::sleep_for(kSilenceWindow);
  const auto after = read_all();
  std::vector<int> silent;
  for (const auto& [r, count] : before) {
    if (after.at(r) == count) silent.push_back(r);
  }
  return silent;
}

void Group::fail(const char* what, const std::string& error) {
  std::string who;
  try {
    for (int r : silent_ranks()) who += (who.empty() ? "rank " : ", rank ") + std::to_string(r);
    if (who.empty())
      who = "a peer (every rank still answers: one may be stuck)";
    else
      who += " stopped answering";
  } catch (const std::exception&) {
    who = "rank 0 (the rendezvous store's host) is unreachable";
  }
  std::string first_line = error.substr(0, error.find('\n'));
  throw NetworkError("distributed training: " + who + " during " + what + "; rank " +
                     std::to_string(env_.rank) + " stops (" + first_line + ")");
}

template <class Run>
void Group::collective(const char* what, Run run) {
  std::string error;
  try {
    auto work = run();
    work->wait(std::chrono::duration_cast<std::chrono::milliseconds>(options_.timeout));
    return;
  } catch (const std::exception& e) {
    error = c10::GetExceptionString(e);
  }
  fail(what, error);
}

void Group::average(const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  last_average_bytes_ = 0;
  size_t begin = 0;
  while (begin < tensors.size()) {
    size_t end = begin;
    int64_t bytes = 0;
    while (end < tensors.size() &&
           (end == begin ||
            (bytes + static_cast<int64_t>(tensors[end].nbytes()) <= options_.bucket_bytes &&
             tensors[end].scalar_type() == tensors[begin].scalar_type() &&
             tensors[end].device() == tensors[begin].device()))) {
      bytes += static_cast<int64_t>(tensors[end].nbytes());
      ++end;
    }
    std::vector<torch::Tensor> flat_parts;
    for (size_t i = begin; i < end; ++i) flat_parts.push_back(tensors[i].reshape({-1}));
    std::vector<torch::Tensor> bucket{torch::cat(flat_parts)};
    collective("a gradient all-reduce", [&] { return impl_->allreduce(bucket); });
    bucket[0].div_(env_.world_size);
    int64_t offset = 0;
    for (size_t i = begin; i < end; ++i) {
      const int64_t n = tensors[i].numel();
      tensors[i].copy_(bucket[0].narrow(0, offset, n).view_as(tensors[i]));
      offset += n;
    }
    last_average_bytes_ += bytes;
    begin = end;
  }
}

void Group::sum(const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    std::vector<torch::Tensor> one{t};
    collective("an all-reduce", [&] { return impl_->allreduce(one); });
  }
}

void Group::broadcast(const std::vector<torch::Tensor>& tensors, int root) {
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    std::vector<torch::Tensor> one{t};
    collective("a broadcast from rank 0", [&] { return impl_->broadcast(one, root); });
  }
}

void Group::barrier() {
  collective("a barrier", [&] { return impl_->barrier(); });
}

// ------------------------------------------------------------------ OverlappedAverage

struct OverlappedAverage::Bucket {
  std::vector<size_t> members;  // indices into parameters_
  torch::Tensor flat;           // their gradients, one after the other
  std::vector<int64_t> offsets;
  int ready = 0;  // members whose gradient arrived in this pass
  c10::intrusive_ptr<c10d::Work> work;
};

OverlappedAverage::OverlappedAverage(Group& group, const std::vector<torch::Tensor>& parameters,
                                     int64_t bucket_bytes)
    : group_(group), parameters_(parameters), bucket_of_(parameters.size()) {
  // From the last parameter back, the order backward computes them in.
  std::vector<int64_t> bucket_numel;
  int64_t bucket_bytes_so_far = 0;
  for (size_t i = parameters.size(); i-- > 0;) {
    const auto bytes = static_cast<int64_t>(parameters[i].nbytes());
    if (buckets_.empty() || bucket_bytes_so_far + bytes > bucket_bytes) {
      buckets_.emplace_back();
      bucket_numel.push_back(0);
      bucket_bytes_so_far = 0;
    }
    Bucket& b = buckets_.back();
    b.offsets.push_back(bucket_numel.back());
    b.members.push_back(i);
    bucket_numel.back() += parameters[i].numel();
    bucket_bytes_so_far += bytes;
    bucket_of_[i] = {buckets_.size() - 1, b.members.size() - 1};
  }
  for (size_t k = 0; k < buckets_.size(); ++k) {
    buckets_[k].flat = torch::empty({bucket_numel[k]}, parameters.front().options());
  }
  for (size_t i = 0; i < parameters.size(); ++i) {
    // A leaf's hook sees its whole gradient of the pass (uses summed) before it is stored.
    hooks_.push_back(parameters_[i].register_hook([this, i](const torch::Tensor& grad) {
      if (armed_) arrived(i, grad);
      return torch::Tensor();  // the gradient unchanged
    }));
  }
}

OverlappedAverage::~OverlappedAverage() {
  for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].remove_hook(hooks_[i]);
}

int OverlappedAverage::buckets() const { return static_cast<int>(buckets_.size()); }

void OverlappedAverage::prepare() {
  for (Bucket& b : buckets_) {
    b.ready = 0;
    b.work.reset();
  }
  armed_ = true;
}

void OverlappedAverage::arrived(size_t index, const torch::Tensor& grad) {
  torch::NoGradGuard no_grad;
  const auto [bucket, slot] = bucket_of_[index];
  Bucket& b = buckets_[bucket];
  b.flat.narrow(0, b.offsets[slot], grad.numel()).copy_(grad.reshape({-1}));
  if (++b.ready == static_cast<int>(b.members.size())) launch(b);
}

void OverlappedAverage::launch(Bucket& b) {
  std::vector<torch::Tensor> one{b.flat};
  try {
    b.work = group_.impl_->allreduce(one);
  } catch (const std::exception& e) {
    group_.fail("a gradient all-reduce", c10::GetExceptionString(e));
  }
}

void OverlappedAverage::finish() {
  torch::NoGradGuard no_grad;
  armed_ = false;
  started_during_pass_ = 0;
  for (const Bucket& b : buckets_) started_during_pass_ += b.work ? 1 : 0;
  group_.last_average_bytes_ = 0;
  for (Bucket& b : buckets_) {
    if (!b.work) {  // a member got no gradient this pass: it counts as zero on this rank
      for (size_t k = 0; k < b.members.size(); ++k) {
        const torch::Tensor& g = parameters_[b.members[k]].grad();
        auto part = b.flat.narrow(0, b.offsets[k], parameters_[b.members[k]].numel());
        if (g.defined())
          part.copy_(g.reshape({-1}));
        else
          part.zero_();
      }
      launch(b);
    }
    group_.collective("a gradient all-reduce", [&] { return b.work; });
    b.flat.div_(group_.size());
    for (size_t k = 0; k < b.members.size(); ++k) {
      torch::Tensor& p = parameters_[b.members[k]];
      auto part = b.flat.narrow(0, b.offsets[k], p.numel()).view_as(p);
      if (p.grad().defined())
        p.mutable_grad().copy_(part);
      else
        p.mutable_grad() = part.clone();
    }
    group_.last_average_bytes_ += static_cast<int64_t>(b.flat.nbytes());
    b.work.reset();
  }
}

}  // namespace dcgan::dist
