#!/usr/bin/env bash
# FuzzTesting/smoke.sh — build every libFuzzer target and run each for a short while.
# usage: bash FuzzTesting/smoke.sh [SECONDS]      (default 60 per fuzzer; env FUZZERS to pick)
# Prints each fuzzer's execution count; exits non-zero if a fuzzer finds a crash.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER=${1:-60}
FUZZERS=${FUZZERS:-"HTTPParserFuzzer JPEGDecodeFuzzer PNGDecodeFuzzer SafetensorsFuzzer"}
SCRATCH=${SCRATCH:-.build-fuzz}
# -parse-as-library: libFuzzer provides main(); the Swift file only exports LLVMFuzzerTestOneInput.
# One build per product: `swift build` honours only the last --product flag.
for f in $FUZZERS; do
  swift build -c release --scratch-path "$SCRATCH" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product "$f" 2>&1 | tail -1
done
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
status=0
for f in $FUZZERS; do
  corpus="$SCRATCH/corpus/$f"; mkdir -p "$corpus" "$SCRATCH/artifacts"
  seeds="Seeds/$f"; [ -d "$seeds" ] || seeds=""
  log="$SCRATCH/$f.log"
  echo "== $f: ${SECONDS_PER}s"
  if "$BIN/$f" -max_total_time="$SECONDS_PER" -print_final_stats=1 -artifact_prefix="$SCRATCH/artifacts/" \
       "$corpus" $seeds >"$log" 2>&1; then
    :
  else
    echo "!! $f found a failure; see $log and $SCRATCH/artifacts/"; tail -30 "$log"; status=1
  fi
  execs=$(awk '/stat::number_of_executed_units/{print $2}' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "$f: executions=${execs:-?} ${cov}"
done
exit $status
