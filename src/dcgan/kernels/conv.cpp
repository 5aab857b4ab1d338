// oneDNN (de)convolution as autograd functions, or per-tap GEMMs for the smallest layers; see
// conv.h. A transposed convolution is oneDNN's "deconvolution" with the same weights read
// as (OC, IC, k, k) in iohw order.
// Reordered weights are cached per parameter version, so a weight that did not change since
// the last call (D used on real and fake, G between optimiser steps) is reordered once.
// In bf16 (precision.h) the reorder also converts the weight to BF16, the activation and the
// upstream gradient are converted once per layer call, and outputs and gradients come out FP32.
// A larger layer's weight gradient goes by tap too (tap_gemm_conv.h) where that times faster
// than every oneDNN candidate; it is timed on outputs of up to 8x8 (tap_weight_gradient_may_suit).
// At 48 px, batch 64, 2 threads it does for 128@12x12 <-> 256@6x6 (D's third convolution, G's
// second deconvolution): 5.2 ms against oneDNN's 8.0 in BF16, 8.9 against 10.3-11.1 in FP32. On
// 64@24x24 <-> 128@12x12 oneDNN stays faster (6.6 ms against 8.7).
#include "dcgan/kernels/conv.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <sstream>
#include <type_traits>
#include <variant>
#include <vector>

#include "dcgan/kernels/cached_weight.h"
#include "dcgan/kernels/conv_tuning.h"
#include "dcgan/kernels/narrow_deconv.h"
#include "dcgan/kernels/onednn_context.h"
#include "dcgan/kernels/precision.h"
#include "dcgan/kernels/tap_gemm_conv.h"

namespace dcgan::kernels {
namespace {

namespace dn = dnnl;
using Tag = dn::memory::format_tag;
using DataType = dn::memory::data_type;
constexpr auto kF32 = DataType::f32;
constexpr auto kChannelsLast = at::MemoryFormat::ChannelsLast;

// Everything that selects a primitive. For a transposed convolution `in` is its input (the
// small side) and `out` its output.
struct Geometry {
  int64_t batch, c_in, h_in, w_in, c_out, h_out, w_out, kernel, stride, padding;
  bool bias;
  int threads;  // oneDNN balances its work for the thread count at creation
  bool bf16;    // BF16 inputs (activation, weight, upstream gradient), FP32 outputs

  // The type the products read: the activation, the weight and the upstream gradient.
  DataType input_type() const { return bf16 ? DataType::bf16 : kF32; }

