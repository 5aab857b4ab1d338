// The number format the fast layers multiply in, one setting for the whole process. fp32 (the
// default) computes everything in float32. bf16 is the usual mixed-precision recipe: the
// convolutions, transposed convolutions, linear layers and per-tap GEMMs read BF16 activations
// and BF16 copies of the weights and accumulate in FP32; their outputs and gradients are FP32
// (bias gradients are summed from the FP32 upstream gradient), and the master weights, Adam state,
// BatchNorm, losses and sigmoid/BCE stay FP32 (BF16 keeps FP32's exponent range, so no loss
// scaling). A layer remembers the precision of its forward pass for its backward pass. On CUDA,
// bf16 means LibTorch's autocast (autocast.h).
#pragma once

#include <functional>
#include <string>

namespace dcgan::kernels {

enum class Precision { kFp32, kBf16 };

const char* precision_name(Precision precision);  // "fp32" | "bf16"
void set_precision(Precision precision);
Precision precision();

// Sets a precision for its lifetime, then restores the one before.
class PrecisionScope {
 public:
  explicit PrecisionScope(Precision precision) : previous_(kernels::precision()) {
    set_precision(precision);
  }
  ~PrecisionScope() { set_precision(previous_); }
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

 private:
  Precision previous_;
};

// True when this CPU multiplies BF16 natively as oneDNN sees it (AVX512-BF16 or AMX; oneDNN's
// DNNL_MAX_CPU_ISA can hide them). Without it oneDNN emulates BF16, correctly but slower than
// FP32 (or runs reference kernels below AVX-512).
bool native_bf16();
// True when oneDNN has BF16 kernels here at all, native or emulated: oneDNN 2.x needs AVX-512
// for any BF16 primitive. Tests of the BF16 layers run wherever this holds.
bool onednn_bf16_available();
// oneDNN's effective instruction set, e.g. "avx512_core_bf16".
std::string onednn_isa();

struct PrecisionChoice {
  Precision precision = Precision::kFp32;
  std::string reason;  // one line, for the log and config.json
};

// What --precision fp32|bf16|auto means here:
//   fp32: fp32.
//   bf16: on CUDA, autocast; on the CPU, bf16 when the CPU has native BF16 and `fast_kernels`
//         (the LibTorch layers have no BF16 path here), else a ConfigError saying why.
//   auto: bf16 only on a CPU with native BF16 where `timed_pass` (the caller's forward and
//         backward pass of its models, run in both precisions after a warm-up) is at least 5%
//         faster in bf16; fp32 everywhere else (CUDA included). The decision is recorded in the
//         kernel choices (choices.h) under "precision.auto <key>", so later runs on the machine
//         and resumed runs decide alike without timing again.
// Leaves the process's precision as it was; the caller sets the chosen one.
PrecisionChoice choose_precision(const std::string& requested, bool cuda, bool fast_kernels,
                                 const std::string& key, const std::function<void()>& timed_pass);

}  // namespace dcgan::kernels
