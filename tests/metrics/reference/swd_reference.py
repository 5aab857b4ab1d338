#!/usr/bin/python3
"""Reference SWD in NumPy (+ OpenCV to read folders), written from ProGAN's definition
(metrics/sliced_wasserstein.py of progressive_growing_of_gans; docs/architecture.md "SWD"),
independently of src/dcgan/metrics/swd.cpp, to check it (tests/metrics/test_swd.cpp).

Per level of a Laplacian pyramid of float32 images (no rounding; 5x5 binomial, mirror border =
BORDER_REFLECT_101; level i = G_i - up(G_{i+1}), the last level G_{L-1}; sides halved while
>= 16): 128 random 7x7x3 neighbourhoods per image, centres uniform in [3, side - 3); each SET
normalised by its own per-channel mean and population std; 4 x 128 random unit directions;
the mean over directions of mean |sorted(a . dir) - sorted(b . dir)|, x 1e3; then the average
over levels.

Draws (--draws):
  numpy  NumPy's generator, as ProGAN draws them: a random estimator independent of ours.
  dcgan  the draws of dcgan's SwdEvaluator, rebuilt from its documented recipe (metrics/swd.h:
         splitmix64 streams, Box-Muller directions). Every other step is still this file's own,
         so the two implementations then agree to float rounding, not to estimator noise.

Usage:
  swd_reference.py --real A [--compare B ...] [--n N] [--size S] [--seed 1] [--draws numpy]
A and B are .npy files of uint8 (N, 3, S, S) RGB images, or image folders (the first --n files
by name, resized to --size with INTER_AREA when shrinking). With one --compare, prints
"swd_<res>=... swd_avg=..."; with --json, one JSON object {"resolutions": [...], "swd_x1e3":
[[per level] per compared set]}.
"""
import argparse
import json
import os
import sys

import cv2
import numpy as np

BINOMIAL = np.float32([1, 4, 6, 4, 1]) / 16  # the 5x5 kernel is its outer product (/256)


def filter_mirror(planes, taps):
    """Separable 5-tap filter of (..., H, W) with the mirror border (d c b | a b c d)."""
    h, w = planes.shape[-2:]
    pad = np.pad(planes, [(0, 0)] * (planes.ndim - 2) + [(2, 2), (2, 2)], mode="reflect")
    rows = sum(taps[t] * pad[..., :, t:t + w] for t in range(5))
    return sum(taps[t] * rows[..., t:t + h, :] for t in range(5))


def pyr_down(images):
    return filter_mirror(images, BINOMIAL)[..., ::2, ::2]


def pyr_up(images):
    """Zero insertion x2, then the same kernel x4 (the mirror border on the 2x signal)."""
    n, c, h, w = images.shape
    up = np.zeros((n, c, 2 * h, 2 * w), np.float32)
    up[..., ::2, ::2] = images
    return filter_mirror(up, 2 * BINOMIAL)


def laplacian_pyramid(images, levels):
    pyramid = [images.astype(np.float32)]
    for _ in range(1, levels):
        pyramid.append(pyr_down(pyramid[-1]))
        pyramid[-2] = pyramid[-2] - pyr_up(pyramid[-1])
    return pyramid


def resolutions(side, min_resolution=16):
    res = []
    while side >= min_resolution:
        res.append(side)
        side //= 2
    return res


def neighbourhoods(level, ys, xs, patch):
    """(N * P, C * patch * patch) float64: patch centred at (ys, xs) of image row // P."""
    n, c = level.shape[:2]
    per_image = ys.size // n
    r = patch // 2
    offs = np.arange(-r, r + 1)
    img = np.repeat(np.arange(n), per_image)[:, None, None, None]
    chan = np.arange(c)[None, :, None, None]
    yy = ys.reshape(-1)[:, None, None, None] + offs[None, None, :, None]
    xx = xs.reshape(-1)[:, None, None, None] + offs[None, None, None, :]
    return level[img, chan, yy, xx].astype(np.float64)  # (N * P, C, patch, patch)


def normalise_set(desc):
    """Each set by its own per-channel mean and population std; flattened (c, y, x)."""
    desc = desc - desc.mean(axis=(0, 2, 3), keepdims=True)
    std = desc.std(axis=(0, 2, 3), keepdims=True)
    desc = desc / np.where(std > 1e-6, std, 1.0)  # a constant channel is only centred
    return desc.reshape(desc.shape[0], -1).astype(np.float32)


def sorted_projections(desc, dirs):
    """(D, N) ascending projections of the descriptors on the unit directions (dims, D)."""
    proj = np.ascontiguousarray((desc @ dirs).T)
    proj.sort(axis=1)
    return proj


