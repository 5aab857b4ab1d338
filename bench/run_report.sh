#!/usr/bin/env bash
# `dcgan report` on a long run: 50,000 step records, 100 epoch grids of 8x8 real 64 px faces
# ($DCGAN_SHARED/data/anime-faces blended with noise, as early epochs look), made here with
# Debian's python3 + OpenCV. Prints the time to write progress.gif and report.html (best of
# $RUNS), the page size (limit 10 MB), and the time headless chromium needs to load the page
# (best of $RUNS; limit 2 s). There is no peer: the recipe has no report, and the Debian python has no matplotlib.
set -euo pipefail
: "${DCGAN_BUILD:?set DCGAN_BUILD to the build folder}"
: "${DCGAN_SHARED:?set DCGAN_SHARED to the shared data folder}"
RUNS=${RUNS:-3}
python=/usr/bin/python3
chromium=/usr/bin/chromium
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run=$tmp/run

"$python" - "$DCGAN_SHARED/data/anime-faces" "$run" <<'PY'
import json, os, random, sys
import cv2, numpy as np
faces_dir, run = sys.argv[1], sys.argv[2]
os.makedirs(run + "/samples")
rng = random.Random(1)
nrng = np.random.default_rng(1)
files = sorted(os.listdir(faces_dir))[:64]
faces = [cv2.resize(cv2.imread(os.path.join(faces_dir, f)), (64, 64)) for f in files]
epochs, per_epoch = 100, 500
json.dump({"train": {"epochs": epochs, "batch_size": 64}, "model": {"arch": "dcgan", "size": 64},
           "device": "cpu", "started": "2026-01-01T00:00:00Z"}, open(run + "/config.json", "w"))
with open(run + "/metrics.jsonl", "w") as m:
    step, t = 0, 0.0
    for epoch in range(1, epochs + 1):
        for _ in range(per_epoch):
            step += 1
            t += 0.5
            m.write(json.dumps({"kind": "step", "epoch": epoch, "step": step,
                                "loss_d_real": 0.5 + rng.gauss(0, 0.1),
                                "loss_d_fake": 0.4 + rng.gauss(0, 0.1),
                                "loss_g": 2.0 + rng.gauss(0, 0.4), "d_real": 0.7 + rng.gauss(0, 0.05),
                                "d_fake": 0.3 + rng.gauss(0, 0.05), "img_per_s": 128 + rng.gauss(0, 5),
                                "time_s": t}) + "\n")
        m.write(json.dumps({"kind": "epoch", "epoch": epoch, "step": step, "time_s": t,
                            "img_per_s": 128.0,
                            "sample": "samples/epoch-%04d.png" % epoch}) + "\n")
        w = epoch / epochs
        tiles = [cv2.addWeighted(f, w, nrng.integers(0, 256, f.shape, dtype=np.uint8), 1 - w, 0)
                 for f in faces]
        rows = [np.hstack(tiles[r * 8:(r + 1) * 8]) for r in range(8)]
        cv2.imwrite(run + "/samples/epoch-%04d.png" % epoch, np.vstack(rows))
json.dump({"steps": step, "epochs_done": epochs, "epochs": epochs, "time_s": t,
           "img_per_s": 128.0, "finished": True}, open(run + "/summary.json", "w"))
PY
echo "report: $(wc -l < "$run/metrics.jsonl") metrics lines, 100 grids of 512x512, $(nproc) cores"

best() { sort -g | head -1; }
now() { date +%s.%N; }

times=()
for i in $(seq "$RUNS"); do
  start=$(now)
  "$DCGAN_BUILD/dcgan" -q report "$run" > /dev/null
  times+=("$(echo "$(now) - $start" | bc)")
done
write_s=$(printf '%s\n' "${times[@]}" | best)
size=$(stat -c %s "$run/report.html")
gif=$(stat -c %s "$run/progress.gif")
echo "ours: dcgan report (progress.gif + report.html) best ${write_s} s;" \
     "report.html $((size / 1000)) kB (limit 10000 kB); progress.gif $((gif / 1000)) kB"

if [ ! -x "$chromium" ]; then
  echo "page load: skipped ($chromium missing)"
  exit 0
fi
# The page loads in an iframe of a wrapper page, which records the time to the iframe's load
# event (HTML parsed, every data URI image loaded) in its title; --dump-dom prints it. Chromium's
# own start-up is not counted.
cat > "$tmp/wrap.html" <<HTML
<!DOCTYPE html><html><head><title>pending</title><script>var t0=performance.now();</script>
</head><body><iframe width="1200" height="2000" src="file://$run/report.html"
onload="document.title='loaded '+(performance.now()-t0).toFixed(0)"></iframe></body></html>
HTML
load_ms=()
for i in $(seq "$RUNS"); do
  title=$(timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --window-size=1200,2000 --dump-dom "file://$tmp/wrap.html" \
    2>/dev/null | sed -n 's/.*<title>loaded \([0-9]*\).*/\1/p')
  load_ms+=("${title:-99999}")
done
load=$(printf '%s\n' "${load_ms[@]}" | best)
echo "page load: report.html in headless chromium, best $((load)) ms to the load event" \
     "(limit 2000 ms); all runs: ${load_ms[*]} ms; load average $(cut -d' ' -f1 /proc/loadavg)"
