// DCGAN (recipe layout: carpedm20/DCGAN-tensorflow's model.py) and MLP GAN (Goodfellow et al. 2014
// §5) models.
#include "dcgan/gan/models.h"

#include <sstream>

#include "dcgan/core/error.h"
#include "dcgan/gan/spectral_norm.h"
#include "dcgan/kernels/autocast.h"
#include "dcgan/kernels/batch_norm.h"
#include "dcgan/kernels/conv.h"
#include "dcgan/kernels/linear.h"

namespace dcgan::gan {
namespace nn = torch::nn;

// ---------------------------------------------------------------------------------- config

void ModelConfig::validate() const {
  require(arch == "dcgan" || arch == "mlp", "--arch must be dcgan or mlp (got '" + arch + "')");
  require(size >= 16 && size <= 256,
          "--output-size must be between 16 and 256 (got " + std::to_string(size) + ")");
  require(channels == 1 || channels == 3, "image channels must be 1 or 3");
  require(z_dim >= 1 && z_dim <= 4096, "--z-dim must be between 1 and 4096");
  require(gf_dim >= 1 && gf_dim <= 1024, "--gf-dim must be between 1 and 1024");
  require(df_dim >= 1 && df_dim <= 1024, "--df-dim must be between 1 and 1024");
  require(mlp_hidden_g >= 1 && mlp_hidden_d >= 1, "MLP hidden sizes must be positive");
  require(mbstd_group >= 0 && mbstd_group <= 1024,
          "--mbstd must be 0 (off) or a group size between 1 and 1024");
  require(kernels == "torch" || kernels == "fast",
          "--kernels must be torch or fast (got '" + kernels + "')");
}

std::string ModelConfig::to_string() const { return "ModelConfig" + to_json().dump(); }

Json ModelConfig::to_json() const {
  return Json{{"arch", arch},
              {"size", size},
              {"channels", channels},
              {"z_dim", z_dim},
              {"gf_dim", gf_dim},
              {"df_dim", df_dim},
              {"mlp_hidden_g", mlp_hidden_g},
              {"mlp_hidden_d", mlp_hidden_d},
              {"kernels", kernels},
              {"mbstd_group", mbstd_group},
              {"spectral_norm", spectral_norm}};
}

ModelConfig ModelConfig::from_json(const Json& json) {
  ModelConfig c;
  c.arch = json.value("arch", c.arch);
  c.size = json.value("size", c.size);
  c.channels = json.value("channels", c.channels);
  c.z_dim = json.value("z_dim", c.z_dim);
  c.gf_dim = json.value("gf_dim", c.gf_dim);
  c.df_dim = json.value("df_dim", c.df_dim);
  c.mlp_hidden_g = json.value("mlp_hidden_g", c.mlp_hidden_g);
  c.mlp_hidden_d = json.value("mlp_hidden_d", c.mlp_hidden_d);
  c.kernels = json.value("kernels", c.kernels);
  c.mbstd_group = json.value("mbstd_group", c.mbstd_group);
  c.spectral_norm = json.value("spectral_norm", c.spectral_norm);
  return c;
}

bool ModelConfig::same_architecture(const ModelConfig& o) const {
  if (arch != o.arch || size != o.size || channels != o.channels || z_dim != o.z_dim) return false;
  if (mbstd_group != o.mbstd_group || spectral_norm != o.spectral_norm) return false;
  if (arch == "dcgan") return gf_dim == o.gf_dim && df_dim == o.df_dim;
  return mlp_hidden_g == o.mlp_hidden_g && mlp_hidden_d == o.mlp_hidden_d;
}

std::array<int, 5> dcgan_sizes(int size) {
  std::array<int, 5> s{};
  s[0] = size;
  for (int k = 1; k < 5; ++k) s[k] = (s[k - 1] + 1) / 2;
  return s;
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

torch::Tensor minibatch_stddev(const torch::Tensor& x, int group) {
  const int64_t n = x.size(0);
  int64_t g = std::max<int64_t>(1, std::min<int64_t>(group, n));
  while (n % g != 0) --g;
  // (G, M, F, ...): image n = k * M + m is member k of group m, as networks.py's reshape.
  std::vector<int64_t> grouped{g, n / g};
  const auto rest = x.sizes().slice(1);
  grouped.insert(grouped.end(), rest.begin(), rest.end());
  auto y = x.reshape(grouped);
  y = y - y.mean(0, /*keepdim=*/true);
  y = (y.square().mean(0) + 1e-8).sqrt();  // (M, F, ...): the standard deviation over the group
  y = y.flatten(1).mean(1);                // (M): averaged over features and positions
  std::vector<int64_t> column(x.dim(), 1), tiled = x.sizes().vec();
  column[0] = n;
  tiled[1] = 1;
  return torch::cat({x, y.repeat({g}).view(column).expand(tiled)}, 1);
}

namespace {

// An output computed in BF16 (CUDA autocast) back in FP32; FP32 and FP64 models keep theirs
// (the R1 and gradient tests run D in double).
torch::Tensor full_precision(const torch::Tensor& t) {
  return t.scalar_type() == torch::kBFloat16 || t.scalar_type() == torch::kHalf
             ? t.to(torch::kFloat)
             : t;
}

// DCGAN initialisation (carpedm20 ops.py): conv/deconv/linear weights N(0, 0.02), biases 0;
// BN gamma 1, beta 0 (the TF defaults, and LibTorch's).
void init_dcgan_weights(nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& item : module.named_parameters()) {
    const std::string& name = item.key();
    bool is_bn = name.find("bn") != std::string::npos;
    if (is_bn) continue;
    if (name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0) {
      item.value().normal_(0.0, 0.02);
    } else if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) {
      item.value().zero_();
    }
  }
}

nn::BatchNorm2d make_bn(int channels) {
  // TF batch_norm decay 0.9 == PyTorch momentum 0.1; epsilon 1e-5.
  return nn::BatchNorm2d(nn::BatchNorm2dOptions(channels).eps(1e-5).momentum(0.1));
}

// ----------------------------------------------------------------------------------- DCGAN

// G: z -> Linear(Z, 8gf*s4*s4) -> BN -> ReLU -> 4 x [ConvT k5 s2] (BN+ReLU between) -> tanh
//   (B, Z) -> (B, 8gf, s4, s4) -> (B, 4gf, s3, s3) -> (B, 2gf, s2, s2) -> (B, gf, s1, s1)
//   -> (B, C, S, S)
class DcganGeneratorImpl : public GeneratorBase {
 public:
  explicit DcganGeneratorImpl(const ModelConfig& c)
      : sizes_(dcgan_sizes(c.size)), fast_(c.kernels == "fast") {
    const int gf = c.gf_dim;
    const int chans[5] = {8 * gf, 4 * gf, 2 * gf, gf, c.channels};
    fc_ = register_module("fc", nn::Linear(c.z_dim, chans[0] * sizes_[4] * sizes_[4]));
    bn0_ = register_module("bn0", make_bn(chans[0]));
    for (int i = 0; i < 4; ++i) {
      // Output side of a k5 s2 p2 transposed conv is 2n - 1 + output_padding; choosing
      // output_padding in {0, 1} reaches exactly the ceil-halved size (TF 'SAME' semantics).
      int in = sizes_[4 - i], out = sizes_[3 - i];
      int output_padding = out - (2 * in - 1);
      deconv_[i] =
          register_module("deconv" + std::to_string(i + 1),
                          nn::ConvTranspose2d(nn::ConvTranspose2dOptions(chans[i], chans[i + 1], 5)
                                                  .stride(2)
                                                  .padding(2)
                                                  .output_padding(output_padding)));
      if (i < 3) bn_[i] = register_module("bn" + std::to_string(i + 1), make_bn(chans[i + 1]));
    }
    init_dcgan_weights(*this);
  }

