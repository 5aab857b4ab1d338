// The two model families: the recipe's DCGAN (carpedm20 layout) and the original MLP GAN of
// Goodfellow et al. 2014. Shape legend: B batch, Z z_dim, C image channels, S output side,
// s_k = ceil(S / 2^k) (ceil halving, so 48 -> 24/12/6/3 and 28 -> 14/7/4/2 both work).
// Models only map tensors; training, sampling and saving live elsewhere.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

#include "dcgan/core/json.h"

namespace dcgan::gan {

struct ModelConfig {
  std::string arch = "dcgan";  // dcgan | mlp
  int size = 48;               // output side S, 16..256
  int channels = 3;            // 1 (grayscale) or 3 (colour)
  int z_dim = 100;
  int gf_dim = 64;               // DCGAN generator base width
  int df_dim = 64;               // DCGAN discriminator base width
  int mlp_hidden_g = 1200;       // MLP generator hidden units (paper: 1200)
  int mlp_hidden_d = 240;        // MLP discriminator maxout units (paper: 240 x 5 pieces)
  std::string kernels = "fast";  // fast (oneDNN layers, kernels/conv.h) | torch (plain LibTorch)
  // D's options (Karras et al. 2018 §3; Miyato et al. 2018): a minibatch standard deviation
  // channel over groups of this many images before D's last layer (0 = off), and spectral
  // normalisation of every conv and linear weight of D.
  int mbstd_group = 0;
  bool spectral_norm = false;

  void validate() const;
  std::string to_string() const;
  Json to_json() const;
  static ModelConfig from_json(const Json& json);
  // The fields a checkpoint must agree on to be loadable (everything but `kernels`).
  bool same_architecture(const ModelConfig& other) const;
};

// BatchNorm then the activation after it, as one function (x, bn, slope) -> act(bn(x)), ReLU
// for slope 0 else LeakyReLU: set on a model, it replaces the model's own BatchNorm in training
// mode (--sync-bn: statistics over every rank, dist/sync_batch_norm.h); evaluation mode keeps
// the running statistics.
using BatchNormAct =
    std::function<torch::Tensor(const torch::Tensor&, torch::nn::BatchNorm2dImpl&, double)>;

// ceil(S / 2^k) for k = 0..4.
std::array<int, 5> dcgan_sizes(int size);

// Interface shared by both generator families so the trainer and sampler need not know which.
class GeneratorBase : public torch::nn::Module {
 public:
  // z: (B, Z) -> (B, C, S, S) in [-1, 1]
  virtual torch::Tensor forward(torch::Tensor z) = 0;
  void set_batch_norm_act(BatchNormAct batch_norm_act) {
    batch_norm_act_ = std::move(batch_norm_act);
  }

 protected:
  BatchNormAct batch_norm_act_;  // empty: the model's own layers
};

class DiscriminatorBase : public torch::nn::Module {
 public:
  // x: (B, C, S, S) in [-1, 1] -> (B) logits (not sigmoid: the losses work on logits)
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  // One power iteration of every spectrally normalised weight (a no-op without
  // --spectral-norm); the training step calls it once per D step.
  virtual void spectral_norm_power_iteration() {}
  // While on, every layer runs through LibTorch's own modules, whose backward passes are
  // differentiable again (the R1 penalty needs a gradient of a gradient); the fast layers'
  // are not.
  void set_reference_layers(bool on) { reference_layers_ = on; }
  void set_batch_norm_act(BatchNormAct batch_norm_act) {
    batch_norm_act_ = std::move(batch_norm_act);
  }

 protected:
  bool reference_layers_ = false;
  BatchNormAct batch_norm_act_;  // empty: the model's own layers
};

// Builds and initialises (N(0, 0.02) weights, zero biases, BN gamma 1 beta 0) the models.
std::shared_ptr<GeneratorBase> make_generator(const ModelConfig& config);
std::shared_ptr<DiscriminatorBase> make_discriminator(const ModelConfig& config);

int64_t count_parameters(const torch::nn::Module& module);

// Minibatch standard deviation (Karras et al. 2018 §3, their networks.py): x (N, F, ...) ->
// (N, F + 1, ...). The batch is split into groups of `group` images, image n in group n mod
// (N / group); the extra channel holds, for each image, the mean over features and positions
// of the standard deviation over its group (sqrt(var + 1e-8)), constant over positions. A
// group larger than N is N; one N is not a multiple of uses the largest size below it that
// divides N.
torch::Tensor minibatch_stddev(const torch::Tensor& x, int group);

}  // namespace dcgan::gan
