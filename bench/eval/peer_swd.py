#!/usr/bin/python3
"""SWD peer for bench/run_eval.sh: the NumPy reference (tests/metrics/reference/swd_reference.py,
written from ProGAN's definition, NumPy's own random draws) on two slices of one image folder.
Prints one line: n=... seconds=... swd_<res>=... swd_avg=... (seconds: pyramid to distances,
not decoding).
Usage: peer_swd.py --real DIR --first-a 0 --first-b N --n N [--size 48] [--seed 1]"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "metrics", "reference"))
import swd_reference  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", required=True)
    ap.add_argument("--first-a", type=int, default=0)
    ap.add_argument("--first-b", type=int, required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--size", type=int, default=48)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    images = swd_reference.load(args.real, max(args.first_a, args.first_b) + args.n, args.size)
    a = images[args.first_a:args.first_a + args.n]
    b = images[args.first_b:args.first_b + args.n]
    start = time.perf_counter()
    res, (swd,) = swd_reference.swd(a, [b], swd_reference.NumpyDraws(args.seed))
    seconds = time.perf_counter() - start
    levels = " ".join(f"swd_{r}={v:.4f}" for r, v in zip(res, swd))
    print(f"n={args.n} seconds={seconds:.2f} {levels} swd_avg={np.mean(swd):.4f}")


if __name__ == "__main__":
    main()
