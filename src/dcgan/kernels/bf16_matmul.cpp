// See bf16_matmul.h.
#include "dcgan/kernels/bf16_matmul.h"

#include <ATen/Parallel.h>

#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <tuple>

#include "dcgan/kernels/onednn_context.h"

namespace dcgan::kernels {
namespace {

namespace dn = dnnl;
using dt = dn::memory::data_type;

auto as_tuple(const Bf16MatmulShape& s) {
  return std::make_tuple(s.m, s.n, s.k, s.a_row_stride, s.a_col_stride, s.b_row_stride,
                         s.b_col_stride, s.c_row_stride, s.accumulate);
}

struct Matmul {
  dn::matmul::primitive_desc pd;
  dn::matmul primitive;

  explicit Matmul(const Bf16MatmulShape& s) : pd(make_pd(s)), primitive(pd) {}

  static dn::matmul::primitive_desc make_pd(const Bf16MatmulShape& s) {
    dn::memory::desc a({s.m, s.k}, dt::bf16, dn::memory::dims{s.a_row_stride, s.a_col_stride});
    dn::memory::desc b({s.k, s.n}, dt::bf16, dn::memory::dims{s.b_row_stride, s.b_col_stride});
    dn::memory::desc c({s.m, s.n}, dt::f32, dn::memory::dims{s.c_row_stride, 1});
    dn::primitive_attr attr;
    if (s.accumulate) {
      dn::post_ops sum;
      sum.append_sum(1.0f);
      attr.set_post_ops(sum);
    }
    return dn::matmul::primitive_desc(dn::matmul::desc(a, b, c), attr, cpu_engine());
  }
};

// One primitive per (shape, thread count): oneDNN splits the work for the threads at creation.
Matmul& matmul_for(const Bf16MatmulShape& shape) {
  static std::mutex mutex;
  static std::map<std::pair<Bf16MatmulShape, int>, std::unique_ptr<Matmul>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[{shape, at::get_num_threads()}];
  if (!slot) slot = std::make_unique<Matmul>(shape);
  return *slot;
}

}  // namespace

bool Bf16MatmulShape::operator<(const Bf16MatmulShape& o) const {
  return as_tuple(*this) < as_tuple(o);
}

void bf16_matmul(const Bf16MatmulShape& shape, const c10::BFloat16* a, const c10::BFloat16* b,
                 float* c) {
  Matmul& m = matmul_for(shape);
  auto wrap = [](const dn::memory::desc& desc, const void* data) {
    return dn::memory(desc, cpu_engine(), const_cast<void*>(data));
  };
  m.primitive.execute(cpu_stream(), {{DNNL_ARG_SRC, wrap(m.pd.src_desc(), a)},
                                     {DNNL_ARG_WEIGHTS, wrap(m.pd.weights_desc(), b)},
                                     {DNNL_ARG_DST, wrap(m.pd.dst_desc(), c)}});
  cpu_stream().wait();
}

}  // namespace dcgan::kernels
