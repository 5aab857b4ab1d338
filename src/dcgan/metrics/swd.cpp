// SWD over Laplacian-pyramid patches; see swd.h. The hot parts are the projections
// (one oneDNN sgemm per chunk of directions) and the per-direction sorts, done with an LSD radix
// sort on order-preserving integer keys: ~4x faster than torch::sort on these 2 cores.
#include "dcgan/metrics/swd.h"

#include <ATen/Parallel.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <sstream>

#include "dcgan/core/error.h"

namespace dcgan::metrics {
namespace {

constexpr int kChannels = 3;
// Directions projected per sgemm: each call re-packs the whole descriptor matrix, so more is
// faster, at 64 x (N * 128) floats of memory per set.
constexpr int64_t kDirectionChunk = 64;

// Large buffers (descriptors, projections, sort scratch) on transparent huge pages where the
// kernel offers them (THP "madvise" mode): first-touch faults per 4 KiB page were ~15% of the
// run time, and the radix sort's scatter passes miss the TLB far less with 2 MiB pages.
constexpr size_t kHugePage = size_t{2} << 20;

void* huge_alloc(size_t bytes) {
  const size_t rounded = (std::max<size_t>(bytes, 1) + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (p == nullptr) throw std::bad_alloc();
  madvise(p, rounded, MADV_HUGEPAGE);  // advisory: without THP it is plain memory
  return p;
}

torch::Tensor huge_float_tensor(at::IntArrayRef sizes) {
  int64_t numel = 1;
  for (int64_t s : sizes) numel *= s;
  return torch::from_blob(
      huge_alloc(static_cast<size_t>(numel) * sizeof(float)), sizes, [](void* p) { std::free(p); },
      torch::kFloat);
}

struct HugeKeys {
  explicit HugeKeys(int64_t n)
      : data(static_cast<uint32_t*>(huge_alloc(static_cast<size_t>(n) * sizeof(uint32_t)))) {}
  ~HugeKeys() { std::free(data); }
  HugeKeys(const HugeKeys&) = delete;
  HugeKeys& operator=(const HugeKeys&) = delete;
  uint32_t* data;
};

// splitmix64: a counter-based generator, so a value depends only on its coordinates.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The base of stream (kind, level, index); its draws are mix(base + k), k = 0, 1, ... Every
// coordinate goes through mix: with the last one only XORed in, the bases of neighbouring
// indices differed in their low bits alone, so their streams overlapped shifted by a few
// draws (direction j + 1 repeated direction j's Gaussians one component along; image i + 1
// reused image i's patch centres), and 4 x 128 directions and N x 128 centres were drawn from
// a few thousand values: SWD swung ~5% from seed to seed where independent draws give ~1%.
uint64_t stream_base(uint64_t seed, SwdStream kind, int level, int64_t index) {
  return mix(mix(mix(mix(seed ^ 0x5377643A2A1Bull) ^ static_cast<uint64_t>(kind)) ^
                 static_cast<uint64_t>(level)) ^
             static_cast<uint64_t>(index));
}

// Uniform in (0, 1) from the top 53 bits.
double unit_uniform(uint64_t bits) { return ((bits >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

// The 5-tap binomial filter of pyrDown/pyrUp along one axis as a table: for each output index,
// the input index (or -1 for an inserted zero) of each tap, BORDER_REFLECT_101 applied.
// down: out[o] = sum_t k[t] in[2o + t - 2]; up: the same over the zero-inserted 2x signal.
struct AxisTaps {
  int out_len = 0;
  std::vector<int> source;  // out_len x 5
};

int reflect101(int i, int n) {
  if (n == 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

AxisTaps axis_taps(int in_len, bool up) {
  AxisTaps taps;
  taps.out_len = up ? 2 * in_len : (in_len + 1) / 2;
  taps.source.resize(static_cast<size_t>(taps.out_len) * 5);
  for (int o = 0; o < taps.out_len; ++o) {
    for (int t = 0; t < 5; ++t) {
      int src;
      if (up) {
        const int r = reflect101(o + t - 2, 2 * in_len);
        src = r % 2 == 0 ? r / 2 : -1;
      } else {
        src = reflect101(2 * o + t - 2, in_len);
      }
      taps.source[o * 5 + t] = src;
    }
  }
  return taps;
}

// images: (N, C, H, W) float -> pyrDown or pyrUp of every plane (separable: rows, then columns).
torch::Tensor binomial_resample(const torch::Tensor& images, bool up) {
  constexpr float kTaps[5] = {1, 4, 6, 4, 1};
  const torch::Tensor src = images.to(torch::kFloat).contiguous();
  const int64_t planes = src.size(0) * src.size(1);
  const int h = static_cast<int>(src.size(2)), w = static_cast<int>(src.size(3));
  const AxisTaps tx = axis_taps(w, up), ty = axis_taps(h, up);
  const float gain = up ? 4.0f / 256.0f : 1.0f / 256.0f;
  torch::Tensor out = torch::empty({src.size(0), src.size(1), ty.out_len, tx.out_len});
  const float* in = src.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  at::parallel_for(0, planes, 64, [&](int64_t begin, int64_t end) {
    std::vector<float> rows(static_cast<size_t>(h) * tx.out_len);
    for (int64_t p = begin; p < end; ++p) {
      const float* plane = in + p * h * w;
      for (int y = 0; y < h; ++y) {
        for (int o = 0; o < tx.out_len; ++o) {
          float sum = 0;
          for (int t = 0; t < 5; ++t) {
            const int x = tx.source[o * 5 + t];
            if (x >= 0) sum += kTaps[t] * plane[y * w + x];
          }
          rows[y * tx.out_len + o] = sum;
        }
      }
      float* result = dst + p * ty.out_len * tx.out_len;
      for (int o = 0; o < ty.out_len; ++o) {
        float* line = result + o * tx.out_len;
        std::fill(line, line + tx.out_len, 0.0f);
        for (int t = 0; t < 5; ++t) {
          const int y = ty.source[o * 5 + t];
          if (y < 0) continue;
          const float* row = rows.data() + y * tx.out_len;
          for (int x = 0; x < tx.out_len; ++x) line[x] += kTaps[t] * row[x];
        }
        for (int x = 0; x < tx.out_len; ++x) line[x] *= gain;
      }
    }
  });
  return out;
}

// Order-preserving map float -> uint32 (negative floats reversed, sign bit flipped).
inline uint32_t float_key(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

inline float key_float(uint32_t key) {
  uint32_t bits = (key & 0x80000000u) ? (key ^ 0x80000000u) : ~key;
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// Sorts `values` ascending as order-preserving keys; returns the sorted keys, which lie in
// `keys` or `tmp` (scratch of n each, reused by the caller: fresh large buffers cost a page
// fault per 4 KiB on every call). LSD radix sort with 11/11/10-bit digits; all three
// histograms come from one read of the floats, the first scatter pass converts them to keys
// on the fly (no separate key array pass), and a pass whose digit is the same everywhere is
// skipped.
const uint32_t* radix_sort_keys(const float* values, int64_t n, uint32_t* keys, uint32_t* tmp) {
  constexpr int kShift[3] = {0, 11, 22};
  constexpr uint32_t kMask[3] = {0x7FF, 0x7FF, 0x3FF};
  int64_t hist[3][2048] = {};
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t k = float_key(values[i]);
    ++hist[0][k & 0x7FF];
    ++hist[1][(k >> 11) & 0x7FF];
    ++hist[2][k >> 22];
  }
  const uint32_t* src = nullptr;  // nullptr: still the floats
  uint32_t* dst = keys;
  uint32_t* other = tmp;
  for (int pass = 0; pass < 3; ++pass) {
    int64_t* h = hist[pass];
    const int buckets = static_cast<int>(kMask[pass]) + 1;
    if (std::any_of(h, h + buckets, [n](int64_t c) { return c == n; })) continue;
    int64_t offset = 0;
    for (int b = 0; b < buckets; ++b) {
      const int64_t count = h[b];
      h[b] = offset;
      offset += count;
    }
    const int shift = kShift[pass];
    const uint32_t mask = kMask[pass];
    if (src == nullptr) {
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t k = float_key(values[i]);
        dst[h[(k >> shift) & mask]++] = k;
      }
    } else {
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t k = src[i];
        dst[h[(k >> shift) & mask]++] = k;
      }
    }
    src = dst;
    std::swap(dst, other);
  }
  if (src == nullptr) {  // every value has the same key: already sorted
    for (int64_t i = 0; i < n; ++i) keys[i] = float_key(values[i]);
    return keys;
  }
  return src;
}

// W1 between two sorted samples given by accessors (floats or keys decoded on the fly).
// Quantile functions are steps at i/n and j/m; on the common scale u * n * m they change at
// multiples of m (for a) and n (for b), so the walk stays in exact integers.
template <class GetA, class GetB>
double wasserstein_1d(GetA a, int64_t n, GetB b, int64_t m) {
  if (n == m) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += std::fabs(static_cast<double>(a(i)) - b(i));
    return sum / static_cast<double>(n);
  }
  double sum = 0;
  int64_t i = 0, j = 0, u = 0;
  while (i < n && j < m) {
    const int64_t next_a = (i + 1) * m, next_b = (j + 1) * n;
    const int64_t next = std::min(next_a, next_b);
    sum += static_cast<double>(next - u) * std::fabs(static_cast<double>(a(i)) - b(j));
    u = next;
    if (next_a == next) ++i;
    if (next_b == next) ++j;
  }
  return sum / (static_cast<double>(n) * static_cast<double>(m));
}

// 128 patch centres per image and level, as flat offsets of the patch's top-left pixel.
// Centres are uniform in [r, side - 1 - r] (the patch lies inside), with replacement.
void patch_origins(uint64_t seed, SwdStream kind, int level, int64_t image, int side, int patch,
                   int count, int64_t* origins) {
  const int r = patch / 2;
  const uint64_t range = static_cast<uint64_t>(side - 2 * r);
  const uint64_t base = stream_base(seed, kind, level, image);
  for (int k = 0; k < count; ++k) {
    int64_t y = static_cast<int64_t>(mix(base + 2 * k) % range);
    int64_t x = static_cast<int64_t>(mix(base + 2 * k + 1) % range);
    origins[k] = y * side + x;  // top-left = centre - r
  }
}

// Copies the patches of `level` (B, 3, s, s) for images first..first+B-1 into rows of `desc`
// (N * P, 3 * p * p), channel-major (c, y, x) like the reference.
void extract_patches(const torch::Tensor& level, int64_t first, int level_index, uint64_t seed,
                     SwdStream kind, const SwdConfig& config, torch::Tensor& desc) {
  const int side = static_cast<int>(level.size(2));
  const int p = config.patch_size;
  const int per_image = config.patches_per_image;
  const int64_t plane = static_cast<int64_t>(side) * side;
  const int64_t dims = desc.size(1);
  const float* src = level.data_ptr<float>();
  float* out = desc.data_ptr<float>();
  at::parallel_for(0, level.size(0), 16, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> origins(per_image);
    for (int64_t b = begin; b < end; ++b) {
      patch_origins(seed, kind, level_index, first + b, side, p, per_image, origins.data());
      const float* image = src + b * kChannels * plane;
      float* row = out + (first + b) * per_image * dims;
      for (int k = 0; k < per_image; ++k, row += dims) {
        float* dst = row;
        for (int c = 0; c < kChannels; ++c) {
          const float* top_left = image + c * plane + origins[k];
          for (int y = 0; y < p; ++y) {
            const float* line = top_left + y * side;
            for (int x = 0; x < p; ++x) *dst++ = line[x];
          }
        }
      }
    }
  });
}

// Per-channel normalisation over all rows and the channel's p*p columns: subtract the mean,
// divide by the population std (the reference's finalize_descriptors). A constant channel
// (std 0) is only centred, where the reference would divide by zero.
void normalise_channels(torch::Tensor& desc) {
  const int64_t rows = desc.size(0), dims = desc.size(1), per_channel = dims / kChannels;
  float* data = desc.data_ptr<float>();
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(rows, 64));
  std::vector<double> sums(chunks * kChannels * 2, 0.0);
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t chunk = begin; chunk < end; ++chunk) {
      double* s = sums.data() + chunk * kChannels * 2;
      for (int64_t r = rows * chunk / chunks; r < rows * (chunk + 1) / chunks; ++r) {
        const float* row = data + r * dims;
        for (int c = 0; c < kChannels; ++c, row += per_channel) {
          double sum = 0, sum_sq = 0;
          for (int64_t d = 0; d < per_channel; ++d) {
            sum += row[d];
            sum_sq += static_cast<double>(row[d]) * row[d];
          }
          s[2 * c] += sum;
          s[2 * c + 1] += sum_sq;
        }
      }
    }
  });
  float mean[kChannels], inv_std[kChannels];
  const double count = static_cast<double>(rows) * per_channel;
  for (int c = 0; c < kChannels; ++c) {
    double sum = 0, sum_sq = 0;
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      sum += sums[(chunk * kChannels + c) * 2];
      sum_sq += sums[(chunk * kChannels + c) * 2 + 1];
    }
    const double m = sum / count;
    const double var = std::max(0.0, sum_sq / count - m * m);
    mean[c] = static_cast<float>(m);
    inv_std[c] = var > 1e-12 ? static_cast<float>(1.0 / std::sqrt(var)) : 1.0f;
  }
  at::parallel_for(0, rows, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      float* row = data + r * dims;
      for (int c = 0; c < kChannels; ++c, row += per_channel) {
        for (int64_t d = 0; d < per_channel; ++d) row[d] = (row[d] - mean[c]) * inv_std[c];
      }
    }
  });
}