  dn::memory::dims src_dims() const { return {batch, c_in, h_in, w_in}; }
  dn::memory::dims dst_dims() const { return {batch, c_out, h_out, w_out}; }
  dn::memory::dims weight_dims() const { return {c_out, c_in, kernel, kernel}; }
  dn::memory::dims strides() const { return {stride, stride}; }
  dn::memory::dims padding_l() const { return {padding, padding}; }
  // oneDNN wants the exact right/bottom padding: what makes the large side come out right.
  dn::memory::dims padding_r(bool transposed) const {
    int64_t large_h = transposed ? h_out : h_in, small_h = transposed ? h_in : h_out;
    int64_t large_w = transposed ? w_out : w_in, small_w = transposed ? w_in : w_out;
    return {(small_h - 1) * stride + kernel - large_h - padding,
            (small_w - 1) * stride + kernel - large_w - padding};
  }
  // Multiply-adds x 2 of one pass (the same for forward and both backward passes).
  double flops(bool transposed) const {
    const double small_side = transposed ? h_in * w_in : h_out * w_out;
    return 2.0 * batch * c_in * c_out * kernel * kernel * small_side;
  }
  // "b64 c128x24x24 -> 256x12x12 k5 s2 p2 bias t2" (and " bf16" in bf16): what choices.h
  // files a choice under, so that choices made in one precision never replay in the other.
  std::string key() const {
    std::ostringstream text;
    text << "b" << batch << " c" << c_in << "x" << h_in << "x" << w_in << " -> " << c_out << "x"
         << h_out << "x" << w_out << " k" << kernel << " s" << stride << " p" << padding
         << (bias ? " bias" : "") << " t" << threads << (bf16 ? " bf16" : "");
    return text.str();
  }
  bool operator<(const Geometry& o) const {
    auto t = [](const Geometry& g) {
      return std::make_tuple(g.batch, g.c_in, g.h_in, g.w_in, g.c_out, g.h_out, g.w_out, g.kernel,
                             g.stride, g.padding, g.bias, g.threads, g.bf16);
    };
    return t(*this) < t(o);
  }
};

// The oneDNN types of one direction. Both desc families take the same arguments.
template <bool kTransposed>
struct Ops;
template <>
struct Ops<false> {
  using Fwd = dn::convolution_forward;
  using BwdData = dn::convolution_backward_data;
  using BwdWeights = dn::convolution_backward_weights;
  static constexpr dn::algorithm kAlgorithm = dn::algorithm::convolution_direct;
  static constexpr Tag kWeightTag = Tag::oihw;  // torch Conv2d weight (Cout, Cin, k, k)
};
template <>
struct Ops<true> {
  using Fwd = dn::deconvolution_forward;
  using BwdData = dn::deconvolution_backward_data;
  using BwdWeights = dn::deconvolution_backward_weights;
  static constexpr dn::algorithm kAlgorithm = dn::algorithm::deconvolution_direct;
  static constexpr Tag kWeightTag = Tag::iohw;  // torch ConvTranspose2d weight (Cin, Cout, k, k)
};

// A layer in convolution terms (tap_gemm_conv.h): a transposed convolution's large side, its
// output, is the convolution's input.
template <bool kTransposed>
TapConvShape tap_shape(const Geometry& g) {
  if (!kTransposed) {
    return {g.batch, g.c_in,  g.h_in,   g.w_in,   g.c_out,
            g.h_out, g.w_out, g.kernel, g.stride, g.padding};
  }
  return {g.batch, g.c_out, g.h_out,  g.w_out,  g.c_in,
          g.h_in,  g.w_in,  g.kernel, g.stride, g.padding};
}

template <bool kTransposed>
double time_tap_weight_gradient(const Geometry& g, double give_up_after);

// The label a layer's weight-gradient choice records when it goes by tap.
const char* const kPerTapLabel = "per-tap gemm";

template <bool kTransposed>
struct Primitives {
  using O = Ops<kTransposed>;
  typename O::Fwd::primitive_desc fwd_pd;
  typename O::Fwd fwd;
  WeightSlot fwd_weight;
  std::optional<typename O::BwdData::primitive_desc> bwd_data_pd;
  std::optional<typename O::BwdData> bwd_data;
  WeightSlot bwd_data_weight;
  std::optional<typename O::BwdWeights::primitive_desc> bwd_weights_pd;
  std::optional<typename O::BwdWeights> bwd_weights;
  std::optional<dn::memory> diff_weight_scratch;  // when the primitive's layout is not torch's
  bool per_tap_weights = false;  // the weight gradient goes by tap: it timed fastest

  explicit Primitives(const Geometry& g) : fwd_pd(make_fwd_pd(g)), fwd(fwd_pd) {}

  // Layers under ~50 MFLOP a pass are not worth timing: oneDNN's first choice is kept. Empty
  // when `own` is chosen.
  template <class Primitive, class MakePd>
  static std::optional<decltype(std::declval<MakePd>()())> choose(const Geometry& g,
                                                                  const char* pass, MakePd make_pd,
                                                                  const OwnKernel* own = nullptr) {
    constexpr double kWorthTuning = 5e7;
    if (g.flops(kTransposed) < kWorthTuning) return make_pd();
    const std::string key = std::string(kTransposed ? "deconv." : "conv.") + pass + " " + g.key();
    return recorded_or_fastest_implementation<Primitive>(key, make_pd, cpu_engine(), cpu_stream(),
                                                         own);
  }

