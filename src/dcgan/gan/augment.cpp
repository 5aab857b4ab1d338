// DiffAugment; see augment.h. The draws follow DiffAugment_pytorch.py op by op: brightness
// U(-0.5, 0.5), saturation U(0, 2), contrast U(0.5, 1.5), shifts uniform in [-r, r] (rows,
// then columns), cutout centres uniform in [0, side + (1 - cut % 2)) (rows, then columns).
#include "dcgan/gan/augment.h"

#include <algorithm>

#include "dcgan/core/error.h"

namespace dcgan::gan {
namespace {

// Per-image values broadcast over (C, H, W).
torch::Tensor per_image(const torch::Tensor& values, const torch::Tensor& like) {
  return values.to(like.device(), like.scalar_type()).view({-1, 1, 1, 1});
}

// Random per-image values drawn on the CPU (the checkpointed generator) for x's batch.
torch::Tensor random_uniform(const torch::Tensor& x, double low, double high) {
  return torch::rand({x.size(0)}) * (high - low) + low;
}
torch::Tensor random_integers(const torch::Tensor& x, int64_t low, int64_t high_exclusive) {
  return torch::randint(low, high_exclusive, {x.size(0)}, torch::kLong);
}

}  // namespace

AugmentPolicy AugmentPolicy::parse(const std::string& text) {
  AugmentPolicy policy;
  if (text.empty() || text == "none") return policy;
  for (size_t start = 0; start <= text.size();) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    start = end + 1;
    bool* op = item == "color"         ? &policy.color
               : item == "translation" ? &policy.translation
               : item == "cutout"      ? &policy.cutout
                                       : nullptr;
    require(op != nullptr,
            "--augment takes a comma-separated subset of color, translation, "
            "cutout (got '" +
                text + "')");
    require(!*op, "--augment names " + item + " twice (got '" + text + "')");
    *op = true;
  }
  require(policy.any(),
          "--augment takes a comma-separated subset of color, translation, "
          "cutout (got '" +
              text + "')");
  return policy;
}

std::string AugmentPolicy::to_string() const {
  std::string text;
  for (auto [on, name] : {std::pair{color, "color"}, std::pair{translation, "translation"},
                          std::pair{cutout, "cutout"}}) {
    if (on) text += (text.empty() ? "" : ",") + std::string(name);
  }
  return text;
}

int64_t max_translation(int64_t side) { return static_cast<int64_t>(side * 0.125 + 0.5); }
int64_t cutout_side(int64_t side) { return static_cast<int64_t>(side * 0.5 + 0.5); }

torch::Tensor adjust_brightness(const torch::Tensor& x, const torch::Tensor& shift) {
  return x + per_image(shift, x);
}

torch::Tensor adjust_saturation(const torch::Tensor& x, const torch::Tensor& factor) {
  auto mean = x.mean(1, /*keepdim=*/true);
  return (x - mean) * per_image(factor, x) + mean;
}

torch::Tensor adjust_contrast(const torch::Tensor& x, const torch::Tensor& factor) {
  auto mean = x.mean({1, 2, 3}, /*keepdim=*/true);
  return (x - mean) * per_image(factor, x) + mean;
}

torch::Tensor translate(const torch::Tensor& x, const torch::Tensor& dy, const torch::Tensor& dx) {
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  auto index_options = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  // Indices into x padded by one zero on every side; out-of-image sources clamp onto the zeros.
  auto rows = (torch::arange(h, index_options).view({1, h}) + dy.to(x.device()).view({b, 1}) + 1)
                  .clamp(0, h + 1);
  auto cols = (torch::arange(w, index_options).view({1, w}) + dx.to(x.device()).view({b, 1}) + 1)
                  .clamp(0, w + 1);
  auto padded = torch::constant_pad_nd(x, {1, 1, 1, 1}, 0);
  auto picked_rows = padded.gather(2, rows.view({b, 1, h, 1}).expand({b, c, h, w + 2}));
  return picked_rows.gather(3, cols.view({b, 1, 1, w}).expand({b, c, h, w}));
}

torch::Tensor cut_out(const torch::Tensor& x, const torch::Tensor& cy, const torch::Tensor& cx,
                      int64_t side) {
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  auto index_options = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  auto inside = [&](const torch::Tensor& centre, int64_t n) {  // (B, n): in the square's range
    auto first = centre.to(x.device()).view({b, 1}) - side / 2;
    auto i = torch::arange(n, index_options).view({1, n});
    return (i >= first).logical_and(i < first + side);
  };
  auto square = inside(cy, h).view({b, 1, h, 1}).logical_and(inside(cx, w).view({b, 1, 1, w}));
  return x * square.logical_not().to(x.scalar_type());
}

torch::Tensor diff_augment(const torch::Tensor& x, const AugmentPolicy& policy) {
  torch::Tensor y = x;
  if (policy.color) {
    y = adjust_brightness(y, random_uniform(y, -0.5, 0.5));
    y = adjust_saturation(y, random_uniform(y, 0.0, 2.0));
    y = adjust_contrast(y, random_uniform(y, 0.5, 1.5));
  }
  if (policy.translation) {
    const int64_t ry = max_translation(y.size(2)), rx = max_translation(y.size(3));
    auto dy = random_integers(y, -ry, ry + 1);
    auto dx = random_integers(y, -rx, rx + 1);
    y = translate(y, dy, dx);
  }
  if (policy.cutout) {
    const int64_t side = cutout_side(y.size(2));
    auto cy = random_integers(y, 0, y.size(2) + (1 - side % 2));
    auto cx = random_integers(y, 0, y.size(3) + (1 - side % 2));
    y = cut_out(y, cy, cx, side);
  }
  return y;
}

}  // namespace dcgan::gan