// out (rows, n) = dirs (rows, dims) x descriptors (n, dims)^T: each direction's projections
// are one row. oneDNN's sgemm, not the loaded BLAS: this is most of the SWD's arithmetic and
// OpenBLAS 0.3.21 runs it at half oneDNN's speed on AVX-512 (see `dcgan bench sgemm`).
void project(const torch::Tensor& dirs, const torch::Tensor& descriptors, torch::Tensor& out) {
  const int64_t rows = dirs.size(0), dims = dirs.size(1), n = descriptors.size(0);
  dnnl::sgemm('N', 'T', rows, n, dims, 1.0f, dirs.data_ptr<float>(), dims,
              descriptors.data_ptr<float>(), dims, 0.0f, out.data_ptr<float>(), n);
}

// (count, dims) random unit directions for (level, repeat): Gaussian then normalised.
torch::Tensor random_directions(uint64_t seed, int level, int repeat, int count, int64_t dims) {
  torch::Tensor dirs = torch::empty({count, dims}, torch::kFloat);
  float* out = dirs.data_ptr<float>();
  for (int j = 0; j < count; ++j) {
    const uint64_t base =
        stream_base(seed, SwdStream::kDirections, level, int64_t{repeat} * count + j);
    std::vector<double> v(dims);
    double norm = 0;
    for (int64_t d = 0; d < dims; ++d) {
      // Box-Muller on two independent uniforms.
      const double u1 = unit_uniform(mix(base + 2 * d)), u2 = unit_uniform(mix(base + 2 * d + 1));
      v[d] = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
      norm += v[d] * v[d];
    }
    norm = std::sqrt(norm);
    for (int64_t d = 0; d < dims; ++d) out[j * dims + d] = static_cast<float>(v[d] / norm);
  }
  return dirs;
}

