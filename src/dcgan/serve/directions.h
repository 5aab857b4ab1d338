// Latent directions for the page's sliders, found from samples: the principal components of
// many generated faces (where the faces differ most, in pixels), each carried back into z by
// least squares. This is GANSpace (Härkönen et al. 2020) applied to G's output instead of an
// inner layer: the directions are those of the largest visible change, usually overall
// brightness, hair and background colour, and pose, rather than one z coordinate, which in a
// DCGAN changes many things a little.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "dcgan/gan/sampler.h"

namespace dcgan::serve {

struct LatentDirections {
  int64_t samples = 0;            // faces the components come from
  torch::Tensor directions;       // (k, Z) unit vectors, strongest component first
  std::vector<double> sigma;      // std of the samples' z along each direction
  std::vector<double> explained;  // fraction of the faces' pixel variance per component
};

// `samples` faces of z drawn from `seed` (gan::sample_latents), G's images through
// `generate` (so the caller decides where and under which lock G runs). A direction's sign
// makes the face brighter on average as one moves along it. Deterministic for a model, seed and
// thread count.
template <class Generate>
LatentDirections find_directions(const gan::LoadedModel& model, int64_t k, int64_t samples,
                                 uint64_t seed, Generate generate);

// The linear algebra alone: z (N, Z) and the images G made of them (N, ...) as float.
LatentDirections directions_from_samples(const torch::Tensor& z, const torch::Tensor& images,
                                         int64_t k);

template <class Generate>
LatentDirections find_directions(const gan::LoadedModel& model, int64_t k, int64_t samples,
                                 uint64_t seed, Generate generate) {
  const torch::Tensor z = gan::sample_latents(model, samples, seed);
  const torch::Tensor images = generate(z);
  return directions_from_samples(z, images, k);
}

}  // namespace dcgan::serve
