#!/usr/bin/env bash
# `dcgan serve` benchmark: a 48 px run of the recipe's DCGAN (gf = df = 64, z = 100; trained 2
# steps on `dcgan synth` faces: the weights do not change the time), served on loopback with
# the compute threads of the machine (SERVE_THREADS overrides), then bench/serve/bench_serve:
#   1. server time of a 64-face grid at 48 px, one request at a time (target < 100 ms)
#   2. single faces per second with 8 clients at once (keep-alive connections)
# and the server's CPU time per grid (/proc): on a machine other jobs keep busy the wall time
# measures the neighbours as much as the server. SERVE_GRIDS (30) and SERVE_SECONDS (10) set
# the grid requests and the seconds of the single-face run.
# There is no peer: the recipe has no server. Needs $DCGAN_BUILD.
set -euo pipefail
build=${DCGAN_BUILD:?set DCGAN_BUILD to the build folder}
dcgan=$build/dcgan
bench=$build/bench/serve/bench_serve
threads=${SERVE_THREADS:-0}
tmp=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -INT "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$tmp"' EXIT

"$dcgan" -q synth --out "$tmp/faces" --n 256 --size 48 --seed 1
"$dcgan" -q train --data "$tmp/faces" --out "$tmp/run" --output-size 48 --batch-size 64 \
  --max-steps 2 --no-cache --eval-every 0 --seed 1

"$dcgan" serve "$tmp/run" --port 0 --threads "$threads" >"$tmp/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  grep -q 'serving .* at http' "$tmp/serve.log" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -n 's/.*at http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$tmp/serve.log" | head -1)
[ -n "$port" ] || { cat "$tmp/serve.log"; exit 1; }

echo "serve: 48 px DCGAN (gf 64, z 100), $(nproc) cores, --threads $threads," \
     "load average $(cut -d' ' -f1 /proc/loadavg)"
"$bench" --port "$port" --grids "${SERVE_GRIDS:-30}" --clients 8 --seconds "${SERVE_SECONDS:-10}" \
  --server-pid "$server_pid" | tee "$tmp/bench.txt"
cores=$threads
[ "$cores" -gt 0 ] || cores=${OMP_NUM_THREADS:-$(nproc)}
awk -v cores="$cores" '/bench_serve grid/ {
  for (i = 1; i <= NF; i++) {
    split($i, kv, "=")
    if (kv[1] == "server_ms_median") m = kv[2]
    if (kv[1] == "server_cpu_ms_per_grid") c = kv[2]
  }
  printf "64-face grid at 48 px: %.1f ms median server time (target < 100 ms)\n", m
  # On a loaded machine the wall time says more about the neighbours than about the server.
  printf "  server CPU time per grid %.1f ms: %.1f ms on %d free cores at best\n", c, c / cores, cores
}
/bench_serve faces/ {
  for (i = 1; i <= NF; i++) if ($i ~ /^req_per_s=/) { split($i, kv, "="); r = kv[2] }
  printf "single faces, 8 clients at once: %s requests/s\n", r
}' "$tmp/bench.txt"