// Descriptors of the levels `wanted` of `images` (uint8 NCHW), normalised per set, written
// into `desc` (one (N * patches, 3 * p * p) float tensor per wanted level; allocated here when
// undefined, else reused: fresh memory costs a page fault per 4 KiB, ~10% of the run).
void set_descriptors(const torch::Tensor& images, const std::vector<int>& resolutions,
                     const std::vector<int>& wanted, uint64_t seed, SwdStream kind,
                     const SwdConfig& config, std::vector<torch::Tensor>& desc) {
  const int64_t n = images.size(0);
  const int64_t dims = int64_t{kChannels} * config.patch_size * config.patch_size;
  desc.resize(wanted.size());
  for (torch::Tensor& d : desc) {
    if (!d.defined()) d = huge_float_tensor({n * config.patches_per_image, dims});
  }
  for (int64_t first = 0; first < n; first += config.batch_images) {
    torch::Tensor batch = images.slice(0, first, std::min(n, first + config.batch_images));
    batch = batch.to(torch::kFloat);
    if (batch.size(1) == 1) batch = batch.expand({-1, kChannels, -1, -1});
    std::vector<torch::Tensor> levels =
        laplacian_pyramid(batch.contiguous(), static_cast<int>(resolutions.size()));
    for (size_t k = 0; k < wanted.size(); ++k) {
      extract_patches(levels[wanted[k]].contiguous(), first, wanted[k], seed, kind, config,
                      desc[k]);
    }
  }
  for (torch::Tensor& d : desc) normalise_channels(d);
}

