// Convolution and transposed convolution (forward and both backward passes) on oneDNN
// primitives, as LibTorch autograd functions. Activations are kept channels-last (NHWC), which
// oneDNN's AVX-512 kernels read and write directly; weights stay in LibTorch's layout so the
// same parameters (and checkpoints) work with the plain LibTorch layers. Primitives are built
// once per shape and reused; layers with outputs of at most 16 pixels run as per-tap sgemm
// calls instead (tap_gemm_conv.h). CPU float32 only; the callers fall back to LibTorch elsewhere.
#pragma once

#include <torch/torch.h>

#include <string>

namespace dcgan::kernels {

// x: (B, Cin, H, W), weight: (Cout, Cin, k, k), bias: (Cout) or undefined
//   -> (B, Cout, (H + 2p - k) / s + 1, ...) channels-last. Same maths as torch::conv2d.
torch::Tensor fast_conv2d(const torch::Tensor& x, const torch::Tensor& weight,
                          const torch::Tensor& bias, int64_t stride, int64_t padding);

// x: (B, Cin, H, W), weight: (Cin, Cout, k, k), bias: (Cout) or undefined
//   -> (B, Cout, (H - 1) s - 2p + k + output_padding, ...) channels-last.
// Same maths as torch::conv_transpose2d.
torch::Tensor fast_conv_transpose2d(const torch::Tensor& x, const torch::Tensor& weight,
                                    const torch::Tensor& bias, int64_t stride, int64_t padding,
                                    int64_t output_padding);

// The modules' own parameters and options through the layers above (k5-style square kernels,
// equal stride and padding in both directions, as the DCGAN layers use).
torch::Tensor fast_forward(torch::nn::Conv2dImpl& conv, const torch::Tensor& x);
torch::Tensor fast_forward(torch::nn::ConvTranspose2dImpl& deconv, const torch::Tensor& x);

// True when these layers can run the tensor (CPU float32).
bool fast_kernels_support(const torch::Tensor& x);

// "oneDNN 2.6.3 (cpu_runtime=OpenMP, isa=...)" for logs and benchmarks.
std::string onednn_info();

}  // namespace dcgan::kernels
