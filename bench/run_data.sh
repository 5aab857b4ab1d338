#!/usr/bin/env bash
# Data loading, side by side in one run, on the 20,000 real faces at 48 px: the peer's
# cv2 loop (peer_dcgan.py's load_folder, bench/data/peer_decode.py) against `dcgan bench data`
# (parallel decode into the uint8 training tensor), then our cache reload.
# Targets: decoding >= 3x the peer, cache reload < 0.5 s.
set -euo pipefail
dcgan="${DCGAN_BUILD:?set DCGAN_BUILD to the build dir}/dcgan"
shared="${DCGAN_SHARED:?set DCGAN_SHARED to the shared data dir}"
here="$(cd "$(dirname "$0")" && pwd)"
data="$shared/data/anime-faces"
[ -d "$data" ] || { echo "skip: $data missing"; exit 0; }

field() {  # field NAME: the value of NAME=... in stdin
  grep -o "$1=[0-9.]*" | tail -1 | cut -d= -f2
}

# Both sides read the files once first, so neither pays for a cold page cache.
find "$data" -type f -exec cat {} + > /dev/null
peer=$(DCGAN_SHARED="$shared" /usr/bin/python3 "$here/data/peer_decode.py" --data "$data" --size 48)
echo "peer (cv2 loop): $peer"
ours=$("$dcgan" bench data --data "$data" --size 48)
echo "ours:            $ours"
awk -v p="$(echo "$peer" | field img_per_s)" -v o="$(echo "$ours" | field decode_img_per_s)" \
  -v r="$(echo "$ours" | field reload_s)" 'BEGIN {
  printf "decode: %.1fx the peer (target >= 3x); cache reload %.3f s (target < 0.5 s)\n", o / p, r }'