std::vector<int> all_levels(const std::vector<int>& resolutions) {
  std::vector<int> levels(resolutions.size());
  for (size_t l = 0; l < levels.size(); ++l) levels[l] = static_cast<int>(l);
  return levels;
}

// Mean 1-D W1 over dir_repeats x dirs_per_repeat random directions between the normalised
// descriptor set `a` (rows = descriptors) and each of `others`: a's projections are computed
// and sorted once per direction for all of them. Projection and sort buffers are allocated
// once.
std::vector<double> sliced_distances(const torch::Tensor& a,
                                     const std::vector<torch::Tensor>& others, uint64_t seed,
                                     int level, const SwdConfig& config) {
  const int64_t na = a.size(0);
  int64_t largest = na;
  for (const auto& b : others) largest = std::max(largest, b.size(0));
  const int64_t chunk_rows = std::min<int64_t>(kDirectionChunk, config.dirs_per_repeat);
  torch::Tensor proj_a = huge_float_tensor({chunk_rows, na});
  std::vector<torch::Tensor> proj_others;
  for (const auto& b : others) proj_others.push_back(huge_float_tensor({chunk_rows, b.size(0)}));
  // Four sort buffers per thread: keys and scratch for a, and for the set compared with it.
  std::vector<std::unique_ptr<HugeKeys>> scratch(4 * at::get_num_threads());
  std::vector<double> totals(others.size(), 0.0);
  for (int repeat = 0; repeat < config.dir_repeats; ++repeat) {
    torch::Tensor dirs = random_directions(seed, level, repeat, config.dirs_per_repeat, a.size(1));
    for (int64_t first = 0; first < dirs.size(0); first += chunk_rows) {
      const int64_t rows = std::min(dirs.size(0) - first, chunk_rows);
      torch::Tensor chunk = dirs.slice(0, first, first + rows);
      torch::Tensor pa = proj_a.slice(0, 0, rows);
      project(chunk, a, pa);
      std::vector<torch::Tensor> pbs;
      for (size_t k = 0; k < others.size(); ++k) {
        pbs.push_back(proj_others[k].slice(0, 0, rows));
        project(chunk, others[k], pbs.back());
      }
      std::vector<double> row_w1(rows * others.size());
      at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
        uint32_t* buffers[4];
        for (int k = 0; k < 4; ++k) {
          std::unique_ptr<HugeKeys>& buffer = scratch[4 * at::get_thread_num() + k];
          if (!buffer) buffer = std::make_unique<HugeKeys>(largest);
          buffers[k] = buffer->data;
        }
        for (int64_t j = begin; j < end; ++j) {
          const uint32_t* sa =
              radix_sort_keys(pa.data_ptr<float>() + j * na, na, buffers[0], buffers[1]);
          for (size_t k = 0; k < others.size(); ++k) {
            const int64_t nb = others[k].size(0);
            const uint32_t* sb =
                radix_sort_keys(pbs[k].data_ptr<float>() + j * nb, nb, buffers[2], buffers[3]);
            row_w1[j * others.size() + k] =
                wasserstein_1d([sa](int64_t i) { return key_float(sa[i]); }, na,
                               [sb](int64_t i) { return key_float(sb[i]); }, nb);
          }
        }
      });
      for (size_t i = 0; i < row_w1.size(); ++i) totals[i % others.size()] += row_w1[i];
    }
  }
  for (double& total : totals) {
    total /= static_cast<double>(config.dir_repeats) * config.dirs_per_repeat;
  }
  return totals;
}

