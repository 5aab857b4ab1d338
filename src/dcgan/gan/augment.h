// DiffAugment (Zhao et al. 2020, their DiffAugment_pytorch.py): the same random, differentiable
// transformations of every image D sees, real and generated, in D's steps and G's, so D cannot
// tell them apart by the transformation and G's gradient flows back through it. Images are
// (B, C, H, W) in [-1, 1]; each op draws one random value per image from the default CPU
// generator (the training RNG, saved in checkpoints: deterministic per seed, resumable).
#pragma once

#include <torch/torch.h>

#include <string>

namespace dcgan::gan {

struct AugmentPolicy {
  bool color = false;        // brightness, saturation, contrast
  bool translation = false;  // integer shift up to 1/8 of the side, zeros shifted in
  bool cutout = false;       // one zeroed square of half the side

  // "" or "none" -> nothing; otherwise a comma-separated subset of color, translation, cutout
  // in any order. Throws ConfigError naming --augment for anything else.
  static AugmentPolicy parse(const std::string& text);
  // The canonical spelling ("" when off; else in the order the ops run: color, translation,
  // cutout), so two spellings of one policy compare equal in stored flags.
  std::string to_string() const;
  bool any() const { return color || translation || cutout; }
};

// The policy's ops in the order color, translation, cutout (the paper's), with fresh random
// values for each image.
torch::Tensor diff_augment(const torch::Tensor& x, const AugmentPolicy& policy);

// The ops with their random values given, (B) tensors on any device:
// x + shift
torch::Tensor adjust_brightness(const torch::Tensor& x, const torch::Tensor& shift);
// (x - mean over channels) * factor + that mean, per pixel
torch::Tensor adjust_saturation(const torch::Tensor& x, const torch::Tensor& factor);
// (x - mean over the image) * factor + that mean
torch::Tensor adjust_contrast(const torch::Tensor& x, const torch::Tensor& factor);
// out[b, c, i, j] = x[b, c, i + dy[b], j + dx[b]], 0 where that falls outside (int64 shifts).
torch::Tensor translate(const torch::Tensor& x, const torch::Tensor& dy, const torch::Tensor& dx);
// Zeroes rows cy[b] - side / 2 .. cy[b] - side / 2 + side - 1 x the same columns around cx[b],
// clipped to the image.
torch::Tensor cut_out(const torch::Tensor& x, const torch::Tensor& cy, const torch::Tensor& cx,
                      int64_t side);

// DiffAugment's sizes: the largest shift round(side / 8) (6 at 48 px, 8 at 64) and the cutout
// side round(side / 2), as int(side * ratio + 0.5).
int64_t max_translation(int64_t side);
int64_t cutout_side(int64_t side);

}  // namespace dcgan::gan
