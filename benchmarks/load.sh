#!/usr/bin/env bash
# Load benchmark of the whole service: real JPEG frames POSTed to /v1/predict by wrk at 1, 4 and
# 16 concurrent connections; throughput and p50/p99, and the service's overhead over the bare
# engine (hkt-serve bench on the same model, same run). Not a test: prints figures.
# Usage: bash benchmarks/load.sh [seconds-per-run]   env: MODEL (default: weights/DEFAULT), FRAME (a JPEG)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
BIN=.build/release/hkt-serve
[ -x "$BIN" ] || swift build -c release
command -v wrk >/dev/null || { echo "wrk missing: make deps"; exit 1; }
MODEL=${MODEL:-$(cat weights/DEFAULT 2>/dev/null || ls weights/*.safetensors | head -1 | xargs basename | sed 's/.safetensors//')}
FRAME=${FRAME:-$(ls ../shared/datasets/synthetic-industrial/*/train/good/000.jpg 2>/dev/null | head -1)}
[ -f "$FRAME" ] || { echo "no JPEG frame: set FRAME=path.jpg"; exit 1; }
TMP=$(mktemp -d); trap 'kill $PID 2>/dev/null; rm -rf "$TMP"' EXIT
PORT=18399

echo "# engine alone: $MODEL"
ENGINE_MS=$("$BIN" bench --weights "weights/$MODEL.safetensors" --iterations 10 --json 2>/dev/null \
  | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["median_ms"])')
echo "engine median: $ENGINE_MS ms"

"$BIN" serve --host 127.0.0.1 --port $PORT --weights "weights/$MODEL.safetensors" --queue-depth 64 --log-level warning > "$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 600); do curl -sf "localhost:$PORT/readyz" >/dev/null && break; sleep 0.1; done

cat > "$TMP/post.lua" <<LUA
local f = io.open("$FRAME", "rb"); local body = f:read("*all"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "image/jpeg"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f\n", summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end
LUA
printf '%-12s %10s %10s %10s %8s %8s\n' connections req/s p50_ms p99_ms errors overhead
for c in 1 4 16; do
  out=$(wrk -t1 -c$c -d${SECS}s --timeout 30s -s "$TMP/post.lua" "http://127.0.0.1:$PORT/v1/predict" | grep RESULT)
  read -r _ n err p50 p99 rps <<<"$out"
  overhead=$(python3 -c "print(f'{($p50 - $ENGINE_MS) / $ENGINE_MS * 100:.1f}%')")
  [ "$c" = 1 ] || overhead="-"
  printf '%-12s %10s %10s %10s %8s %8s\n' "$c" "$rps" "$p50" "$p99" "$err" "$overhead"
done
echo "(overhead: p50 latency at one connection over the engine's median: decode, preprocess, HTTP, queue)"
