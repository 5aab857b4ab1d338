#!/usr/bin/env bash
# Side by side: the recipe's cropper in OpenCV-Python (peer_crop.py --reuse: cascade loaded
# once) and `dcgan crop` with the same parameters (1.1 / 5 / min 48 -> 96 px JPEG) on the same
# 40 illustrations of $DCGAN_SHARED/data/anime-illustrations (36 tiles, 3 Miku, the 3072 px
# grid). Each side runs $RUNS times into a fresh folder; the best run counts. Prints images/s
# of both, the face counts (they must match) and the ratio (target >= 1.5x); then the detector
# core alone: bench_detect times LbpCascade against cv::CascadeClassifier on one thread.
set -euo pipefail
: "${DCGAN_BUILD:?set DCGAN_BUILD to the build folder}"
: "${DCGAN_SHARED:?set DCGAN_SHARED to the shared data folder}"
RUNS=${RUNS:-5}
python=/usr/bin/python3  # Debian's python, which has cv2
src=$DCGAN_SHARED/data/anime-illustrations
cascade=$DCGAN_SHARED/models/lbpcascade_animeface.xml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/in/tadne-tiles"
ln -s "$src"/tadne-tiles/*.jpg "$tmp/in/tadne-tiles/"
ln -s "$src"/miku_* "$src/tadne-grid-3072.jpg" "$tmp/in/"
mapfile -t images < <(find "$tmp/in" -name '*.jpg' -o -name '*.png' | sort)
echo "crop: ${#images[@]} images, $(nproc) cores, $RUNS runs each, best run counts"

best() { sort -g | tail -1; }

peer_rates=() peer_faces=0
for run in $(seq "$RUNS"); do
  rm -rf "$tmp/peer"
  line=$("$python" "$DCGAN_SHARED/bench/peer_crop.py" --cascade "$cascade" --out "$tmp/peer" \
         --reuse "${images[@]}")
  peer_rates+=("$(sed -n 's/.*img_per_s=\([0-9.]*\).*/\1/p' <<<"$line")")
  peer_faces=$(sed -n 's/.*faces=\([0-9]*\).*/\1/p' <<<"$line")
done

ours_rates=() ours_wall=() ours_faces=0
for run in $(seq "$RUNS"); do
  rm -rf "$tmp/ours"
  start=$(date +%s.%N)
  log=$("$DCGAN_BUILD/dcgan" crop --in "$tmp/in" --out "$tmp/ours" --cascade "$cascade" 2>&1)
  end=$(date +%s.%N)
  ours_rates+=("$(sed -n 's/.* \([0-9.]*\) images\/s on.*/\1/p' <<<"$log")")
  ours_wall+=("$(awk -v n="${#images[@]}" -v a="$start" -v b="$end" 'BEGIN { print n / (b - a) }')")
  ours_faces=$(find "$tmp/ours" -name '*.jpg' | wc -l)
done

peer=$(printf '%s\n' "${peer_rates[@]}" | best)
ours=$(printf '%s\n' "${ours_rates[@]}" | best)
wall=$(printf '%s\n' "${ours_wall[@]}" | best)
printf 'peer_crop.py --reuse : %8.2f images/s  (%d faces)  runs: %s\n' "$peer" "$peer_faces" \
  "${peer_rates[*]}"
printf 'dcgan crop           : %8.2f images/s  (%d faces)  runs: %s\n' "$ours" "$ours_faces" \
  "${ours_rates[*]}"
printf 'dcgan crop, whole process incl. start-up and cascade load: %.2f images/s\n' "$wall"
printf 'ratio dcgan / peer   : %.2fx (target >= 1.5x)\n' "$(awk -v a="$ours" -v b="$peer" 'BEGIN { print a / b }')"
# The detector core alone, one thread, alternating per image (same boxes checked inside).
printf 'detector core, 1 thread: %s\n' "$("$DCGAN_BUILD/bench_detect" "$cascade" "${images[@]}")"
if [ "$peer_faces" != "$ours_faces" ]; then
  echo "crop: face counts differ (peer $peer_faces, dcgan $ours_faces)" >&2
  exit 1
fi