void check_images(const torch::Tensor& images, const char* what) {
  if (images.dim() != 4 || images.scalar_type() != torch::kUInt8 ||
      (images.size(1) != 1 && images.size(1) != 3) || images.size(2) != images.size(3)) {
    std::ostringstream msg;
    msg << "SWD: the " << what << " images must be uint8 (N, 1|3, S, S), got " << images.sizes()
        << " " << images.scalar_type();
    throw DataError(msg.str());
  }
  if (images.size(0) < 1) throw DataError(std::string("SWD: no ") + what + " images");
}

}  // namespace

void SwdConfig::validate() const {
  require(patches_per_image >= 1, "SwdConfig.patches_per_image must be >= 1");
  require(patch_size >= 1 && patch_size % 2 == 1, "SwdConfig.patch_size must be odd and >= 1");
  require(dir_repeats >= 1, "SwdConfig.dir_repeats must be >= 1");
  require(dirs_per_repeat >= 1, "SwdConfig.dirs_per_repeat must be >= 1");
  require(min_resolution >= patch_size && min_resolution >= 4,
          "SwdConfig.min_resolution must be >= patch_size and >= 4");
  require(batch_images >= 1, "SwdConfig.batch_images must be >= 1");
}

std::string SwdConfig::to_string() const {
  std::ostringstream out;
  out << "SwdConfig{patches_per_image=" << patches_per_image << ", patch_size=" << patch_size
      << ", dir_repeats=" << dir_repeats << ", dirs_per_repeat=" << dirs_per_repeat
      << ", min_resolution=" << min_resolution << ", batch_images=" << batch_images << "}";
  return out.str();
}

