// Picks the fastest of the implementations oneDNN offers for one primitive, by running each on
// zeroed buffers. oneDNN's first choice is a heuristic: for the DCGAN's layers with a 3x3 side
// (D's last convolution, the gradient of G's first deconvolution) it picks "brgconv" kernels
// that run at half the speed of its direct "jit" ones on AVX-512. Reference ("ref:")
// implementations are never candidates (100x slower), and a candidate whose first run is
// already twice the best so far is dropped without repeating it, so tuning a layer costs a few
// runs of it. A pass may also have a kernel of our own competing (OwnKernel), timed the same
// way. `dcgan -v` logs every candidate's time. Each choice is recorded under its layer's key
// (choices.h); a key that already has one (a resumed run) reuses it untimed.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <limits>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "dcgan/core/log.h"
#include "dcgan/kernels/choices.h"

namespace dcgan::kernels {

// Seconds for one run(): the best of three, or the first alone when that is already over
// `give_up_after`.
template <class Run>
double best_of_three(Run run, double give_up_after) {
  double best = std::numeric_limits<double>::infinity();
  for (int attempt = 0; attempt < 3 && (attempt == 0 || best <= give_up_after); ++attempt) {
    auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

// A kernel of our own that competes with oneDNN's candidates for a pass. It is recorded as
// `label` when it wins; seconds(give_up_after) times it on zeroed buffers (best_of_three).
struct OwnKernel {
  std::string label;
  std::function<double(double give_up_after)> seconds;
};

// Seconds for one execution of `pd`'s implementation on zeroed buffers (best_of_three).
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
  return best_of_three(
      [&] {
        primitive.execute(stream, args);
        stream.wait();
      },
      give_up_after);
}

// "index:name" of the candidate `pd` is positioned on.
template <class PrimitiveDesc>
std::string candidate_label(int index, const PrimitiveDesc& pd) {
  return std::to_string(index) + ":" + pd.impl_info_str();
}

struct FastestCandidate {
  int index = 0;  // among oneDNN's candidates
  double seconds = std::numeric_limits<double>::infinity();
};

// oneDNN's fastest implementation; make_pd() builds the primitive descriptor afresh,
// positioned on oneDNN's first choice.
template <class Primitive, class MakePd>
FastestCandidate fastest_candidate(MakePd make_pd, dnnl::engine& engine, dnnl::stream& stream) {
  auto pd = make_pd();
  FastestCandidate best;
  for (int index = 0;; ++index) {
    const std::string name = pd.impl_info_str();
    if (name.rfind("ref", 0) != 0) {
      const double seconds = time_implementation<Primitive>(pd, 2 * best.seconds, engine, stream);
      DCGAN_DEBUG("oneDNN candidate " << name << ": " << seconds * 1e3 << " ms");
      if (seconds < best.seconds) best = {index, seconds};
    }
    if (!pd.next_impl()) break;
  }
  return best;
}

// The implementation recorded for `key` when there is one and this CPU offers it, else the
// fastest, which is then recorded. Empty when `own` is the one (recorded, or faster than every
// oneDNN candidate).
template <class Primitive, class MakePd>
auto recorded_or_fastest_implementation(const std::string& key, MakePd make_pd,
                                        dnnl::engine& engine, dnnl::stream& stream,
                                        const OwnKernel* own = nullptr)
    -> std::optional<decltype(make_pd())> {
  if (const auto recorded = kernel_choice(key)) {
    if (own != nullptr && *recorded == own->label) return std::nullopt;
    auto pd = make_pd();
    for (int index = 0;; ++index) {
      if (candidate_label(index, pd) == *recorded) return pd;
      if (!pd.next_impl()) break;
    }
    DCGAN_WARN("oneDNN implementation " << *recorded << " recorded for " << key
                                        << " is not offered here; choosing again (sums in "
                                           "another order from now on)");
  }
  const FastestCandidate fastest = fastest_candidate<Primitive>(make_pd, engine, stream);
  if (own != nullptr) {
    const double seconds = own->seconds(2 * fastest.seconds);
    DCGAN_DEBUG("candidate " << own->label << ": " << seconds * 1e3 << " ms");
    if (seconds < fastest.seconds) {
      DCGAN_DEBUG("chose " << own->label << " for " << key);
      record_kernel_choice(key, own->label);
      return std::nullopt;
    }
  }
  const int index = fastest.index;
  auto chosen = make_pd();
  for (int i = 0; i < index; ++i) chosen.next_impl();
  DCGAN_DEBUG("oneDNN chose " << chosen.impl_info_str() << " for " << key);
  record_kernel_choice(key, candidate_label(index, chosen));
  return chosen;
}

}  // namespace dcgan::kernels