  torch::Tensor forward(torch::Tensor z) override {
    kernels::CudaBf16Autocast autocast(z);  // --precision bf16 on CUDA
    auto h = (fast_ ? kernels::fast_forward(*fc_, z) : fc_->forward(z))
                 .view({z.size(0), -1, sizes_[4], sizes_[4]});
    h = bn_relu(*bn0_, h);
    for (int i = 0; i < 3; ++i) h = bn_relu(*bn_[i], deconv(i, h));
    return full_precision(torch::tanh(deconv(3, h)));
  }

 private:
  torch::Tensor bn_relu(nn::BatchNorm2dImpl& bn, const torch::Tensor& h) {
    if (batch_norm_act_ && is_training()) return batch_norm_act_(h, bn, 0.0);
    return fast_ ? kernels::fast_batch_norm_act(h, bn, 0.0) : torch::relu(bn.forward(h));
  }
  torch::Tensor deconv(int i, const torch::Tensor& h) {
    return fast_ && kernels::fast_kernels_support(h) ? kernels::fast_forward(*deconv_[i], h)
                                                     : deconv_[i]->forward(h);
  }

  std::array<int, 5> sizes_;
  bool fast_;  // oneDNN layers (fast_conv.h); same parameters, same results
  nn::Linear fc_{nullptr};
  nn::BatchNorm2d bn0_{nullptr};
  std::array<nn::ConvTranspose2d, 4> deconv_{nullptr, nullptr, nullptr, nullptr};
  std::array<nn::BatchNorm2d, 3> bn_{nullptr, nullptr, nullptr};
};

// D: 4 x [Conv k5 s2 p2] with LeakyReLU(0.2), BN on all but the first -> Linear -> 1 logit
//   (B, C, S, S) -> (B, df, s1, s1) -> (B, 2df, s2, s2) -> (B, 4df, s3, s3)
//   -> (B, 8df, s4, s4) -> (B)
class DcganDiscriminatorImpl : public DiscriminatorBase {
 public:
  explicit DcganDiscriminatorImpl(const ModelConfig& c)
      : fast_(c.kernels == "fast"), mbstd_group_(c.mbstd_group) {
    const int df = c.df_dim;
    const int chans[5] = {c.channels, df, 2 * df, 4 * df, 8 * df};
    for (int i = 0; i < 4; ++i) {
      // The minibatch standard deviation channel joins the last conv's input (ProGAN puts it
      // before the last conv block too).
      const int in = chans[i] + (i == 3 && mbstd_group_ > 0 ? 1 : 0);
      conv_[i] =
          register_module("conv" + std::to_string(i + 1),
                          nn::Conv2d(nn::Conv2dOptions(in, chans[i + 1], 5).stride(2).padding(2)));
      if (i > 0) bn_[i - 1] = register_module("bn" + std::to_string(i), make_bn(chans[i + 1]));
    }
    const int s4 = dcgan_sizes(c.size)[4];
    fc_ = register_module("fc", nn::Linear(chans[4] * s4 * s4, 1));
    init_dcgan_weights(*this);
    if (c.spectral_norm) {
      for (auto& conv : conv_) spectral_norms_.emplace_back(*conv, conv->weight);
      spectral_norms_.emplace_back(*fc_, fc_->weight);
    }
  }

