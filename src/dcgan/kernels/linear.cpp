// BF16 linear layer as a LibTorch autograd function; see linear.h. The three passes are oneDNN
// inner products (forward, backward-data, backward-weights); their primitives are built once per
// (batch, in, out, threads) and the BF16 copies of the weight are kept per parameter version.
#include "dcgan/kernels/linear.h"

#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <tuple>

#include "dcgan/kernels/cached_weight.h"
#include "dcgan/kernels/onednn_context.h"
#include "dcgan/kernels/precision.h"

namespace dcgan::kernels {
namespace {

namespace dn = dnnl;
using Tag = dn::memory::format_tag;
constexpr auto kF32 = dn::memory::data_type::f32;
constexpr auto kBf16 = dn::memory::data_type::bf16;

struct LinearGeometry {
  int64_t batch, in, out;
  int threads;

  bool operator<(const LinearGeometry& o) const {
    return std::tie(batch, in, out, threads) < std::tie(o.batch, o.in, o.out, o.threads);
  }
};

struct LinearPrimitives {
  dn::memory::desc src, dst, src_f32, dst_bf16, weights_any, diff_weights_any, bias, user_weight;
  dn::inner_product_forward::primitive_desc fwd_pd;
  dn::inner_product_forward fwd;
  WeightSlot fwd_weight;
  std::optional<dn::inner_product_backward_data::primitive_desc> bwd_data_pd;
  std::optional<dn::inner_product_backward_data> bwd_data;
  WeightSlot bwd_data_weight;
  std::optional<dn::inner_product_backward_weights::primitive_desc> bwd_weights_pd;
  std::optional<dn::inner_product_backward_weights> bwd_weights;
  std::optional<dn::memory> diff_weight_scratch;  // when the primitive's layout is not torch's

  explicit LinearPrimitives(const LinearGeometry& g)
      : src({g.batch, g.in}, kBf16, Tag::nc),
        dst({g.batch, g.out}, kF32, Tag::nc),
        src_f32({g.batch, g.in}, kF32, Tag::nc),
        dst_bf16({g.batch, g.out}, kBf16, Tag::nc),
        weights_any({g.out, g.in}, kBf16, Tag::any),
        diff_weights_any({g.out, g.in}, kF32, Tag::any),
        bias({g.out}, kF32, Tag::x),
        user_weight({g.out, g.in}, kF32, Tag::oi),
        fwd_pd(dn::inner_product_forward::desc(dn::prop_kind::forward_training, src, weights_any,
                                               bias, dst),
               cpu_engine()),
        fwd(fwd_pd) {}

  void ensure_backward_data() {
    if (bwd_data) return;
    bwd_data_pd.emplace(dn::inner_product_backward_data::desc(src_f32, weights_any, dst_bf16),
                        cpu_engine(), fwd_pd);
    bwd_data.emplace(*bwd_data_pd);
  }

  void ensure_backward_weights() {
    if (bwd_weights) return;
    bwd_weights_pd.emplace(
        dn::inner_product_backward_weights::desc(src, diff_weights_any, dst_bf16), cpu_engine(),
        fwd_pd);
    bwd_weights.emplace(*bwd_weights_pd);
  }
};

dn::memory wrap(const dn::memory::desc& desc, const torch::Tensor& t) {
  return dn::memory(desc, cpu_engine(), t.data_ptr());
}

LinearGeometry geometry(const torch::Tensor& x, const torch::Tensor& weight) {
  TORCH_CHECK(x.dim() == 2 && weight.dim() == 2 && x.size(1) == weight.size(1),
              "fast linear: the input's features do not match the weight");
  return {x.size(0), weight.size(1), weight.size(0), torch::get_num_threads()};
}

class Bf16LinearFunction : public torch::autograd::Function<Bf16LinearFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias) {
    auto x_bf16 = x.contiguous().to(torch::kBFloat16);
    auto w = weight.contiguous();
    const LinearGeometry g = geometry(x_bf16, w);
    auto& p = layer_for<LinearPrimitives>(g);
    auto y = torch::empty({g.batch, g.out}, x.options().dtype(torch::kFloat));
    auto b = bias.contiguous();
    p.fwd.execute(cpu_stream(),
                  {{DNNL_ARG_SRC, wrap(p.src, x_bf16)},
                   {DNNL_ARG_WEIGHTS, p.fwd_weight.get(p.fwd_pd.weights_desc(), p.user_weight, w)},
                   {DNNL_ARG_BIAS, wrap(p.bias, b)},
                   {DNNL_ARG_DST, wrap(p.dst, y)}});
    cpu_stream().wait();
    ctx->save_for_backward({x_bf16, w});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& w = saved[1];
    const LinearGeometry g = geometry(x, w);
    auto& p = layer_for<LinearPrimitives>(g);
    auto grad_y = grads[0].contiguous().to(torch::kBFloat16);
    torch::Tensor grad_x, grad_w, grad_b;
    if (ctx->needs_input_grad(0)) {
      p.ensure_backward_data();
      grad_x = torch::empty({g.batch, g.in}, w.options());
      p.bwd_data->execute(cpu_stream(),
                          {{DNNL_ARG_DIFF_DST, wrap(p.dst_bf16, grad_y)},
                           {DNNL_ARG_WEIGHTS,
                            p.bwd_data_weight.get(p.bwd_data_pd->weights_desc(), p.user_weight, w)},
                           {DNNL_ARG_DIFF_SRC, wrap(p.src_f32, grad_x)}});
    }
    if (ctx->needs_input_grad(1) || ctx->needs_input_grad(2)) {
      p.ensure_backward_weights();
      grad_w = torch::empty_like(w, at::MemoryFormat::Contiguous);
      grad_b = grads[0].sum(0);  // from the FP32 upstream gradient
      auto user = wrap(p.user_weight, grad_w);
      const auto& wanted = p.bwd_weights_pd->diff_weights_desc();
      const bool direct = wanted == p.user_weight;
      if (!direct && !p.diff_weight_scratch) p.diff_weight_scratch.emplace(wanted, cpu_engine());
      p.bwd_weights->execute(cpu_stream(),
                             {{DNNL_ARG_SRC, wrap(p.src, x)},
                              {DNNL_ARG_DIFF_DST, wrap(p.dst_bf16, grad_y)},
                              {DNNL_ARG_DIFF_WEIGHTS, direct ? user : *p.diff_weight_scratch}});
      if (!direct) {
        dn::reorder(*p.diff_weight_scratch, user)
            .execute(cpu_stream(), *p.diff_weight_scratch, user);
      }
    }
    cpu_stream().wait();
    return {grad_x, grad_w, grad_b};
  }
};

}  // namespace

torch::Tensor fast_forward(torch::nn::LinearImpl& linear, const torch::Tensor& x) {
  const bool bf16 = precision() == Precision::kBf16 && x.device().is_cpu() &&
                    x.scalar_type() == torch::kFloat && x.dim() == 2;
  if (!bf16) return linear.forward(x);
  // LibTorch 1.13's custom functions cannot take an undefined tensor, so "no bias" is zeros.
  auto bias = linear.bias.defined() ? linear.bias : torch::zeros({linear.weight.size(0)});
  return Bf16LinearFunction::apply(x, linear.weight, bias);
}

}  // namespace dcgan::kernels
