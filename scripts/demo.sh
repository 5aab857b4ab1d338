#!/usr/bin/env bash
# The main job on the embedded data, in about four minutes on 2 CPU cores:
# synthetic faces -> a small DCGAN trained on them -> sample grid, latent-walk animation and
# the HTML report. Usage: scripts/demo.sh BUILD/dcgan DEMO_DIR
# Training uses what measured best at this size (README "Quality options"): batches of 32
# (twice the updates of 64 for the same images, about 1.2x the time), G's weight average
# (--ema auto) and minibatch standard deviation in D (--mbstd 4). SWD x1e3 against the
# synthetic set (dcgan eval --n 2000; real-vs-real floor 6.5): 56.7 (74.7 in an earlier run
# whose kernel choices differed), was 120.0 with batches of 64 and neither option.
set -euo pipefail
dcgan=${1:-build/dcgan}
dir=${2:-demo}
mkdir -p "$dir"
run="$dir/run"

echo "== 1/4 synthetic faces -> $dir/faces"
"$dcgan" synth --out "$dir/faces" --n 4000 --size 32 --seed 1

echo "== 2/4 training a DCGAN (32 px, half width) -> $run"
# A finished demo run is kept; an interrupted one is resumed.
if [ -f "$run/summary.json" ] && grep -q '"finished": true' "$run/summary.json"; then
  echo "   $run is already trained"
else
  "$dcgan" train --data "$dir/faces" --output-size 32 --gf-dim 32 --df-dim 32 --epochs 6 \
    --batch-size 32 --ema auto --mbstd 4 --seed 1 --flip --out "$run" --resume
fi

echo "== 3/4 sampling"
"$dcgan" sample --run "$run" --seed 7 --n 64 --grid "$dir/samples.png"
"$dcgan" sample --run "$run" --seed 7 --gif "$dir/latent-walk.gif" --steps 12

echo "== 4/4 report"
if "$dcgan" --help | grep -q '^  report'; then
  "$dcgan" report "$run"
fi

echo
echo "demo done:"
echo "  data set:     $dir/faces ($(ls "$dir/faces" | grep -c '\.png$') images)"
echo "  run:          $run (config.json, metrics.jsonl, samples/, checkpoints/)"
echo "  sample grid:  $dir/samples.png"
echo "  latent walk:  $dir/latent-walk.gif"
[ -f "$run/report.html" ] && echo "  report:       $run/report.html"
exit 0
