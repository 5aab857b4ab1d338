#!/usr/bin/env bash
# `make bench`: runs every bench/run_*.sh in name order, each printing its own side-by-side
# figures (ours vs the peer, as ratios). Usage: scripts/bench.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
export DCGAN_BUILD="$(cd "$build" && pwd)"
export DCGAN_SHARED="${DCGAN_SHARED:-$(cd .. && pwd)/shared}"
status=0
for script in bench/run_*.sh; do
  [ -e "$script" ] || continue
  echo "=== $script"
  bash "$script" || status=1
done
exit $status
