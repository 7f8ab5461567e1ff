#!/usr/bin/env bash
# Live end-to-end tests of the release binary over loopback with curl: every route, every error
# status, real dataset images on both sides of the threshold, back-pressure, deadlines, SIGTERM drain.
# Usage: Tests/live/run.sh [path/to/hkt-serve]
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-.build/release/hkt-serve}
SHARED=${HKT_SHARED:-$(cd .. && pwd)/shared}
DATA="$SHARED/datasets/synthetic-industrial"
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT

pass=0; fail=0
ok() { pass=$((pass + 1)); echo "  ok    $1"; }
bad() { fail=$((fail + 1)); echo "  FAIL  $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)); }

# start_server NAME ARGS... — starts the binary, waits for /healthz, sets $URL and $PID.
start_server() {
  local log=$TMP/$1.log; shift
  local port; port=$(free_port)
  "$BIN" serve --host 127.0.0.1 --port "$port" "$@" >"$log" 2>&1 &
  PID=$!; PIDS+=("$PID"); URL="http://127.0.0.1:$port"
  for _ in $(seq 1 1200); do
    curl -sf "$URL/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$PID" 2>/dev/null || { echo "server exited:"; cat "$log"; return 1; }
    sleep 0.1
  done
  echo "server not ready after 120 s:"; cat "$log"; return 1
}

# status METHOD PATH [curl args...] — prints the HTTP status; the body goes to $TMP/body.
status() { local m=$1 p=$2; shift 2; curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$m" "$URL$p" "$@"; }
body_has() { grep -q -- "$1" "$TMP/body"; }
header_has() { grep -qi -- "$1" "$TMP/headers"; }
json() { python3 -c "import json,sys; d=json.load(open('$TMP/body')); print($1)"; }

echo "== main server"
start_server main --weights weights || exit 1
MODEL=$(curl -s "$URL/v1/models" | python3 -c 'import json,sys; print(json.load(sys.stdin)["default"])')
CATEGORY=$(curl -s "$URL/v1/models/$MODEL" | python3 -c 'import json,sys; print(json.load(sys.stdin)["category"])')
echo "  default model: $MODEL ($CATEGORY)"

check "GET /healthz 200" test "$(status GET /healthz)" = 200
check "GET /readyz 200" test "$(status GET /readyz)" = 200
check "GET /v1/models lists the default" bash -c "test \"\$(curl -s $URL/v1/models | grep -c '\"$MODEL\"')\" -ge 1"
check "GET /v1/models/{m} 200 with arch" bash -c "test \"$(status GET /v1/models/$MODEL)\" = 200 && grep -q '\"arch\"' $TMP/body"
check "GET /v1/models/nope 404 JSON" bash -c "test \"$(status GET /v1/models/nope)\" = 404 && grep -q '\"error\"' $TMP/body"
check "GET /metrics exposition" bash -c "test \"$(status GET /metrics)\" = 200 && grep -q hkt_model_info $TMP/body"
check "GET /nope 404" test "$(status GET /nope)" = 404
check "DELETE /healthz 405 with Allow" bash -c "test \"$(status DELETE /healthz)\" = 405 && grep -qi '^allow:' $TMP/headers"
check "HEAD /healthz 200" bash -c "curl -s -I $URL/healthz | head -1 | grep -q 200"
check "X-Request-Id echoed" bash -c "curl -s -D - -o /dev/null -H 'X-Request-Id: abc-123' $URL/healthz | grep -qi 'x-request-id: abc-123'"

if [ -d "$DATA/$CATEGORY" ]; then
  GOOD=$DATA/$CATEGORY/test/good/000.png
  DEFECT_DIR=$(ls -d "$DATA/$CATEGORY"/test/* | grep -v /good | head -1)
  s=$(status POST /v1/predict --data-binary @"$GOOD" -H 'Content-Type: image/png')
  check "predict good image 200" test "$s" = 200
  check "good image is below the threshold" bash -c "test \"\$(python3 -c \"import json; d=json.load(open('$TMP/body')); print(d['anomalous'])\")\" = False"
  check "Server-Timing header" header_has "server-timing: decode"
  check "image size reported" bash -c "python3 -c \"import json; d=json.load(open('$TMP/body')); assert d['image']=={'width':512,'height':512}\""
  # Defective images: two of each defect type; most must land above the threshold.
  above=0; total=0
  for dir in $(ls -d "$DATA/$CATEGORY"/test/* | grep -v /good); do
    for f in $(ls "$dir"/*.png | head -2); do
      total=$((total + 1))
      curl -s --data-binary @"$f" "$URL/v1/models/$MODEL/predict" | grep -q '"anomalous":true' && above=$((above + 1))
    done
  done
  check "defective images above the threshold ($above/$total)" test $((above * 2)) -ge "$total"
  s=$(status POST "/v1/predict?heatmap=png" --data-binary @"$GOOD")
  check "heatmap=png base64 PNG of the image's size" bash -c "test $s = 200 && python3 - <<PY
import json,base64,struct
d=json.load(open('$TMP/body')); png=base64.b64decode(d['heatmap_png'])
assert png[:8]==b'\x89PNG\r\n\x1a\n'; w,h=struct.unpack('>II',png[16:24]); assert (w,h)==(512,512),(w,h)
PY"
  s=$(status POST /v1/predict -H 'Accept: image/png' --data-binary @"$GOOD")
  check "Accept: image/png returns the PNG with X-Anomaly-Score" bash -c "test $s = 200 && grep -qi 'x-anomaly-score:' $TMP/headers && head -c 4 $TMP/body | grep -q PNG"
  s=$(status POST /v1/predict -F image=@"$GOOD" -F image=@"$(ls "$DEFECT_DIR"/*.png | head -1)" -F image=@"$DATA/$CATEGORY/train/good/000.jpg")
  check "multipart with three images → three results" bash -c "test $s = 200 && test \"\$(python3 -c \"import json; print(len(json.load(open('$TMP/body'))['results']))\")\" = 3"
  s=$(status POST "/v1/predict?heatmap=overlay&heatmap_max_side=128" --data-binary @"$DATA/$CATEGORY/train/good/000.jpg")
  check "overlay heatmap from a JPEG" test "$s" = 200
  B64=$(base64 -w0 "$GOOD")
  printf '{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["%s"]}]}' "$B64" > "$TMP/v2.json"
  s=$(status POST "/v2/models/$MODEL/infer" -H 'Content-Type: application/json' --data-binary @"$TMP/v2.json")
  check "v2 infer BYTES image" bash -c "test $s = 200 && grep -q anomaly_score $TMP/body"
else
  echo "  (skipped dataset end-to-end checks: $DATA not found)"
fi
# The queue and drain checks below need any decodable frame; a committed fixture will do.
GOOD=${GOOD:-Tests/Fixtures/imaging/jpeg_1024x768.jpg}

check "v2 server metadata" test "$(status GET /v2)" = 200
check "v2 live" test "$(status GET /v2/health/live)" = 200
check "v2 ready" test "$(status GET /v2/health/ready)" = 200
check "v2 model metadata" test "$(status GET /v2/models/$MODEL)" = 200
check "v2 model ready" test "$(status GET /v2/models/$MODEL/ready)" = 200
check "v2 infer bad JSON 400" test "$(status POST /v2/models/$MODEL/infer -d 'nope' -H 'Content-Type: application/json')" = 400

# Error statuses of predict.
check "400 empty body" test "$(status POST /v1/predict -H 'Content-Type: image/jpeg' --data-binary '')" = 400
check "400 bad heatmap option" test "$(status POST '/v1/predict?heatmap=x' --data-binary @README.md)" = 400
check "404 unknown model" test "$(status POST /v1/models/nope/predict --data-binary @README.md)" = 404
check "405 GET on predict" test "$(status GET /v1/predict)" = 405
check "411 POST without length" bash -c "printf 'POST /v1/predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${URL##*:}; cat >&3; cat <&3' | head -1 | grep -q ' 411 '"
check "415 text/plain" test "$(status POST /v1/predict -H 'Content-Type: text/plain' --data-binary @README.md)" = 415
printf 'GIF89a\x01\x00\x01\x00\x00\x00\x00;' > "$TMP/x.gif"
check "415 GIF bytes" bash -c "test \"$(status POST /v1/predict --data-binary @$TMP/x.gif -H 'Content-Type: application/octet-stream')\" = 415 && grep -q unsupported $TMP/body"
cp Tests/Fixtures/imaging/png_truncated_half.png "$TMP/trunc.png"
check "422 truncated PNG" test "$(status POST /v1/predict --data-binary @$TMP/trunc.png -H 'Content-Type: image/png')" = 422
kill "$PID"; wait "$PID" 2>/dev/null

echo "== limits: small body limit"
start_server limits --weights "weights/$MODEL.safetensors" --max-body 100000 || exit 1
head -c 200000 /dev/zero > "$TMP/big.bin"
check "413 body over --max-body" test "$(status POST /v1/predict --data-binary @$TMP/big.bin -H 'Content-Type: image/png')" = 413
kill "$PID"; wait "$PID" 2>/dev/null

if [ -n "${GOOD:-}" ]; then
  echo "== back-pressure: one worker, a queue of one, deadlines"
  start_server queue --weights "weights/$MODEL.safetensors" --queue-depth 1 --workers 1 || exit 1
  # Six concurrent requests against one worker and a queue of one: some must be refused with 503 + Retry-After.
  CURLS=()
  for i in 1 2 3 4 5 6; do
    curl -s -o /dev/null -D "$TMP/h$i" -w '%{http_code}\n' --data-binary @"$GOOD" "$URL/v1/predict" > "$TMP/s$i" &
    CURLS+=($!)
  done
  wait "${CURLS[@]}"
  n503=$(cat "$TMP"/s? | grep -c 503); n200=$(cat "$TMP"/s? | grep -c 200)
  check "queue full → 503 ($n503) while others succeed ($n200)" bash -c "test $n503 -ge 1 && test $n200 -ge 1"
  check "503 carries Retry-After" bash -c "grep -li 'retry-after:' $TMP/h? | grep -q ."
  # One request occupies the worker; a second with a 5 ms deadline expires in the queue → 504.
  curl -s -o /dev/null -F image=@"$GOOD" -F image=@"$GOOD" "$URL/v1/predict" &
  SLOW=$!
  sleep 0.3
  check "504 when the deadline passes in the queue" test "$(status POST /v1/predict -H 'X-Request-Timeout: 5' --data-binary @"$GOOD")" = 504
  wait "$SLOW"
  kill "$PID"; wait "$PID" 2>/dev/null
fi

echo "== start-up failures name the problem"
printf 'not a safetensors file' > "$TMP/broken.safetensors"
"$BIN" serve --port 0 --weights "$TMP/broken.safetensors" > "$TMP/broken.log" 2>&1; rc=$?
check "bad weights stop start-up (exit $rc) naming the file" bash -c "test $rc -ne 0 && grep -q broken.safetensors $TMP/broken.log"

echo "== SIGHUP reloads the weights; a bad file keeps the old model"
mkdir -p "$TMP/reload"; cp "weights/$MODEL.safetensors" "$TMP/reload/"
start_server reload --weights "$TMP/reload" || exit 1
printf 'broken' > "$TMP/broken-new"; mv "$TMP/broken-new" "$TMP/reload/$MODEL.safetensors"
kill -HUP "$PID"
for _ in $(seq 100); do grep -q "reload failed" "$TMP/reload.log" && break; sleep 0.1; done
check "failed reload is logged and the old model keeps serving" bash -c "grep -q 'reload failed' $TMP/reload.log && test \"\$(curl -s -o /dev/null -w '%{http_code}' $URL/readyz)\" = 200"
cp "weights/$MODEL.safetensors" "$TMP/reload/"
kill -HUP "$PID"
for _ in $(seq 300); do grep -q "reload done" "$TMP/reload.log" && break; sleep 0.1; done
check "good reload swaps the models" grep -q "reload done" "$TMP/reload.log"
kill "$PID"; wait "$PID" 2>/dev/null

echo "== SIGTERM drains in-flight requests"
start_server drain --weights "weights/$MODEL.safetensors" || exit 1
if [ -n "${GOOD:-}" ]; then
  # Three images in one request keep the worker busy for a while; SIGTERM arrives mid-way.
  curl -s -o /dev/null -w '%{http_code}' -F image=@"$GOOD" -F image=@"$GOOD" -F image=@"$GOOD" \
    "$URL/v1/predict?heatmap=overlay" > "$TMP/inflight" &
  CURL=$!
  sleep 0.5
  kill -TERM "$PID"
  wait "$CURL"
  wait "$PID"; rc=$?
  check "in-flight request completed with 200 ($(cat $TMP/inflight))" test "$(cat $TMP/inflight)" = 200
  check "exit code 0 after SIGTERM ($rc)" test "$rc" = 0
  check "new connections refused after drain" bash -c "! curl -s -m 2 $URL/healthz >/dev/null"
else
  kill -TERM "$PID"; wait "$PID"; rc=$?
  check "exit code 0 after SIGTERM ($rc)" test "$rc" = 0
fi

echo "live: $pass passed, $fail failed"
test "$fail" -eq 0