  torch::Tensor forward(torch::Tensor x) override {
    kernels::CudaBf16Autocast autocast(x);  // --precision bf16 on CUDA
    auto h = torch::leaky_relu(conv(0, x), 0.2);
    for (int i = 1; i < 4; ++i) {
      if (i == 3 && mbstd_group_ > 0) h = minibatch_stddev(h, mbstd_group_);
      h = bn_leaky_relu(*bn_[i - 1], conv(i, h));
    }
    h = h.flatten(1);
    if (spectral_norms_.empty()) {
      return full_precision((fast() ? kernels::fast_forward(*fc_, h) : fc_->forward(h)).view({-1}));
    }
    return full_precision(
        torch::nn::functional::linear(h, spectral_norms_.back().normalized_weight(), fc_->bias)
            .view({-1}));
  }

  void spectral_norm_power_iteration() override {
    for (auto& norm : spectral_norms_) norm.power_iteration();
  }

 private:
  bool fast() const { return fast_ && !reference_layers_; }
  torch::Tensor bn_leaky_relu(nn::BatchNorm2dImpl& bn, const torch::Tensor& h) {
    if (batch_norm_act_ && is_training()) return batch_norm_act_(h, bn, 0.2);
    return fast() ? kernels::fast_batch_norm_act(h, bn, 0.2)
                  : torch::leaky_relu(bn.forward(h), 0.2);
  }
  torch::Tensor conv(int i, const torch::Tensor& h) {
    const bool fast_layer = fast() && kernels::fast_kernels_support(h);
    if (spectral_norms_.empty()) {
      return fast_layer ? kernels::fast_forward(*conv_[i], h) : conv_[i]->forward(h);
    }
    const torch::Tensor weight = spectral_norms_[i].normalized_weight();
    if (fast_layer) return kernels::fast_conv2d(h, weight, conv_[i]->bias, 2, 2);
    return torch::nn::functional::conv2d(
        h, weight,
        torch::nn::functional::Conv2dFuncOptions().bias(conv_[i]->bias).stride(2).padding(2));
  }

