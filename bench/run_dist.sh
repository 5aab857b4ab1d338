#!/usr/bin/env bash
# Data-parallel training on this machine: `dcgan train --nproc 2` (2 ranks x 1 thread, Gloo over
# loopback) against one process with 2 threads, at 48 px, batch 64 per process, on the real
# faces; also one process at batch 128, the 2-rank job's global batch. Prints training images
# per second (the median of the steps after the first 5, rank 0's clock) and, for the 2-rank
# job, the gradient all-reduce per iteration: bytes (D once, G twice) and milliseconds on rank 0,
# which include waiting for the other rank to finish its backward pass. These are the inputs of
# the scaling estimate in docs/architecture.md ("dist"). Then the two ways of averaging the
# gradients side by side, alternating (--dist-reduce buckets: all-reduces after each backward
# pass; overlap: started during it as gradients arrive, as PyTorch's DDP), best of
# BENCH_ROUNDS each.
# Env: BENCH_STEPS (30 iterations per run), BENCH_LIMIT (2048 faces), BENCH_ROUNDS (2).
set -euo pipefail
dcgan="${DCGAN_BUILD:?set DCGAN_BUILD to the build dir}/dcgan"
shared="${DCGAN_SHARED:?set DCGAN_SHARED to the shared data dir}"
steps=${BENCH_STEPS:-30}
limit=${BENCH_LIMIT:-2048}
rounds=${BENCH_ROUNDS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data="$shared/data/anime-faces"
if [ ! -d "$data" ]; then
  echo "note: $data missing; training on $limit synthetic faces"
  "$dcgan" -q synth --out "$work/faces" --n "$limit" --size 64
  data="$work/faces"
fi

train() {  # train NAME ITERATIONS FLAGS...: a run into $work/NAME (the data cache and the
  # machine's kernel choices are shared in $work/.dcgan-cache)
  local name=$1 iterations=$2
  shift 2
  rm -rf "${work:?}/$name"
  "$dcgan" -q train --data "$data" --limit "$limit" --output-size 48 --eval-every 0 \
    --ckpt-every 100000 --epochs 1000 --max-steps "$iterations" --out "$work/$name" "$@"
}
median_img_per_s() {  # median_img_per_s RUN: the median img/s of the steps after the first 5
  python3 - "$1/metrics.jsonl" << 'EOF'
import json, statistics, sys
rates = [r["img_per_s"] for r in map(json.loads, open(sys.argv[1])) if r.get("kind") == "step"]
print(f"{statistics.median(rates[5:] or rates):.1f}")
EOF
}
summary_field() {  # summary_field RUN KEY: summary.json's dist.KEY
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["dist"][sys.argv[2]])' \
    "$1/summary.json" "$2"
}

echo "--- warm-up (data cache, kernel choices of each configuration)"
train warm1 3 --batch-size 64 --threads 2
train warm2 3 --batch-size 64 --threads 1 --nproc 2
train warm3 3 --batch-size 128 --threads 2

echo "--- $steps iterations each, 48 px"
train one64 "$steps" --batch-size 64 --threads 2
train one128 "$steps" --batch-size 128 --threads 2
train two64 "$steps" --batch-size 64 --threads 1 --nproc 2
one64=$(median_img_per_s "$work/one64")
one128=$(median_img_per_s "$work/one128")
two64=$(median_img_per_s "$work/two64")
bytes=$(summary_field "$work/two64" allreduce_bytes_per_step)
ms=$(summary_field "$work/two64" allreduce_ms_per_step)
awk -v a="$one64" -v b="$one128" -v c="$two64" -v bytes="$bytes" -v ms="$ms" 'BEGIN {
  printf "1 process  x 2 threads, batch 64:             %8.1f img/s\n", a
  printf "1 process  x 2 threads, batch 128:            %8.1f img/s\n", b
  printf "2 ranks    x 1 thread,  batch 64 (global 128): %7.1f img/s  (%.2fx the first, %.2fx the second)\n", c, c / a, c / b
  step_ms = 128 / c * 1000
  printf "all-reduce per iteration: %.2f MB in %.1f ms on rank 0 (%.0f%% of its %.0f ms iteration; %.0f MB/s)\n",
         bytes / 1e6, ms, 100 * ms / step_ms, step_ms, bytes / 1e6 / (ms / 1000)
}'

echo "--- --dist-reduce buckets vs overlap (2 ranks x 1 thread, batch 64), alternating"
best_buckets=0
best_overlap=0
for ((round = 1; round <= rounds; round++)); do
  train buckets "$steps" --batch-size 64 --threads 1 --nproc 2 --dist-reduce buckets
  train overlap "$steps" --batch-size 64 --threads 1 --nproc 2 --dist-reduce overlap
  b=$(median_img_per_s "$work/buckets")
  o=$(median_img_per_s "$work/overlap")
  printf "round %d: buckets %s img/s (all-reduce wait %.1f ms an iteration), overlap %s img/s (%.1f ms)\n" \
    "$round" "$b" "$(summary_field "$work/buckets" allreduce_ms_per_step)" \
    "$o" "$(summary_field "$work/overlap" allreduce_ms_per_step)"
  best_buckets=$(awk -v a="$best_buckets" -v b="$b" 'BEGIN { print (b > a ? b : a) }')
  best_overlap=$(awk -v a="$best_overlap" -v b="$o" 'BEGIN { print (b > a ? b : a) }')
done
awk -v b="$best_buckets" -v o="$best_overlap" 'BEGIN {
  printf "best: buckets %.1f img/s, overlap %.1f img/s: overlap is %.3fx buckets\n", b, o, o / b
}'
