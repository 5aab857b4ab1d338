#!/usr/bin/env bash
# Image quality at equal training time: each configuration trains on the real faces
# ($DCGAN_SHARED/data/anime-faces) for the same --max-time budget (iterations only; loading,
# sampling and checkpoints are not counted), then `dcgan eval` scores its final generator (the
# averaged one with --ema): SWD (QUALITY_EVAL_N generated vs as many real faces, beside the
# real-vs-real floor), MS-SSIM diversity and the nearest-image check. The machine's noise is
# shared out fairly: the configurations of one group train at the same time, one thread each,
# so a neighbour slowing the machine slows them alike; and the iterations each reached are
# printed beside its scores. Evaluations run after each group, never beside training.
# Sets (QUALITY_SET): headline (recipe vs --preset quality; the default) or ablation (the
# recipe and each option alone); QUALITY_CONFIGS ("name|flags" lines) gives any other list.
# Env: QUALITY_BUDGET (15m), QUALITY_SIZE (48), QUALITY_SEEDS ("1 2 3"), QUALITY_PARALLEL (2
# runs at a time), QUALITY_EVAL_N (10000), QUALITY_OUT (a folder that keeps the runs; a run or
# evaluation already there is reused, so an interrupted benchmark continues).
set -euo pipefail
build="${DCGAN_BUILD:?set DCGAN_BUILD to the build dir}"
shared="${DCGAN_SHARED:?set DCGAN_SHARED to the shared data dir}"
here="$(cd "$(dirname "$0")" && pwd)"
dcgan="$build/dcgan"
data="$shared/data/anime-faces"
[ -d "$data" ] || { echo "skip: $data missing"; exit 0; }
budget=${QUALITY_BUDGET:-15m}
size=${QUALITY_SIZE:-48}
seeds=${QUALITY_SEEDS:-1 2 3}
set_name=${QUALITY_SET:-headline}
parallel=${QUALITY_PARALLEL:-2}
eval_n=${QUALITY_EVAL_N:-10000}

if [ -n "${QUALITY_CONFIGS:-}" ]; then
  configs=$QUALITY_CONFIGS
  set_name=${QUALITY_SET:-custom}
elif [ "$set_name" = headline ]; then
  configs="recipe|--preset recipe
quality|--preset quality"
elif [ "$set_name" = ablation ]; then
  configs="recipe|
ema|--ema auto
mbstd|--mbstd 4
ls|--loss ls
hinge|--loss hinge
ttur|--lr-d 0.0004
augment|--augment color,translation
sn|--spectral-norm
r1|--r1 0.1"
else
  echo "QUALITY_SET must be headline or ablation (or give QUALITY_CONFIGS)" >&2
  exit 2
fi

out=${QUALITY_OUT:-$build/quality/$set_name-$size-$budget}
runs="$out/runs"
mkdir -p "$runs"
echo "--- $set_name at $size px: $budget of training each, seeds $seeds, $parallel at a time, 1 thread each"
echo "    runs in $out"

# One short run first: it decodes the faces into the shared cache and records the oneDNN
# kernel choices, so no measured run pays for either.
if [ ! -d "$runs/.dcgan-cache" ]; then
  "$dcgan" -q train --data "$data" --output-size "$size" --max-steps 1 --threads 1 \
    --eval-every 0 --out "$runs/.warmup"
  rm -rf "$runs/.warmup"
fi

jobs=()
for seed in $seeds; do
  while IFS= read -r line; do
    [ -n "$line" ] && jobs+=("$seed|$line")
  done <<< "$configs"
done

train_one() {  # train_one SEED NAME FLAGS...
  local seed=$1 name=$2 run="$runs/$2-s$1"
  shift 2
  # Only a run that ended by itself is reused: an interrupted one would have trained for less
  # than the budget (and --max-time counts per command, so it is not resumed either).
  [ -f "$run/.trained" ] && return 0
  rm -rf "$run"
  # shellcheck disable=SC2068
  "$dcgan" -q train --data "$data" --output-size "$size" --epochs 100000 --max-time "$budget" \
    --seed "$seed" --threads 1 --eval-every 0 --ckpt-every 100000 --keep 1 --out "$run" $@ \
    > "$run.log" 2>&1 || { echo "FAILED: $name seed $seed (see $run.log)"; return 1; }
  touch "$run/.trained"
}

eval_one() {  # eval_one SEED NAME
  local run="$runs/$2-s$1"
  [ -f "$run/eval.json" ] && return 0
  "$dcgan" -q eval --real "$data" --run "$run" --n "$eval_n" --seed 1 --json "$run/eval.json" \
    > "$run/eval.txt" 2>&1 || { echo "FAILED: eval of $run (see $run/eval.txt)"; return 1; }
}

status=0
for ((i = 0; i < ${#jobs[@]}; i += parallel)); do
  group=("${jobs[@]:i:parallel}")
  pids=()
  for job in "${group[@]}"; do
    IFS='|' read -r seed name flags <<< "$job"
    echo "    training $name (seed $seed): $flags"
    train_one "$seed" "$name" $flags &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || status=1; done
  for job in "${group[@]}"; do
    IFS='|' read -r seed name flags <<< "$job"
    eval_one "$seed" "$name" || status=1
  done
done

/usr/bin/python3 "$here/quality/table.py" "$runs" "${jobs[@]}"
exit $status