  static dn::memory::desc activation(const dn::memory::dims& dims, DataType type = kF32) {
    return dn::memory::desc(dims, type, Tag::nhwc);
  }
  static dn::memory::desc any(const dn::memory::dims& dims, DataType type = kF32) {
    return dn::memory::desc(dims, type, Tag::any);
  }
  static dn::memory::desc bias_desc(const Geometry& g) {
    return g.bias ? dn::memory::desc({g.c_out}, kF32, Tag::x) : dn::memory::desc();
  }
  // oneDNN 2.6 adds a deconvolution's bias after the fact in a scalar loop that switches on
  // the data type per element: 2 ns an element, up to half the deconvolution's time at 48 px.
  // Its forward runs without bias and add_channel_bias adds it.
  static dn::memory::desc forward_bias_desc(const Geometry& g) {
    return kTransposed ? dn::memory::desc() : bias_desc(g);
  }

  // The operation descriptors stay alive while choose() iterates: oneDNN's implementation
  // iterator points into them.
  static typename O::Fwd::primitive_desc make_fwd_pd(const Geometry& g) {
    const DataType in = g.input_type();
    typename O::Fwd::desc desc(dn::prop_kind::forward_training, O::kAlgorithm,
                               activation(g.src_dims(), in), any(g.weight_dims(), in),
                               forward_bias_desc(g), activation(g.dst_dims()), g.strides(),
                               g.padding_l(), g.padding_r(kTransposed));
    return *choose<typename O::Fwd>(
        g, "fwd", [&] { return typename O::Fwd::primitive_desc(desc, cpu_engine()); });
  }

  void ensure_backward_data(const Geometry& g) {
    if (bwd_data) return;
    const DataType in = g.input_type();
    typename O::BwdData::desc desc(O::kAlgorithm, activation(g.src_dims()),
                                   any(g.weight_dims(), in), activation(g.dst_dims(), in),
                                   g.strides(), g.padding_l(), g.padding_r(kTransposed));
    bwd_data_pd.emplace(*choose<typename O::BwdData>(g, "bwd_data", [&] {
      return typename O::BwdData::primitive_desc(desc, cpu_engine(), fwd_pd);
    }));
    bwd_data.emplace(*bwd_data_pd);
  }

  void ensure_backward_weights(const Geometry& g) {
    if (bwd_weights || per_tap_weights) return;
    const DataType in = g.input_type();
    // In bf16 the bias gradient is summed from the FP32 upstream gradient instead.
    const dn::memory::desc bias = g.bf16 ? dn::memory::desc() : bias_desc(g);
    typename O::BwdWeights::desc desc(O::kAlgorithm, activation(g.src_dims(), in),
                                      any(g.weight_dims()), bias, activation(g.dst_dims(), in),
                                      g.strides(), g.padding_l(), g.padding_r(kTransposed));
    const OwnKernel per_tap{kPerTapLabel, [&](double give_up_after) {
                              return time_tap_weight_gradient<kTransposed>(g, give_up_after);
                            }};
    const bool may_go_by_tap = tap_weight_gradient_may_suit(tap_shape<kTransposed>(g));
    auto chosen = choose<typename O::BwdWeights>(
        g, "bwd_weights",
        [&] { return typename O::BwdWeights::primitive_desc(desc, cpu_engine(), fwd_pd); },
        may_go_by_tap ? &per_tap : nullptr);
    if (!chosen) {
      per_tap_weights = true;
      return;
    }
    bwd_weights_pd.emplace(*chosen);
    bwd_weights.emplace(*bwd_weights_pd);
  }
};

template <bool kTransposed>
Primitives<kTransposed>& primitives_for(const Geometry& g) {
  return layer_for<Primitives<kTransposed>>(g);
}

dn::memory wrap(const dn::memory::desc& desc, const torch::Tensor& t) {
  return dn::memory(desc, cpu_engine(), t.data_ptr());
}

dn::memory::desc user_weight_desc(const Geometry& g, Tag tag) {
  return dn::memory::desc(g.weight_dims(), kF32, tag);
}

template <bool kTransposed>
Geometry geometry(const torch::Tensor& x, const torch::Tensor& weight, bool bias, int64_t stride,
                  int64_t padding, int64_t output_padding, bool bf16) {
  TORCH_CHECK(x.dim() == 4 && weight.dim() == 4 && weight.size(2) == weight.size(3),
              "fast (de)convolution needs 4-d input and square kernels");
  Geometry g{};
  g.batch = x.size(0);
  g.c_in = x.size(1);
  g.h_in = x.size(2);
  g.w_in = x.size(3);
  g.c_out = kTransposed ? weight.size(1) : weight.size(0);
  g.kernel = weight.size(2);
  g.stride = stride;
  g.padding = padding;
  auto out = [&](int64_t in) {
    return kTransposed ? (in - 1) * stride - 2 * padding + g.kernel + output_padding
                       : (in + 2 * padding - g.kernel) / stride + 1;
  };
  g.h_out = out(g.h_in);
  g.w_out = out(g.w_in);
  g.bias = bias;
  g.threads = torch::get_num_threads();
  g.bf16 = bf16;
  TORCH_CHECK(g.c_in == (kTransposed ? weight.size(0) : weight.size(1)),
              "fast (de)convolution: input channels do not match the weight");
  return g;
}

// ------------------------------------------------------------------ small layers: per-tap GEMMs

// LibTorch's weight of either layer is (conv C_out, conv C_in, k, k); the products want HWIO
// (forward; in BF16 the input gradient too) and in FP32 HOWI (input gradient), each reordered
// once per version.
template <bool kTransposed>
struct TapLayer {
  WeightSlot hwio_slot, howi_slot;
  std::optional<dn::memory> weight_grad;  // HWIO, reordered into LibTorch's layout after use
  dn::memory::desc torch_desc, hwio_desc, howi_desc;

