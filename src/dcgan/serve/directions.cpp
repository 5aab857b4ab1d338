// Principal directions of generated faces, carried into z; see directions.h.
#include "dcgan/serve/directions.h"

#include <algorithm>
#include <cmath>

#include "dcgan/core/error.h"

namespace dcgan::serve {

LatentDirections directions_from_samples(const torch::Tensor& z, const torch::Tensor& images,
                                         int64_t k) {
  const int64_t n = z.size(0);
  if (n < 2 || images.size(0) != n) throw DataError("latent directions need 2 or more samples");
  k = std::min<int64_t>(k, n - 1);
  // PCA of the pixels through the n x n Gram matrix (n samples is far below the pixel count).
  torch::Tensor y = images.reshape({n, -1}).to(torch::kDouble) / 255.0;
  y = y - y.mean(0, true);
  const torch::Tensor gram = torch::mm(y, y.t());
  auto [values, vectors] = torch::linalg::eigh(gram, "L");  // ascending
  values = values.flip(0).narrow(0, 0, k).clamp_min(0);
  vectors = vectors.flip(1).narrow(1, 0, k);
  const double total = gram.trace().item<double>();

  // Least squares z = U x over the samples, x the principal coordinates (orthogonal columns,
  // x^T x = diag(values)): U's column i is z^T v_i / sqrt(value_i).
  torch::Tensor zc = z.to(torch::kDouble);
  zc = zc - zc.mean(0, true);
  LatentDirections out;
  out.samples = n;
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < k; ++i) {
    const double value = values[i].item<double>();
    if (value <= 0) break;  // no variance left: fewer directions
    const torch::Tensor v = vectors.select(1, i);
    torch::Tensor u = torch::mv(zc.t(), v);
    const double norm = u.norm().item<double>();
    if (!(norm > 0)) break;
    u = u / norm;
    // The pixel-space component (y^T v, up to scale): its sum says whether + brightens.
    if (torch::mv(y.t(), v).sum().item<double>() < 0) u = -u;
    rows.push_back(u);
    out.sigma.push_back(torch::mv(zc, u).std().item<double>());
    out.explained.push_back(total > 0 ? value / total : 0.0);
  }
  out.directions =
      rows.empty() ? torch::zeros({0, z.size(1)}) : torch::stack(rows).to(torch::kFloat);
  return out;
}

}  // namespace dcgan::serve