class NumpyDraws:
    """ProGAN's draws: one NumPy generator, each set's centres and each repeat's directions."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def centres(self, role, level, n, side, per_image, patch):
        r = patch // 2
        ys = self.rng.integers(r, side - r, size=(n, per_image))
        xs = self.rng.integers(r, side - r, size=(n, per_image))
        return ys, xs

    def directions(self, level, repeat, count, dims):
        d = self.rng.standard_normal((dims, count))
        return (d / np.sqrt((d * d).sum(axis=0, keepdims=True))).astype(np.float32)


M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix(x):
    """splitmix64's output function on uint64 arrays (wrapping arithmetic)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class DcganDraws:
    """dcgan's draws (metrics/swd.h): stream (kind, level, index) reads splitmix(base + k),
    base = mix(mix(mix(mix(seed ^ 0x5377643A2A1B) ^ kind) ^ level) ^ index); kinds 1 = the
    real set's centres, 3 = a compared set's, 2 = directions. Centre k of image i: top-left
    row = draw 2k mod (side - patch + 1), column = draw 2k + 1 mod the same. Direction j of
    repeat t is stream index t * count + j; component d = Box-Muller of the uniforms
    ((draw >> 11) + 0.5) / 2^53 of draws 2d and 2d + 1, normalised in double."""

    KINDS = {"real": 1, "directions": 2, "compared": 3}

    def __init__(self, seed):
        self.seed = np.uint64(seed)

    def base(self, kind, level, index):
        with np.errstate(over="ignore"):
            b = splitmix(np.array([self.seed ^ np.uint64(0x5377643A2A1B)], np.uint64))
            b = splitmix(b ^ np.uint64(self.KINDS[kind]))
            b = splitmix(b ^ np.uint64(level))
            return splitmix(b ^ np.asarray(index, np.uint64))

    def draws(self, kind, level, indices, count):
        """(len(indices), count) uint64: the first `count` draws of each stream."""
        with np.errstate(over="ignore"):
            base = self.base(kind, level, indices)
            return splitmix(base[:, None] + np.arange(count, dtype=np.uint64)[None, :])

    def centres(self, role, level, n, side, per_image, patch):
        r = patch // 2
        bits = self.draws(role, level, np.arange(n, dtype=np.uint64), 2 * per_image)
        span = np.uint64(side - 2 * r)
        ys = (bits[:, 0::2] % span).astype(np.int64) + r
        xs = (bits[:, 1::2] % span).astype(np.int64) + r
        return ys, xs

    def directions(self, level, repeat, count, dims):
        index = np.arange(repeat * count, (repeat + 1) * count, dtype=np.uint64)
        bits = self.draws("directions", level, index, 2 * dims)
        u = ((bits >> np.uint64(11)).astype(np.float64) + 0.5) / 9007199254740992.0
        v = np.sqrt(-2.0 * np.log(u[:, 0::2])) * np.cos(2.0 * np.pi * u[:, 1::2])
        v /= np.sqrt((v * v).sum(axis=1, keepdims=True))
        return v.T.astype(np.float32)  # (dims, count)


def swd(real, compared, draws, patches_per_image=128, patch=7, dir_repeats=4,
        dirs_per_repeat=128, min_resolution=16):
    """SWD x1e3 per level of each compared set against `real` (uint8 (N, 3, S, S) each)."""
    res = resolutions(real.shape[2], min_resolution)
    pyramids = [laplacian_pyramid(s, len(res)) for s in [real] + list(compared)]
    result = [[] for _ in compared]
    for lvl, side in enumerate(res):
        desc = []
        for k, pyramid in enumerate(pyramids):
            level = pyramid[lvl]
            ys, xs = draws.centres("real" if k == 0 else "compared", lvl, level.shape[0], side,
                                   patches_per_image, patch)
            desc.append(normalise_set(neighbourhoods(level, ys, xs, patch)))
        totals = np.zeros(len(compared))
        for repeat in range(dir_repeats):
            dirs = draws.directions(lvl, repeat, dirs_per_repeat, desc[0].shape[1])
            a = sorted_projections(desc[0], dirs).astype(np.float64)
            for k, b in enumerate(desc[1:]):
                totals[k] += np.abs(a - sorted_projections(b, dirs)).mean()
        for k in range(len(compared)):
            result[k].append(1e3 * totals[k] / dir_repeats)
    return res, result


def load(path, n, size):
    if path.endswith(".npy"):
        images = np.load(path)
        return images[:n] if n else images
    files = sorted(f for f in os.listdir(path)
                   if f.lower().endswith((".jpg", ".jpeg", ".png", ".webp", ".bmp")))
    files = files[:n] if n else files
    out = []
    for f in files:
        img = cv2.imread(os.path.join(path, f), cv2.IMREAD_COLOR)
        if size and img.shape[:2] != (size, size):
            shrink = img.shape[0] > size and img.shape[1] > size
            img = cv2.resize(img, (size, size),
                             interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        out.append(img[:, :, ::-1].transpose(2, 0, 1))
    return np.stack(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--real", required=True, help=".npy (N, 3, S, S) uint8 or image folder")
    ap.add_argument("--compare", nargs="+", required=True, help="sets compared with --real")
    ap.add_argument("--n", type=int, default=0, help="first n images of each (0 = all)")
    ap.add_argument("--size", type=int, default=0, help="folders: resize to this side")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--draws", choices=["numpy", "dcgan"], default="numpy")
    ap.add_argument("--patches-per-image", type=int, default=128)
    ap.add_argument("--dir-repeats", type=int, default=4)
    ap.add_argument("--dirs-per-repeat", type=int, default=128)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    real = load(args.real, args.n, args.size)
    compared = [load(p, args.n, args.size or real.shape[2]) for p in args.compare]
    draws = NumpyDraws(args.seed) if args.draws == "numpy" else DcganDraws(args.seed)
    res, values = swd(real, compared, draws, args.patches_per_image, 7, args.dir_repeats,
                      args.dirs_per_repeat)
    if args.json:
        json.dump({"resolutions": res, "swd_x1e3": values}, sys.stdout)
        print()
        return
    for path, v in zip(args.compare, values):
        levels = " ".join(f"swd_{r}={x:.4f}" for r, x in zip(res, v))
        print(f"{path}: {levels} swd_avg={np.mean(v):.4f}")


if __name__ == "__main__":
    main()