  explicit TapLayer(const Geometry& g) {
    const TapConvShape s = tap_shape<kTransposed>(g);
    const int64_t o = s.c_out, i = s.c_in, k = s.kernel;
    dn::memory::dims dims{o, i, k, k};
    const DataType in = g.input_type();
    torch_desc = dn::memory::desc(dims, kF32, Tag::oihw);
    hwio_desc = dn::memory::desc(dims, in, Tag::hwio);
    howi_desc = dn::memory::desc(dims, in, dn::memory::dims{k * i, 1, o * k * i, i});
    weight_grad_desc = dn::memory::desc(dims, kF32, Tag::hwio);
  }
  // The weight as HWIO / HOWI in the geometry's input type (float or c10::BFloat16).
  template <class T>
  const T* hwio(const torch::Tensor& w) {
    return get<T>(hwio_slot, hwio_desc, w);
  }
  // The weight the input gradient reads: HOWI in FP32 (sgemm reads it 1.4x faster than HWIO
  // transposed), the HWIO copy itself in BF16 (tap_gemm_conv.h).
  template <class T>
  const T* input_gradient_weight(const torch::Tensor& w) {
    if constexpr (std::is_same_v<T, float>) {
      return get<T>(howi_slot, howi_desc, w);
    } else {
      return hwio<T>(w);
    }
  }
  dn::memory::desc weight_grad_desc;  // FP32 HWIO

