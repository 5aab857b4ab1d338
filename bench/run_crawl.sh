#!/usr/bin/env bash
# Crawl benchmark, side by side with the recipe's sequential crawler (peer_crawl.py), against
# the loopback fixture board (bench/crawl/crawl_fixture_server) with 50 ms added per request:
#   1. files/s: the peer vs `dcgan crawl --concurrency 8 --rate 0` on the same pages (target >= 6x)
#   2. request rate with --rate 5, from the server's arrival times (within 5% of 5/s, never above)
#   3. peak RSS of `dcgan crawl` over 10,000 files (target < 100 MB)
# Needs $DCGAN_BUILD (build dir) and $DCGAN_SHARED; Debian's python3 with requests and bs4.
set -euo pipefail
build=${DCGAN_BUILD:?set DCGAN_BUILD to the build folder}
shared=${DCGAN_SHARED:?set DCGAN_SHARED to the shared data folder}
dcgan=$build/dcgan
server=$build/bench/crawl/crawl_fixture_server
peer=$shared/bench/peer_crawl.py
python=/usr/bin/python3
pages=${CRAWL_BENCH_PAGES:-5}
per_page=40
rss_pages=${CRAWL_BENCH_RSS_PAGES:-250}

tmp=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$tmp"' EXIT

# start_server PAGES LATENCY_MS TIMES_FILE [--warm] -> sets $server_pid and $base
start_server() {
  "$server" --pages "$1" --per-page $per_page --latency-ms "$2" --times "$3" ${4:-} >"$tmp/port" &
  server_pid=$!
  for _ in $(seq 1 1200); do
    grep -q '^port ' "$tmp/port" 2>/dev/null && break
    sleep 0.05
  done
  base="http://127.0.0.1:$(awk '/^port/ {print $2}' "$tmp/port")"
}

files_per_s() {  # the "N files/s" figure of a dcgan crawl summary
  grep -o '[0-9.]* files/s' "$1" | head -1 | awk '{print $1}'
}

echo "crawl: $pages pages x $per_page previews, 50 ms added per request, loopback"

start_server "$pages" 50 "$tmp/t1" --warm
$python "$peer" --base "$base" --start 1 --end "$pages" --out "$tmp/peer" | tee "$tmp/peer.txt"
peer_rate=$(grep -o 'files_per_s=[0-9.]*' "$tmp/peer.txt" | cut -d= -f2)
stop_server

start_server "$pages" 50 "$tmp/t2" --warm
"$dcgan" crawl --base-url "$base" --pages "1-$pages" --out "$tmp/ours" --concurrency 8 --rate 0 \
  2>&1 | tee "$tmp/ours.txt" | grep '^info: crawl:' || true
ours_rate=$(files_per_s "$tmp/ours.txt")
stop_server
echo "files/s: peer $peer_rate, dcgan crawl --concurrency 8 $ours_rate," \
  "ratio $(awk -v a="$ours_rate" -v b="$peer_rate" 'BEGIN {printf "%.1fx", a / b}') (target >= 6x)"

start_server 1 50 "$tmp/t3" --warm
"$dcgan" crawl -q --base-url "$base" --pages 1 --limit 40 --out "$tmp/rate" --rate 5 --concurrency 8
stop_server
awk '{t[NR] = $1} END {
  n = NR; span = t[n] - t[1]; worst = 0
  for (i = 1; i <= n; i++) { c = 0; for (j = i; j <= n && t[j] < t[i] + 1; j++) c++; if (c > worst) worst = c }
  for (i = 2; i <= n; i++) { g = t[i] - t[i - 1]; if (i == 2 || g < gap) gap = g }
  printf "request rate with --rate 5: %d requests in %.2f s = %.3f/s (%.1f%% of 5/s); most in any 1 s window: %d; smallest gap %.0f ms\n",
    n, span, (n - 1) / span, 100 * (n - 1) / span / 5, worst, 1000 * gap
}' "$tmp/t3"

start_server "$rss_pages" 0 "$tmp/t4"
/usr/bin/time -v "$dcgan" crawl -q --base-url "$base" --pages "1-$rss_pages" --out "$tmp/rss" \
  --concurrency 8 --rate 0 2>"$tmp/time.txt"
stop_server
files=$(find "$tmp/rss" -name 'konachan-*.jpg' | wc -l)
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time.txt")
echo "peak RSS for $files files: $((rss_kb / 1024)) MB (target < 100 MB), wall $wall"
