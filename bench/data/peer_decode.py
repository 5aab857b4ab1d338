#!/usr/bin/env python3
"""Times the peer's own data loading: peer_dcgan.py's load_folder (a cv2.imread + cv2.resize
loop, stacked into a float tensor), imported from $DCGAN_SHARED/bench, on one folder.
Usage: peer_decode.py --data DIR [--size 48] [--limit N]
Prints: peer_decode images=<n> seconds=<s> img_per_s=<r>"""
import argparse, os, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--data", required=True)
ap.add_argument("--size", type=int, default=48)
ap.add_argument("--limit", type=int, default=10**9)
a = ap.parse_args()
sys.path.insert(0, os.path.join(os.environ["DCGAN_SHARED"], "bench"))
import peer_dcgan  # noqa: E402

start = time.perf_counter()
x = peer_dcgan.load_folder(a.data, a.size, a.limit)
seconds = time.perf_counter() - start
print(f"peer_decode images={x.shape[0]} seconds={seconds:.3f} img_per_s={x.shape[0] / seconds:.1f}")
