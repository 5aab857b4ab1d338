#!/usr/bin/env bash
# Runs each libFuzzer harness of a fuzz build for SECONDS on its corpus: the seeds kept in
# fuzz/corpus/<harness>/ plus what earlier runs found, kept in BUILD/fuzz-corpus/<harness>/
# (the repository's seeds are never written to). A crash, leak, sanitizer report, timeout or
# out-of-memory leaves its input in BUILD/fuzz-artifacts/ and fails the script at the end.
# usage: fuzz/run_fuzzers.sh BUILD SECONDS [harness...]   (default: every harness)
# FUZZ_FLAGS adds libFuzzer flags, e.g. FUZZ_FLAGS=-max_len=65536 for inputs larger than 4 kB;
# fuzz/options/<harness>.flags holds a harness's own. `make fuzz` builds the harnesses but
# fuzz_checkpoint, which needs the LibTorch libraries (`make fuzz-torch`).
set -uo pipefail

build=${1:?usage: run_fuzzers.sh BUILD SECONDS [harness...]}
seconds=${2:?usage: run_fuzzers.sh BUILD SECONDS [harness...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
  set -- $(cd "$here" && ls fuzz_*.cpp | grep -v '^fuzz_support' | sed 's/\.cpp$//')
fi

failed=()
ran=0
for harness in "$@"; do
  binary=$build/fuzz/$harness
  if [ ! -x "$binary" ]; then
    echo "run_fuzzers: $binary is missing (make fuzz builds it; fuzz_checkpoint, make fuzz-torch)" >&2
    failed+=("$harness")
    continue
  fi
  corpus=$build/fuzz-corpus/$harness
  artifacts=$build/fuzz-artifacts
  mkdir -p "$corpus" "$artifacts"
  dict=()
  [ -f "$here/dict/$harness.dict" ] && dict=(-dict="$here/dict/$harness.dict")
  own_flags=()
  [ -f "$here/options/$harness.flags" ] && read -r -a own_flags < "$here/options/$harness.flags"
  ran=$((ran + 1))
  echo "run_fuzzers: $harness for $seconds s"
  # -timeout: one input taking longer is a finding (a hang); -rss_limit_mb: so is a blow-up.
  if "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$harness-" "${dict[@]}" "${own_flags[@]}" ${FUZZ_FLAGS:-} \
      "$corpus" "$here/corpus/$harness" \
      >"$build/fuzz-$harness.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^Done' "$build/fuzz-$harness.log" | tr '\n' ' '
    echo
  else
    echo "run_fuzzers: $harness FAILED; see $build/fuzz-$harness.log:" >&2
    grep -E 'ERROR|SUMMARY|dcgan fuzz|Test unit written' "$build/fuzz-$harness.log" | head -20 >&2
    failed+=("$harness")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run_fuzzers: failed: ${failed[*]}" >&2
  exit 1
fi
echo "run_fuzzers: $ran harnesses, $seconds s each, no findings"
