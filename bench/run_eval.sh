#!/usr/bin/env bash
# SWD speed, side by side in one run, on the real faces at 48 px: ours (bench_swd: LibTorch
# sgemm projections + radix sorts) against a NumPy/OpenCV peer written from the same definition
# (bench/eval/peer_swd.py), both on the same two slices (first n vs the n after them), then
# ours alone on the first 10,000 vs the last 10,000 (the 30 s target).
# Env: BENCH_PEER_N (1000: the peer takes minutes beyond that), BENCH_FULL_N (10000).
set -euo pipefail
build="${DCGAN_BUILD:?set DCGAN_BUILD to the build dir}"
shared="${DCGAN_SHARED:?set DCGAN_SHARED to the shared data dir}"
here="$(cd "$(dirname "$0")" && pwd)"
data="$shared/data/anime-faces"
peer_n=${BENCH_PEER_N:-1000}
full_n=${BENCH_FULL_N:-10000}
[ -d "$data" ] || { echo "skip: $data missing"; exit 0; }

field() {  # field NAME: the value of NAME=... in stdin
  grep -o "$1=[0-9.]*" | tail -1 | cut -d= -f2
}

echo "--- same data, $peer_n vs $peer_n faces at 48 px"
peer=$(/usr/bin/python3 "$here/eval/peer_swd.py" --real "$data" --first-b "$peer_n" --n "$peer_n")
echo "peer (numpy + cv2):   $peer"
ours=$("$build/bench_swd" --real "$data" --first-b "$peer_n" --n "$peer_n")
echo "ours (bench_swd):     $ours"
awk -v p="$(echo "$peer" | field seconds)" -v o="$(echo "$ours" | field seconds)" \
  -v ps="$(echo "$peer" | field swd_avg)" -v os="$(echo "$ours" | field swd_avg)" 'BEGIN {
  printf "speed-up: %.1fx   SWD avg: ours %.3f vs peer %.3f (other random patches and directions)\n",
         p / o, os, ps }'

echo "--- ours: first $full_n vs last $full_n faces at 48 px, 2 threads (target: under 30 s)"
total=$(ls "$data" | grep -ciE '\.(jpg|jpeg|png|webp|bmp)$')
first_b=$(( total - full_n ))
if [ "$first_b" -lt "$full_n" ]; then first_b=$full_n; fi
# LibTorch defaults to one thread per physical core (1 on these VMs): ask for both cores.
full=$("$build/bench_swd" --real "$data" --first-b "$first_b" --n "$full_n" --threads 2)
echo "$full"
echo "$full" | awk -v s="$(echo "$full" | field seconds)" '{ printf "SWD %s vs %s: %.1f s (%s)\n", n, n, s, (s < 30 ? "within 30 s" : "OVER 30 s") }' n="$full_n"