  bool fast_;
  int mbstd_group_;
  std::array<nn::Conv2d, 4> conv_{nullptr, nullptr, nullptr, nullptr};
  std::array<nn::BatchNorm2d, 3> bn_{nullptr, nullptr, nullptr};
  nn::Linear fc_{nullptr};
  std::vector<SpectralNorm> spectral_norms_;  // conv1..conv4, fc; empty without the option
};

// ------------------------------------------------------------------------------------- MLP

// Goodfellow et al. 2014: G is ReLU MLP (two hidden layers of 1200 in the paper's MNIST
// setup), output squashed to [-1, 1] with tanh instead of the paper's sigmoid because our
// images live in [-1, 1].
//   (B, Z) -> (B, H) -> (B, H) -> (B, C*S*S) -> (B, C, S, S)
class MlpGeneratorImpl : public GeneratorBase {
 public:
  explicit MlpGeneratorImpl(const ModelConfig& c) : channels_(c.channels), size_(c.size) {
    const int h = c.mlp_hidden_g;
    fc1_ = register_module("fc1", nn::Linear(c.z_dim, h));
    fc2_ = register_module("fc2", nn::Linear(h, h));
    fc3_ = register_module("fc3", nn::Linear(h, c.channels * c.size * c.size));
    init_dcgan_weights(*this);
  }

  torch::Tensor forward(torch::Tensor z) override {
    auto h = torch::relu(fc1_->forward(z));
    h = torch::relu(fc2_->forward(h));
    return torch::tanh(fc3_->forward(h)).view({z.size(0), channels_, size_, size_});
  }

 private:
  int channels_, size_;
  nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
};

// The paper's D: two maxout layers (240 units x 5 pieces) with dropout, then one logit.
//   (B, C, S, S) -> (B, C*S*S) -> (B, H) -> (B, H) -> (B)
class MlpDiscriminatorImpl : public DiscriminatorBase {
 public:
  static constexpr int kPieces = 5;

  explicit MlpDiscriminatorImpl(const ModelConfig& c)
      : hidden_(c.mlp_hidden_d), mbstd_group_(c.mbstd_group) {
    const int in = c.channels * c.size * c.size;
    fc1_ = register_module("fc1", nn::Linear(in, hidden_ * kPieces));
    fc2_ = register_module("fc2", nn::Linear(hidden_, hidden_ * kPieces));
    // The minibatch standard deviation is one more feature into the last layer.
    fc3_ = register_module("fc3", nn::Linear(hidden_ + (mbstd_group_ > 0 ? 1 : 0), 1));
    dropout_ = register_module("dropout", nn::Dropout(0.5));
    init_dcgan_weights(*this);
    if (c.spectral_norm) {
      for (auto* fc : {&fc1_, &fc2_, &fc3_}) spectral_norms_.emplace_back(**fc, (*fc)->weight);
    }
  }

  torch::Tensor forward(torch::Tensor x) override {
    auto h = maxout(linear(0, x.flatten(1)));
    h = maxout(linear(1, dropout_->forward(h)));
    if (mbstd_group_ > 0) h = minibatch_stddev(h, mbstd_group_);
    return linear(2, dropout_->forward(h)).view({-1});
  }

  void spectral_norm_power_iteration() override {
    for (auto& norm : spectral_norms_) norm.power_iteration();
  }

 private:
  torch::Tensor linear(int i, const torch::Tensor& h) {
    nn::Linear& fc = i == 0 ? fc1_ : i == 1 ? fc2_ : fc3_;
    if (spectral_norms_.empty()) return fc->forward(h);
    return torch::nn::functional::linear(h, spectral_norms_[i].normalized_weight(), fc->bias);
  }

  // (B, H * k) -> (B, H): the max over each unit's k linear pieces.
  torch::Tensor maxout(const torch::Tensor& h) const {
    return std::get<0>(h.view({h.size(0), hidden_, kPieces}).max(2));
  }

  int hidden_;
  int mbstd_group_;
  nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
  nn::Dropout dropout_{nullptr};
  std::vector<SpectralNorm> spectral_norms_;  // fc1..fc3; empty without the option
};

}  // namespace

std::shared_ptr<GeneratorBase> make_generator(const ModelConfig& config) {
  config.validate();
  if (config.arch == "mlp") return std::make_shared<MlpGeneratorImpl>(config);
  return std::make_shared<DcganGeneratorImpl>(config);
}

std::shared_ptr<DiscriminatorBase> make_discriminator(const ModelConfig& config) {
  config.validate();
  if (config.arch == "mlp") return std::make_shared<MlpDiscriminatorImpl>(config);
  return std::make_shared<DcganDiscriminatorImpl>(config);
}

}  // namespace dcgan::gan
