// The process-wide precision and the --precision decision; see precision.h.
#include "dcgan/kernels/precision.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <oneapi/dnnl/dnnl.hpp>

#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/kernels/choices.h"
#include "dcgan/kernels/onednn_context.h"

namespace dcgan::kernels {
namespace {

std::atomic<Precision>& current() {
  static std::atomic<Precision> precision{Precision::kFp32};
  return precision;
}

double seconds_of(const std::function<void()>& pass) {
  const auto start = std::chrono::steady_clock::now();
  pass();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// "bf16 (fp32 812.3 ms, bf16 401.2 ms a pass)": a decision and the timing behind it.
std::string timed_decision(Precision chosen, double fp32_s, double bf16_s) {
  char text[96];
  std::snprintf(text, sizeof text, "%s (fp32 %.1f ms, bf16 %.1f ms a pass)", precision_name(chosen),
                fp32_s * 1e3, bf16_s * 1e3);
  return text;
}

}  // namespace

const char* precision_name(Precision precision) {
  return precision == Precision::kBf16 ? "bf16" : "fp32";
}

void set_precision(Precision precision) { current().store(precision); }

Precision precision() { return current().load(); }

bool native_bf16() {
  const auto isa = dnnl::get_effective_cpu_isa();
  return isa == dnnl::cpu_isa::avx512_core_bf16 || isa == dnnl::cpu_isa::avx512_core_amx;
}

bool onednn_bf16_available() {
  static const bool available = [] {
    try {
      dnnl::memory::desc bf16({1, 1}, dnnl::memory::data_type::bf16, dnnl::memory::format_tag::ab);
      dnnl::memory::desc f32({1, 1}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
      dnnl::matmul::primitive_desc(dnnl::matmul::desc(bf16, bf16, f32), cpu_engine());
      return true;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return available;
}

std::string onednn_isa() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::sse41:
      return "sse41";
    default:
      return "other";
  }
}

PrecisionChoice choose_precision(const std::string& requested, bool cuda, bool fast_kernels,
                                 const std::string& key, const std::function<void()>& timed_pass) {
  require(requested == "fp32" || requested == "bf16" || requested == "auto",
          "--precision must be fp32, bf16 or auto (got '" + requested + "')");
  if (requested == "fp32") return {Precision::kFp32, "--precision fp32"};
  if (cuda) {
    if (requested == "bf16") return {Precision::kBf16, "--precision bf16: CUDA autocast"};
    return {Precision::kFp32, "auto: fp32 on CUDA (--precision bf16 runs autocast)"};
  }
  const std::string isa = "oneDNN isa " + onednn_isa();
  if (requested == "bf16") {
    require(fast_kernels,
            "--precision bf16 needs --kernels fast on the CPU (the LibTorch layers "
            "have no BF16 path here)");
    require(native_bf16(), "--precision bf16: this CPU has no native BF16 arithmetic (" + isa +
                               "); oneDNN would emulate it, slower than fp32: use --precision "
                               "fp32 or auto");
    return {Precision::kBf16, "--precision bf16 (" + isa + ")"};
  }
  if (!fast_kernels) return {Precision::kFp32, "auto: --kernels torch computes in fp32"};
  if (!native_bf16()) return {Precision::kFp32, "auto: no native BF16 on this CPU (" + isa + ")"};

  const std::string choice_key = "precision.auto " + key;
  if (const auto recorded = kernel_choice(choice_key)) {
    const Precision p = recorded->rfind("bf16", 0) == 0 ? Precision::kBf16 : Precision::kFp32;
    return {p, "auto: " + *recorded + ", recorded for this machine"};
  }
  double best[2] = {std::numeric_limits<double>::infinity(),
                    std::numeric_limits<double>::infinity()};
  for (int round = 0; round < 3; ++round) {  // round 0 builds the layers and is not counted
    for (Precision p : {Precision::kFp32, Precision::kBf16}) {
      PrecisionScope scope(p);
      const double seconds = seconds_of(timed_pass);
      if (round > 0) best[static_cast<int>(p)] = std::min(best[static_cast<int>(p)], seconds);
    }
  }
  const double fp32_s = best[0], bf16_s = best[1];
  const Precision chosen = bf16_s < 0.95 * fp32_s ? Precision::kBf16 : Precision::kFp32;
  const std::string decision = timed_decision(chosen, fp32_s, bf16_s);
  record_kernel_choice(choice_key, decision);
  DCGAN_DEBUG("--precision auto for " << key << ": " << decision);
  return {chosen, "auto: " + decision + ", " + isa};
}

}  // namespace dcgan::kernels
