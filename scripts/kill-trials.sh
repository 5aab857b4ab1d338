#!/usr/bin/env bash
# Kill trials: SIGKILL `dcgan crawl` (against the loopback board), `dcgan crop` and `dcgan train`
# (CPU, 32 px, widths 8) at DCGAN_KILL_TRIALS random moments each (default 20), run each again
# as a user resumes it, and compare with an uninterrupted run: the same files and archive rows,
# the same crops and manifest records, the same weights. Prints one line per trial and a tally
# per command; exits non-zero unless every trial ends as the uninterrupted run.
# usage: scripts/kill-trials.sh [BUILD]   (`make kill-trials` builds what it needs first)
#        DCGAN_KILL_SEED=N draws other moments.
set -euo pipefail
build=${1:-build}
binary=$build/tests/apps/test_apps_kill_trials
if [ ! -x "$binary" ]; then
  echo "kill-trials: $binary is missing (make kill-trials builds it)" >&2
  exit 2
fi
export DCGAN_KILL_TRIALS=${DCGAN_KILL_TRIALS:-20}
export DCGAN_TEST_TMP=${DCGAN_TEST_TMP:-$build/tests/apps/tmp}
mkdir -p "$DCGAN_TEST_TMP"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
"$binary" >"$log" 2>&1
status=$?
set -e
grep -E '^kill trial |^\[ +(FAILED|OK|SKIPPED) +\]|Failure' "$log" || true
echo "kill-trials: $DCGAN_KILL_TRIALS trials per command:"
grep -E '^kill trials ' "$log" || true
if [ "$status" -ne 0 ]; then
  echo "kill-trials: FAILED (exit $status); the test's output: $log kept" >&2
  trap - EXIT
fi
exit "$status"
