#!/usr/bin/env bash
# The main job on the embedded data: draw the synthetic face set (once), then print where
# everything is. Usage: scripts/demo.sh BUILD/dcgan DEMO_DIR
set -euo pipefail
dcgan=${1:-build/dcgan}
dir=${2:-demo}
mkdir -p "$dir"

echo "== 1/1 synthetic faces -> $dir/faces"
"$dcgan" synth --out "$dir/faces" --n 4000 --size 32 --seed 1

echo
echo "demo done:"
echo "  data set:  $dir/faces ($(ls "$dir/faces" | grep -c '\.png$') images)"
