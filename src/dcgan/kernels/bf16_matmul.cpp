// See bf16_matmul.h.
#include "dcgan/kernels/bf16_matmul.h"

#include <ATen/Parallel.h>
#include <omp.h>

#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <tuple>
#include <vector>

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
    // The caller's threads may run one primitive at once: each brings its own scratchpad.
    attr.set_scratchpad_mode(dn::scratchpad_mode::user);
    if (s.accumulate) {
      dn::post_ops sum;
      sum.append_sum(1.0f);
      attr.set_post_ops(sum);
    }
    return dn::matmul::primitive_desc(dn::matmul::desc(a, b, c), attr, cpu_engine());
  }
};

// One primitive per (shape, thread count): oneDNN splits the work for the threads at creation.
// Inside a parallel region oneDNN runs it on the calling thread: the count is then 1.
Matmul& matmul_for(const Bf16MatmulShape& shape) {
  static std::mutex mutex;
  static std::map<std::pair<Bf16MatmulShape, int>, std::unique_ptr<Matmul>> cache;
  const int threads = omp_in_parallel() ? 1 : at::get_num_threads();
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[{shape, threads}];
  if (!slot) slot = std::make_unique<Matmul>(shape);
  return *slot;
}

// This thread's scratchpad memory, at least `desc`'s size.
dn::memory scratchpad(const dn::memory::desc& desc) {
  thread_local std::vector<char> buffer;
  if (buffer.size() < desc.get_size()) buffer.resize(desc.get_size());
  return dn::memory(desc, cpu_engine(), buffer.data());
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
                                     {DNNL_ARG_DST, wrap(m.pd.dst_desc(), c)},
                                     {DNNL_ARG_SCRATCHPAD, scratchpad(m.pd.scratchpad_desc())}});
  cpu_stream().wait();
}

}  // namespace dcgan::kernels