Json SwdResult::levels_json() const {
  Json levels = Json::object();
  for (size_t i = 0; i < resolutions.size(); ++i) {
    levels[std::to_string(resolutions[i])] = swd_x1e3[i];
  }
  return levels;
}

std::vector<int> swd_resolutions(int side, int min_resolution) {
  std::vector<int> res;
  for (int r = side; r >= min_resolution; r /= 2) res.push_back(r);
  if (res.empty()) {
    throw DataError("SWD needs images of at least " + std::to_string(min_resolution) + " px, got " +
                    std::to_string(side) + " px");
  }
  const int divisor = 1 << (res.size() - 1);
  if (side % divisor != 0) {
    throw DataError("SWD over " + std::to_string(res.size()) + " pyramid levels needs a side " +
                    "divisible by " + std::to_string(divisor) + ", got " + std::to_string(side) +
                    " px; resize the images (e.g. eval --size 48 or 64)");
  }
  return res;
}

torch::Tensor pyr_down(const torch::Tensor& images) { return binomial_resample(images, false); }

torch::Tensor pyr_up(const torch::Tensor& images) { return binomial_resample(images, true); }

std::vector<torch::Tensor> laplacian_pyramid(const torch::Tensor& images, int levels) {
  std::vector<torch::Tensor> pyramid = {images};
  for (int i = 1; i < levels; ++i) {
    torch::Tensor coarser = pyr_down(pyramid.back());
    pyramid.back() = pyramid.back() - pyr_up(coarser);
    pyramid.push_back(coarser);
  }
  return pyramid;
}

