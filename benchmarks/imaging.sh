#!/usr/bin/env bash
# Image-path benchmark: this project's Imaging module against Pillow, in one run.
#   decode + resize 256×256 + normalised CHW float for 640×480, 1920×1080, 4000×3000 JPEG and PNG;
#   heatmap colourise + PNG encode at 256×256 and 1920×1080 (palette and RGB, zlib level 1 and 6).
# Pillow numbers come from ../shared/bench/imaging_peers.py (which also writes the test frames
# into a temp dir, never into the repo); the Swift numbers from ImagingBenchmark.run, through
# `hkt-serve bench imaging` when the executable has it, else the HKT_BENCH=1 test built in release.
# Prints both tables and the Pillow/Swift ratios (> 1 = Swift faster), wall and thread-CPU ms.
# Usage: bash benchmarks/imaging.sh [runs]
#   env: PEERS=path/to/imaging_peers.py PYTHON=python3 SWIFT_PACKAGE_PATH=(package with ImagingTests)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-11}"
PEERS="${PEERS:-$ROOT/../shared/bench/imaging_peers.py}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
IMGDIR="$WORK/imgs"

PY="${PYTHON:-python3}"
if ! "$PY" -c "import PIL, numpy" 2>/dev/null; then
  echo "# Pillow/numpy missing for $PY: making a venv in $WORK/venv"
  python3 -m venv "$WORK/venv" && "$WORK/venv/bin/pip" -q install pillow numpy
  PY="$WORK/venv/bin/python"
fi
[ -f "$PEERS" ] || { echo "error: $PEERS not found (set PEERS=)"; exit 1; }

echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" "$PEERS" --runs "$RUNS" --imgdir "$IMGDIR" --no-djpeg | tee "$WORK/peers.txt"

cd "$ROOT"
BIN=.build/release/hkt-serve
if [ -x "$BIN" ] && "$BIN" bench --help 2>&1 | grep -qi imaging; then
  "$BIN" bench imaging --imgdir "$IMGDIR" --runs "$RUNS" | tee "$WORK/swift.txt"
else
  echo "# hkt-serve bench imaging not available: running the HKT_BENCH test in release"
  HKT_BENCH=1 HKT_BENCH_IMGDIR="$IMGDIR" HKT_BENCH_RUNS="$RUNS" \
    swift test --package-path "${SWIFT_PACKAGE_PATH:-$ROOT}" -c release -Xswiftc -enable-testing \
      --filter ImagingBenchmarkTests 2>&1 \
    | grep -vE '^\[[0-9]+/[0-9]+\]|^Building|^Compiling|^Test Suite|Executed|started' | tee "$WORK/swift.txt"
fi
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" "$ROOT/benchmarks/imaging_compare.py" "$WORK/peers.txt" "$WORK/swift.txt"
