// Picks the fastest of the implementations oneDNN offers for one primitive, by running each on
// zeroed buffers. oneDNN's first choice is a heuristic: for the DCGAN's layers with a 3x3 side
// (D's last convolution, the gradient of G's first deconvolution) it picks "brgconv" kernels
// that run at half the speed of its direct "jit" ones on AVX-512. Reference ("ref:")
// implementations are never candidates (100x slower), and a candidate whose first run is
// already twice the best so far is dropped without repeating it, so tuning a layer costs a few
// runs of it. `dcgan -v` logs every candidate's time. Each choice is recorded under its
// layer's key (choices.h); a key that already has one (a resumed run) reuses it untimed.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>

#include "dcgan/core/log.h"
#include "dcgan/kernels/choices.h"

namespace dcgan::kernels {

// Seconds for one execution of `pd`'s implementation: the best of three, or the first alone
// when that is already over `give_up_after`.
template <class Primitive, class PrimitiveDesc>
double time_implementation(const PrimitiveDesc& pd, double give_up_after, dnnl::engine& engine,
                           dnnl::stream& stream) {
  std::unordered_map<int, dnnl::memory> args;
  for (int arg : {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST, DNNL_ARG_DIFF_SRC,
                  DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS, DNNL_ARG_DIFF_DST}) {
    auto desc = pd.query_md(dnnl::query::exec_arg_md, arg);
    if (desc.get_size() == 0) continue;
    dnnl::memory memory(desc, engine);
    std::memset(memory.get_data_handle(), 0, desc.get_size());
    args.emplace(arg, memory);
  }
  Primitive primitive(pd);
  double best = std::numeric_limits<double>::infinity();
  for (int run = 0; run < 3 && (run == 0 || best <= give_up_after); ++run) {
    auto start = std::chrono::steady_clock::now();
    primitive.execute(stream, args);
    stream.wait();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

// "index:name" of the candidate `pd` is positioned on.
template <class PrimitiveDesc>
std::string candidate_label(int index, const PrimitiveDesc& pd) {
  return std::to_string(index) + ":" + pd.impl_info_str();
}

// The index among oneDNN's candidates of the fastest implementation; make_pd() builds the
// primitive descriptor afresh, positioned on oneDNN's first choice.
template <class Primitive, class MakePd>
int fastest_candidate(MakePd make_pd, dnnl::engine& engine, dnnl::stream& stream) {
  auto pd = make_pd();
  int best_index = 0;
  double best = std::numeric_limits<double>::infinity();
  for (int index = 0;; ++index) {
    const std::string name = pd.impl_info_str();
    if (name.rfind("ref", 0) != 0) {
      const double seconds = time_implementation<Primitive>(pd, 2 * best, engine, stream);
      DCGAN_DEBUG("oneDNN candidate " << name << ": " << seconds * 1e3 << " ms");
      if (seconds < best) {
        best = seconds;
        best_index = index;
      }
    }
    if (!pd.next_impl()) break;
  }
  return best_index;
}

// The implementation recorded for `key` when there is one and this CPU offers it, else the
// fastest, which is then recorded.
template <class Primitive, class MakePd>
auto recorded_or_fastest_implementation(const std::string& key, MakePd make_pd,
                                        dnnl::engine& engine, dnnl::stream& stream) {
  if (const auto recorded = kernel_choice(key)) {
    auto pd = make_pd();
    for (int index = 0;; ++index) {
      if (candidate_label(index, pd) == *recorded) return pd;
      if (!pd.next_impl()) break;
    }
    DCGAN_WARN("oneDNN implementation " << *recorded << " recorded for " << key
                                        << " is not offered here; choosing again (sums in "
                                           "another order from now on)");
  }
  const int index = fastest_candidate<Primitive>(make_pd, engine, stream);
  auto chosen = make_pd();
  for (int i = 0; i < index; ++i) chosen.next_impl();
  DCGAN_DEBUG("oneDNN chose " << chosen.impl_info_str() << " for " << key);
  record_kernel_choice(key, candidate_label(index, chosen));
  return chosen;
}

}  // namespace dcgan::kernels
