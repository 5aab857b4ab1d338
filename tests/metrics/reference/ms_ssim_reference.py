#!/usr/bin/python3
"""Reference MS-SSIM in NumPy, written from the TensorFlow msssim that ProGAN's
metrics/ms_ssim.py uses, independently of src/dcgan/metrics/ms_ssim.cpp. It printed the
expected values in tests/metrics/test_ms_ssim.cpp (run it to regenerate them).

Per scale, images as float64 (N, C, H, W) in [0, 255]: the 2-D Gaussian window of MATLAB's
fspecial (size = min(11, H, W), sigma = 1.5 * size / 11; an even size is centred between
pixels), applied as a 'valid' weighted sum (the full 2-D window, not separated); mu, sigma^2
and sigma_xy from it; C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2; ssim = mean of
(2 mu1 mu2 + C1)(2 s12 + C2) / ((mu1^2 + mu2^2 + C1)(s11 + s22 + C2)) and cs = mean of
(2 s12 + C2) / (s11 + s22 + C2) over positions and channels, per pair; then the 2x2 box mean
(an odd side first loses its last row/column: TensorFlow's fails there). Five scales;
MS-SSIM = prod_{i<4} max(cs_i, 0)^w_i * max(ssim_4, 0)^w_4, w = 0.0448, 0.2856, 0.3001,
0.2363, 0.1333.

The test images come from synthetic_image(), which the test rebuilds in C++: pixel (c, y, x)
is the sum over scales s = 0..4 of mix(mix(mix(seed_s) ^ (8c + s)) ^ ((y >> s) << 16 |
(x >> s))) mod 52, mix being splitmix64's output function: independent random blocks of side
2^s, so that two images can share some scales and differ at others.
"""
import numpy as np

WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2


def gaussian_window(size, sigma):
    radius = size // 2
    offset = 0.5 if size % 2 == 0 else 0.0
    coords = np.arange(size) - radius + offset
    y, x = np.meshgrid(coords, coords, indexing="ij")
    g = np.exp(-(x * x + y * y) / (2.0 * sigma * sigma))
    return g / g.sum()


def filter_valid(planes, window):
    """(N, C, H, W) -> (N, C, H - s + 1, W - s + 1): sum of window * each s x s neighbourhood."""
    views = np.lib.stride_tricks.sliding_window_view(planes, window.shape, axis=(2, 3))
    return np.einsum("ncijkl,kl->ncij", views, window)


def ssim_and_cs(x, y):
    size = min(11, x.shape[2], x.shape[3])
    window = gaussian_window(size, 1.5 * size / 11)
    mu1, mu2 = filter_valid(x, window), filter_valid(y, window)
    s11 = filter_valid(x * x, window) - mu1 * mu1
    s22 = filter_valid(y * y, window) - mu2 * mu2
    s12 = filter_valid(x * y, window) - mu1 * mu2
    v1, v2 = 2 * s12 + C2, s11 + s22 + C2
    ssim = ((2 * mu1 * mu2 + C1) * v1) / ((mu1 * mu1 + mu2 * mu2 + C1) * v2)
    return ssim.mean(axis=(1, 2, 3)), (v1 / v2).mean(axis=(1, 2, 3))


def box_half(x):
    h, w = x.shape[2] // 2 * 2, x.shape[3] // 2 * 2
    x = x[:, :, :h, :w]
    return (x[:, :, 0::2, 0::2] + x[:, :, 1::2, 0::2] + x[:, :, 0::2, 1::2] +
            x[:, :, 1::2, 1::2]) / 4


def ms_ssim_pairs(a, b):
    """Per-pair MS-SSIM of uint8 (N, C, H, W) batches a[i], b[i]."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    score = np.ones(a.shape[0])
    for level, weight in enumerate(WEIGHTS):
        ssim, cs = ssim_and_cs(x, y)
        score *= np.maximum(cs if level < 4 else ssim, 0) ** weight
        x, y = box_half(x), box_half(y)
    return score


MASK = (1 << 64) - 1


def mix(v):
    """splitmix64's output function (Python integers, wrapped to 64 bits)."""
    v = (v + 0x9E3779B97F4A7C15) & MASK
    v = ((v ^ (v >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    v = ((v ^ (v >> 27)) * 0x94D049BB133111EB) & MASK
    return v ^ (v >> 31)


def synthetic_image(scale_seeds, channels, height, width):
    """uint8 (C, H, W): sum over s of hash(scale_seeds[s], c, s, y >> s, x >> s) % 52."""
    img = np.zeros((channels, height, width), np.int64)
    for s, seed in enumerate(scale_seeds):
        for c in range(channels):
            for by in range((height >> s) + 1):
                for bx in range((width >> s) + 1):
                    h = mix(mix(mix(seed) ^ (c * 8 + s)) ^ (by << 16 | bx)) % 52
                    img[c, by << s:(by + 1) << s, bx << s:(bx + 1) << s] += h
    return img.astype(np.uint8)


# (name, side, scale seeds of image A, of image B, B's contrast): B shares A's coarsest scales
# (3..4), its coarse ones (2..4), its fine ones (0..1), or only the middle one; the last pair
# is A against B = 3 * B // 4 + 40 (less contrast, brighter), so that ssim and cs differ.
CASES = [
    ("shared_coarsest_48", 48, [1, 2, 3, 4, 5], [6, 7, 8, 4, 5], False),
    ("shared_coarse_48", 48, [1, 2, 3, 4, 5], [11, 12, 3, 4, 5], False),
    ("shared_fine_48", 48, [1, 2, 3, 4, 5], [1, 2, 13, 14, 15], False),
    ("shared_middle_64", 64, [21, 22, 23, 24, 25], [31, 32, 23, 34, 35], False),
    ("shared_coarse_32", 32, [41, 42, 43, 44, 45], [51, 52, 43, 44, 45], False),
    ("contrast_48", 48, [1, 2, 3, 4, 5], [61, 2, 3, 4, 5], True),
]


def main():
    for name, side, seeds_a, seeds_b, contrast in CASES:
        a = synthetic_image(seeds_a, 3, side, side)[None]
        b = synthetic_image(seeds_b, 3, side, side)[None]
        if contrast:
            b = (3 * b.astype(np.int64) // 4 + 40).astype(np.uint8)
        print(f"{name}: {ms_ssim_pairs(a, b)[0]:.10f}")


if __name__ == "__main__":
    main()
