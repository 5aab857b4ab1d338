#!/usr/bin/python3
"""SWD peer in NumPy + OpenCV, written from the published definition (Karras et al. 2018, §5;
docs/research/dcgan-anchors.md §7): cv2 Laplacian pyramid, 128 random 7x7x3 patches per image
and level, per-set per-channel normalisation, 4 x 128 random unit directions, mean sorted
|a - b| x 1e3. Prints one line: n=... seconds=... swd_<res>=... swd_avg=...
Usage: peer_swd.py --real DIR --first-a 0 --first-b N --n N [--size 48] [--seed 1]"""
import argparse
import os
import time

import cv2
import numpy as np


def load(files, size):
    out = np.empty((len(files), 3, size, size), np.uint8)
    for i, path in enumerate(files):
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img.shape[0] != size or img.shape[1] != size:
            shrink = img.shape[0] > size and img.shape[1] > size
            img = cv2.resize(img, (size, size),
                             interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        out[i] = img[:, :, ::-1].transpose(2, 0, 1)
    return out


def pyramid(images, levels):
    """Per image and channel with cv2: level i = G_i - pyrUp(G_{i+1}); the last is G_{L-1}."""
    n = images.shape[0]
    result = [[] for _ in range(levels)]
    for i in range(n):
        chans = [[] for _ in range(levels)]
        for c in range(3):
            g = images[i, c].astype(np.float32)
            for lvl in range(levels - 1):
                down = cv2.pyrDown(g)
                chans[lvl].append(g - cv2.pyrUp(down))
                g = down
            chans[levels - 1].append(g)
        for lvl in range(levels):
            result[lvl].append(np.stack(chans[lvl]))
    return [np.stack(r) for r in result]


def descriptors(level, rng, per_image=128, patch=7):
    n, c, h, w = level.shape
    r = patch // 2
    ys = rng.integers(r, h - r, size=(n, per_image))
    xs = rng.integers(r, w - r, size=(n, per_image))
    offs = np.arange(-r, r + 1)
    img = np.repeat(np.arange(n), per_image)[:, None, None, None]
    yy = ys.reshape(-1)[:, None, None, None] + offs[None, None, :, None]
    xx = xs.reshape(-1)[:, None, None, None] + offs[None, None, None, :]
    ch = np.arange(c)[None, :, None, None]
    desc = level[img, ch, yy, xx]  # (n * per_image, c, patch, patch)
    desc -= desc.mean(axis=(0, 2, 3), keepdims=True)
    desc /= desc.std(axis=(0, 2, 3), keepdims=True)
    return desc.reshape(desc.shape[0], -1)


def sliced(a, b, rng, repeats=4, dirs=128):
    total = []
    for _ in range(repeats):
        d = rng.standard_normal((a.shape[1], dirs)).astype(np.float32)
        d /= np.sqrt((d * d).sum(axis=0, keepdims=True))
        pa = np.sort(a @ d, axis=0)
        pb = np.sort(b @ d, axis=0)
        total.append(np.abs(pa - pb).mean())
    return float(np.mean(total))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", required=True)
    ap.add_argument("--first-a", type=int, default=0)
    ap.add_argument("--first-b", type=int, required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--size", type=int, default=48)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    files = sorted(os.path.join(args.real, f) for f in os.listdir(args.real)
                   if f.lower().endswith((".jpg", ".jpeg", ".png", ".webp", ".bmp")))
    a = load(files[args.first_a:args.first_a + args.n], args.size)
    b = load(files[args.first_b:args.first_b + args.n], args.size)
    resolutions = []
    res = args.size
    while res >= 16:
        resolutions.append(res)
        res //= 2
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    pa, pb = pyramid(a, len(resolutions)), pyramid(b, len(resolutions))
    swd = [1e3 * sliced(descriptors(la, rng), descriptors(lb, rng), rng)
           for la, lb in zip(pa, pb)]
    seconds = time.perf_counter() - start
    levels = " ".join(f"swd_{r}={v:.4f}" for r, v in zip(resolutions, swd))
    print(f"n={args.n} seconds={seconds:.2f} {levels} swd_avg={np.mean(swd):.4f}")


if __name__ == "__main__":
    main()