void sort_floats(float* values, int64_t n) {
  std::vector<uint32_t> keys(n), tmp(n);
  const uint32_t* sorted = radix_sort_keys(values, n, keys.data(), tmp.data());
  for (int64_t i = 0; i < n; ++i) values[i] = key_float(sorted[i]);
}

uint64_t swd_draw(uint64_t seed, SwdStream stream, int level, int64_t index, int64_t k) {
  return mix(stream_base(seed, stream, level, index) + static_cast<uint64_t>(k));
}

double wasserstein_1d_sorted(const float* a, int64_t n, const float* b, int64_t m) {
  return wasserstein_1d([a](int64_t i) { return a[i]; }, n, [b](int64_t i) { return b[i]; }, m);
}

SwdEvaluator::SwdEvaluator(const torch::Tensor& real_uint8_nchw, uint64_t seed, SwdConfig config)
    : config_(config), seed_(seed) {
  config_.validate();
  check_images(real_uint8_nchw, "real");
  side_ = static_cast<int>(real_uint8_nchw.size(2));
  real_count_ = real_uint8_nchw.size(0);
  resolutions_ = swd_resolutions(side_, config_.min_resolution);
  set_descriptors(real_uint8_nchw.contiguous(), resolutions_, all_levels(resolutions_), seed_,
                  SwdStream::kRealPatches, config_, real_descriptors_);
}

SwdResult SwdEvaluator::evaluate(const torch::Tensor& fake_uint8_nchw) const {
  return evaluate(std::vector<torch::Tensor>{fake_uint8_nchw}).front();
}

std::vector<SwdResult> SwdEvaluator::evaluate(const std::vector<torch::Tensor>& sets) const {
  for (const auto& images : sets) {
    check_images(images, "compared");
    if (images.size(2) != side_) {
      throw DataError("SWD: compared images are " + std::to_string(images.size(2)) +
                      " px but the real ones " + std::to_string(side_) + " px");
    }
  }
  // One level at a time, each set's descriptor buffer reused from level to level: the
  // pyramid is recomputed per level (cheap) instead of keeping every level in memory.
  std::vector<std::vector<torch::Tensor>> buffers(sets.size());
  std::vector<SwdResult> results(sets.size());
  for (size_t l = 0; l < resolutions_.size(); ++l) {
    std::vector<torch::Tensor> level;
    for (size_t k = 0; k < sets.size(); ++k) {
      set_descriptors(sets[k].contiguous(), resolutions_, {static_cast<int>(l)}, seed_,
                      SwdStream::kComparedPatches, config_, buffers[k]);
      level.push_back(buffers[k][0]);
    }
    std::vector<double> distances =
        sliced_distances(real_descriptors_[l], level, seed_, static_cast<int>(l), config_);
    for (size_t k = 0; k < sets.size(); ++k) results[k].swd_x1e3.push_back(1e3 * distances[k]);
  }
  for (SwdResult& result : results) {
    result.resolutions = resolutions_;
    double sum = 0;
    for (double v : result.swd_x1e3) sum += v;
    result.average = sum / static_cast<double>(result.swd_x1e3.size());
  }
  return results;
}

SwdResult sliced_wasserstein(const torch::Tensor& a_uint8_nchw, const torch::Tensor& b_uint8_nchw,
                             uint64_t seed, const SwdConfig& config) {
  return SwdEvaluator(a_uint8_nchw, seed, config).evaluate(b_uint8_nchw);
}

}  // namespace dcgan::metrics