 private:
  template <class T>
  const T* get(WeightSlot& slot, const dn::memory::desc& desc, const torch::Tensor& w) {
    return static_cast<const T*>(slot.get(desc, torch_desc, w).get_data_handle());
  }
};

template <bool kTransposed>
bool uses_tap_gemm(const Geometry& g) {
  return tap_conv_suits(tap_shape<kTransposed>(g));
}

template <class T = float>
const T* data(const torch::Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

// An FP32 channels-last tensor for an output or a gradient (the inputs may be BF16).
torch::Tensor empty_f32(const dn::memory::dims& dims, const torch::Tensor& like) {
  return torch::empty(dims, like.options().dtype(torch::kFloat).memory_format(kChannelsLast));
}

template <bool kTransposed, class T>
torch::Tensor tap_forward(const Geometry& g, const torch::Tensor& x, const torch::Tensor& weight,
                          const torch::Tensor& bias) {
  const TapConvShape s = tap_shape<kTransposed>(g);
  auto& layer = layer_for<TapLayer<kTransposed>>(g);
  auto y = empty_f32(g.dst_dims(), x);
  if (kTransposed) {
    tap_conv_input_gradient(s, data<T>(x), layer.template input_gradient_weight<T>(weight),
                            data(bias), y.data_ptr<float>());
  } else {
    tap_conv_forward(s, data<T>(x), layer.template hwio<T>(weight), data(bias),
                     y.data_ptr<float>());
  }
  return y;
}

template <bool kTransposed, class T>
torch::Tensor tap_backward_data(const Geometry& g, const torch::Tensor& grad_y,
                                const torch::Tensor& weight) {
  const TapConvShape s = tap_shape<kTransposed>(g);
  auto& layer = layer_for<TapLayer<kTransposed>>(g);
  auto grad_x = empty_f32(g.src_dims(), grad_y);
  if (kTransposed) {
    tap_conv_forward(s, data<T>(grad_y), layer.template hwio<T>(weight), nullptr,
                     grad_x.data_ptr<float>());
  } else {
    tap_conv_input_gradient(s, data<T>(grad_y), layer.template input_gradient_weight<T>(weight),
                            nullptr, grad_x.data_ptr<float>());
  }
  return grad_x;
}

template <bool kTransposed, class T>
std::pair<torch::Tensor, torch::Tensor> tap_backward_weights(const Geometry& g,
                                                             const torch::Tensor& x,
                                                             const torch::Tensor& grad_y,
                                                             const torch::Tensor& weight) {
  const TapConvShape s = tap_shape<kTransposed>(g);
  auto& layer = layer_for<TapLayer<kTransposed>>(g);
  if (!layer.weight_grad) layer.weight_grad.emplace(layer.weight_grad_desc, cpu_engine());
  auto* hwio = static_cast<float*>(layer.weight_grad->get_data_handle());
  // The convolution's input is the large side: x for a convolution, grad_y for a transposed one.
  if (kTransposed) {
    tap_conv_weight_gradient(s, data<T>(grad_y), data<T>(x), hwio);
  } else {
    tap_conv_weight_gradient(s, data<T>(x), data<T>(grad_y), hwio);
  }
  auto grad_w = torch::empty_like(weight, at::MemoryFormat::Contiguous);
  auto user = wrap(layer.torch_desc, grad_w);
  dn::reorder(*layer.weight_grad, user).execute(cpu_stream(), *layer.weight_grad, user);
  cpu_stream().wait();
  torch::Tensor grad_b;
  if (g.bias && !g.bf16) grad_b = grad_y.sum({0, 2, 3});
  return {grad_w, grad_b};
}

template <bool kTransposed>
std::pair<torch::Tensor, torch::Tensor> tap_backward_weights(const Geometry& g,
                                                             const torch::Tensor& x,
                                                             const torch::Tensor& grad_y,
                                                             const torch::Tensor& weight) {
  return g.bf16 ? tap_backward_weights<kTransposed, c10::BFloat16>(g, x, grad_y, weight)
                : tap_backward_weights<kTransposed, float>(g, x, grad_y, weight);
}

// Seconds for the per-tap weight gradient of a layer on zeroed buffers (best_of_three): what
// competes with oneDNN's candidates for a larger layer's weight gradient. One untimed run first
// grows the gather buffers: their page faults cost up to 15 us each on some VMs, and timed they
// could make it give up after one run (oneDNN's candidates get buffers touched beforehand).
template <bool kTransposed, class T>
double time_tap_weight_gradient(const Geometry& g, double give_up_after) {
  const TapConvShape s = tap_shape<kTransposed>(g);
  const std::vector<T> in(s.batch * s.h_in * s.w_in * s.c_in, T(0.0f));
  const std::vector<T> out_grad(s.batch * s.h_out * s.w_out * s.c_out, T(0.0f));
  std::vector<float> weight_grad(s.kernel * s.kernel * s.c_in * s.c_out);
  auto run = [&] { tap_conv_weight_gradient(s, in.data(), out_grad.data(), weight_grad.data()); };
  run();
  return best_of_three(run, give_up_after);
}

template <bool kTransposed>
double time_tap_weight_gradient(const Geometry& g, double give_up_after) {
  return g.bf16 ? time_tap_weight_gradient<kTransposed, c10::BFloat16>(g, give_up_after)
                : time_tap_weight_gradient<kTransposed, float>(g, give_up_after);
}

// ------------------------------------------------------ few channels: narrow_deconv (BF16)

// The transposed convolution whose output is the layer's few-channel side: a transposed
// convolution's own forward pass, or a convolution's input gradient.
template <bool kTransposed>
NarrowDeconvShape narrow_shape(const Geometry& g) {
  if (kTransposed) {
    return {g.batch, g.c_in,  g.h_in,   g.w_in,   g.c_out,
            g.h_out, g.w_out, g.kernel, g.stride, g.padding};
  }
  return {g.batch, g.c_out, g.h_out,  g.w_out,  g.c_in,
          g.h_in,  g.w_in,  g.kernel, g.stride, g.padding};
}

// G's last layer forward and D's first layer's input gradient in BF16 (narrow_deconv.h): 1.5 ms
// against oneDNN's 3.9 at 48 px, batch 64, 2 threads.
template <bool kTransposed>
bool uses_narrow_deconv(const Geometry& g) {
  return g.bf16 && narrow_deconv_suits(narrow_shape<kTransposed>(g));
}

// `in` is BF16 channels-last; the weight is LibTorch's either way ((small side, few, k, k)).
template <bool kTransposed>
torch::Tensor narrow_forward(const Geometry& g, const torch::Tensor& in,
                             const torch::Tensor& weight, const torch::Tensor& bias) {
  const NarrowDeconvShape s = narrow_shape<kTransposed>(g);
  auto out = empty_f32({s.batch, s.c_out, s.h_out, s.w_out}, in);
  narrow_deconv(s, data<c10::BFloat16>(in), data(weight), data(bias), out.data_ptr<float>());
  return out;
}

// ------------------------------------------------------------------------- oneDNN primitives

// y[n, c, h, w] += bias[c] on an FP32 channels-last tensor, in the order oneDNN adds it.
void add_channel_bias(const torch::Tensor& y, const torch::Tensor& bias) {
  const int64_t channels = y.size(1), pixels = y.numel() / channels;
  float* out = y.data_ptr<float>();
  const float* b = bias.data_ptr<float>();
  constexpr int64_t kElementsPerTask = 1 << 15;
  at::parallel_for(0, pixels, std::max<int64_t>(1, kElementsPerTask / channels),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t p = begin; p < end; ++p) {
                       float* row = out + p * channels;
                       for (int64_t c = 0; c < channels; ++c) row[c] += b[c];
                     }
                   });
}

template <bool kTransposed>
torch::Tensor run_forward(const Geometry& g, const torch::Tensor& x, const torch::Tensor& weight,
                          const torch::Tensor& bias) {
  if (kTransposed && uses_narrow_deconv<kTransposed>(g)) {
    return narrow_forward<kTransposed>(g, x, weight, bias);
  }
  if (uses_tap_gemm<kTransposed>(g)) {
    return g.bf16 ? tap_forward<kTransposed, c10::BFloat16>(g, x, weight, bias)
                  : tap_forward<kTransposed, float>(g, x, weight, bias);
  }
  auto& p = primitives_for<kTransposed>(g);
  auto y = empty_f32(p.fwd_pd.dst_desc().dims(), x);
  std::unordered_map<int, dn::memory> args{
      {DNNL_ARG_SRC, wrap(p.fwd_pd.src_desc(), x)},
      {DNNL_ARG_WEIGHTS,
       p.fwd_weight.get(p.fwd_pd.weights_desc(), user_weight_desc(g, Ops<kTransposed>::kWeightTag),
                        weight)},
      {DNNL_ARG_DST, wrap(p.fwd_pd.dst_desc(), y)}};
  if (g.bias && !kTransposed) args.emplace(DNNL_ARG_BIAS, wrap(p.fwd_pd.bias_desc(), bias));
  p.fwd.execute(cpu_stream(), args);
  cpu_stream().wait();
  if (g.bias && kTransposed) add_channel_bias(y, bias);
  return y;
}

template <bool kTransposed>
torch::Tensor run_backward_data(const Geometry& g, const torch::Tensor& grad_y,
                                const torch::Tensor& weight) {
  if (!kTransposed && uses_narrow_deconv<kTransposed>(g)) {
    return narrow_forward<kTransposed>(g, grad_y, weight, torch::Tensor());
  }
  if (uses_tap_gemm<kTransposed>(g)) {
    return g.bf16 ? tap_backward_data<kTransposed, c10::BFloat16>(g, grad_y, weight)
                  : tap_backward_data<kTransposed, float>(g, grad_y, weight);
  }
  auto& p = primitives_for<kTransposed>(g);
  p.ensure_backward_data(g);
  auto& pd = *p.bwd_data_pd;
  auto grad_x = empty_f32(pd.diff_src_desc().dims(), grad_y);
  p.bwd_data->execute(
      cpu_stream(),
      {{DNNL_ARG_DIFF_DST, wrap(pd.diff_dst_desc(), grad_y)},
       {DNNL_ARG_WEIGHTS,
        p.bwd_data_weight.get(pd.weights_desc(), user_weight_desc(g, Ops<kTransposed>::kWeightTag),
                              weight)},
       {DNNL_ARG_DIFF_SRC, wrap(pd.diff_src_desc(), grad_x)}});
  cpu_stream().wait();
  return grad_x;
}

// Returns (grad_weight in the weight's torch layout, grad_bias or undefined). In bf16 the bias
// gradient is left to the caller, which has the FP32 upstream gradient.
template <bool kTransposed>
std::pair<torch::Tensor, torch::Tensor> run_backward_weights(const Geometry& g,
                                                             const torch::Tensor& x,
                                                             const torch::Tensor& grad_y,
                                                             const torch::Tensor& weight) {
  if (uses_tap_gemm<kTransposed>(g)) return tap_backward_weights<kTransposed>(g, x, grad_y, weight);
  auto& p = primitives_for<kTransposed>(g);
  p.ensure_backward_weights(g);
  if (p.per_tap_weights) return tap_backward_weights<kTransposed>(g, x, grad_y, weight);
  auto& pd = *p.bwd_weights_pd;
  auto grad_w = torch::empty_like(weight, at::MemoryFormat::Contiguous);
  auto user = wrap(user_weight_desc(g, Ops<kTransposed>::kWeightTag), grad_w);
  bool direct = pd.diff_weights_desc() == user.get_desc();
  if (!direct && !p.diff_weight_scratch) {
    p.diff_weight_scratch.emplace(pd.diff_weights_desc(), cpu_engine());
  }
  std::unordered_map<int, dn::memory> args{
      {DNNL_ARG_SRC, wrap(pd.src_desc(), x)},
      {DNNL_ARG_DIFF_DST, wrap(pd.diff_dst_desc(), grad_y)},
      {DNNL_ARG_DIFF_WEIGHTS, direct ? user : *p.diff_weight_scratch}};
  torch::Tensor grad_b;
  if (g.bias && !g.bf16) {
    grad_b = torch::empty({g.c_out}, grad_y.options());
    args.emplace(DNNL_ARG_DIFF_BIAS, wrap(pd.diff_bias_desc(), grad_b));
  }
  p.bwd_weights->execute(cpu_stream(), args);
  if (!direct) {
    dn::reorder(*p.diff_weight_scratch, user).execute(cpu_stream(), *p.diff_weight_scratch, user);
  }
  cpu_stream().wait();
  return {grad_w, grad_b};
}

template <bool kTransposed>
class ConvFunction : public torch::autograd::Function<ConvFunction<kTransposed>> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               int64_t stride, int64_t padding, int64_t output_padding) {
    const bool bf16 = precision() == Precision::kBf16;
    // In bf16 the layer keeps the BF16 activation for its weight gradient, not the FP32 one.
    auto x_nhwc = x.contiguous(kChannelsLast).to(bf16 ? torch::kBFloat16 : torch::kFloat);
    auto w = weight.contiguous();
    Geometry g =
        geometry<kTransposed>(x_nhwc, w, bias.defined(), stride, padding, output_padding, bf16);
    ctx->save_for_backward({x_nhwc, w});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["output_padding"] = output_padding;
    ctx->saved_data["bias"] = bias.defined();
    ctx->saved_data["bf16"] = bf16;
    return run_forward<kTransposed>(g, x_nhwc, w, bias.defined() ? bias.contiguous() : bias);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& w = saved[1];
    const bool bf16 = ctx->saved_data["bf16"].toBool();
    Geometry g = geometry<kTransposed>(
        x, w, ctx->saved_data["bias"].toBool(), ctx->saved_data["stride"].toInt(),
        ctx->saved_data["padding"].toInt(), ctx->saved_data["output_padding"].toInt(), bf16);
    auto grad_y_f32 = grads[0].contiguous(kChannelsLast);
    auto grad_y = grad_y_f32.to(bf16 ? torch::kBFloat16 : torch::kFloat);
    torch::Tensor grad_x, grad_w, grad_b;
    if (ctx->needs_input_grad(0)) grad_x = run_backward_data<kTransposed>(g, grad_y, w);
    if (ctx->needs_input_grad(1) || ctx->needs_input_grad(2)) {
      std::tie(grad_w, grad_b) = run_backward_weights<kTransposed>(g, x, grad_y, w);
      if (bf16 && g.bias) grad_b = grad_y_f32.sum({0, 2, 3});
    }
    return {grad_x, grad_w, grad_b, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// LibTorch 1.13's custom functions cannot take an undefined tensor, so "no bias" becomes zeros.
torch::Tensor defined_bias(const torch::Tensor& bias, int64_t channels) {
  return bias.defined() ? bias : torch::zeros({channels});
}

}  // namespace

torch::Tensor fast_conv2d(const torch::Tensor& x, const torch::Tensor& weight,
                          const torch::Tensor& bias, int64_t stride, int64_t padding) {
  return ConvFunction<false>::apply(x, weight, defined_bias(bias, weight.size(0)), stride, padding,
                                    int64_t{0});
}

torch::Tensor fast_conv_transpose2d(const torch::Tensor& x, const torch::Tensor& weight,
                                    const torch::Tensor& bias, int64_t stride, int64_t padding,
                                    int64_t output_padding) {
  return ConvFunction<true>::apply(x, weight, defined_bias(bias, weight.size(1)), stride, padding,
                                   output_padding);
}

namespace {
// The explicit padding of a conv module's options (a c10::variant in LibTorch 1.x, a
// std::variant later: `using std::get_if` plus argument-dependent lookup finds either).
template <class Padding>
int64_t explicit_padding(const Padding& padding) {
  using std::get_if;
  const auto* explicit_value = get_if<torch::ExpandingArray<2>>(&padding);
  TORCH_CHECK(explicit_value != nullptr, "fast (de)convolution needs explicit padding");
  return (*explicit_value)->at(0);
}
}  // namespace

torch::Tensor fast_forward(torch::nn::Conv2dImpl& conv, const torch::Tensor& x) {
  const auto& o = conv.options;
  return fast_conv2d(x, conv.weight, conv.bias, o.stride()->at(0), explicit_padding(o.padding()));
}

torch::Tensor fast_forward(torch::nn::ConvTranspose2dImpl& deconv, const torch::Tensor& x) {
  const auto& o = deconv.options;
  return fast_conv_transpose2d(x, deconv.weight, deconv.bias, o.stride()->at(0),
                               explicit_padding(o.padding()), o.output_padding()->at(0));
}

bool fast_kernels_support(const torch::Tensor& x) {
  return x.device().is_cpu() && x.scalar_type() == torch::kFloat;
}

std::string onednn_info() {
  const dnnl_version_t* v = dnnl_version();
  std::ostringstream out;
  out << "oneDNN " << v->major << "." << v->minor << "." << v->patch
      << " (cpu_runtime=" << (v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other")
      << ", isa=" << onednn_isa() << ")";
  return out.str();
}

}  // namespace dcgan::kernels
