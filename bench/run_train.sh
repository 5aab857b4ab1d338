#!/usr/bin/env bash
# Training-iteration speed, side by side in one run: `dcgan bench train` against the PyTorch
# peer ($DCGAN_SHARED/bench/peer_dcgan.py: same layout, same iteration) at 48 px, batch 64, on
# the real faces. The peer gets its best configuration (OPENBLAS_CORETYPE as installed and
# SKYLAKEX, 1 and 2 threads; the best counts); so do we (1 and 2 threads). Also prints the
# measured sgemm peak and our fraction of it. Env: BENCH_ITERS (10), BENCH_SIZE, BENCH_BATCH.
set -euo pipefail
dcgan="${DCGAN_BUILD:?set DCGAN_BUILD to the build dir}/dcgan"
shared="${DCGAN_SHARED:?set DCGAN_SHARED to the shared data dir}"
size=${BENCH_SIZE:-48}
batch=${BENCH_BATCH:-64}
iters=${BENCH_ITERS:-10}
data="$shared/data/anime-faces"
data_flag=()
peer_data=()
if [ -d "$data" ]; then
  data_flag=(--data "$data")
  peer_data=(--data "$data")
else
  echo "note: $data missing; both sides train on noise images"
fi

field() {  # field NAME: the value of NAME=... in stdin's last matching line
  grep -o "$1=[0-9.]*" | tail -1 | cut -d= -f2
}
best() { printf '%s\n' "$@" | sort -g | tail -1; }

echo "--- sgemm peak (n=2048; loaded BLAS and oneDNN, best counts)"
sgemm=$("$dcgan" bench sgemm --threads 1 2)
echo "$sgemm"
peak1=$(echo "$sgemm" | grep "threads=1 " | field peak_gflop_per_s)
peak2=$(echo "$sgemm" | grep "threads=2 " | field peak_gflop_per_s)

echo "--- peer: peer_dcgan.py --size $size --batch $batch --iters $iters"
peer_figures=()
for coretype in "${OPENBLAS_CORETYPE:-}" SKYLAKEX; do
  for threads in 1 2; do
    line=$(OPENBLAS_CORETYPE=$coretype /usr/bin/python3 "$shared/bench/peer_dcgan.py" \
      --size "$size" --batch "$batch" --iters "$iters" --threads "$threads" "${peer_data[@]}")
    echo "OPENBLAS_CORETYPE=${coretype:-<unset>} threads=$threads: $line"
    peer_figures+=("$(echo "$line" | field img_per_s)")
  done
done
peer=$(best "${peer_figures[@]}")

echo "--- ours: dcgan bench train --kernels fast --size $size --batch $batch --iters $iters"
ours_figures=()
ours_gflops=()
for threads in 1 2; do
  out=$("$dcgan" bench train --kernels fast --size "$size" --batch "$batch" --iters "$iters" \
    --threads "$threads" "${data_flag[@]}")
  echo "$out"
  ours_figures+=("$(echo "$out" | field img_per_s)")
  ours_gflops+=("$(echo "$out" | field gflop_per_s)")
done
ours=$(best "${ours_figures[@]}")
gflops=$(best "${ours_gflops[@]}")

echo "--- summary (${size} px, batch $batch)"
awk -v ours="$ours" -v peer="$peer" -v gf="$gflops" -v p1="$peak1" -v p2="$peak2" 'BEGIN {
  printf "peer best   %8.2f img/s\n", peer
  printf "ours best   %8.2f img/s\n", ours
  printf "ratio       %8.2fx  (target >= 2.5x)\n", ours / peer
  peak = p1 > p2 ? p1 : p2  # on a busy machine two threads can measure below one
  printf "ours        %8.1f GFLOP/s = %.0f%% of the measured sgemm peak %.1f (1 thread %.1f, 2 threads %.1f; target >= 50%%)\n",
         gf, 100 * gf / peak, peak, p1, p2
}'
