#!/usr/bin/env bash
# Live HTTP/2 cleartext (h2c) tests of the release binary over loopback (no model needed):
# prior knowledge and Upgrade: h2c with curl, POST bodies, h2load with 100 streams over
# 4 connections (zero errors), GOAWAY on malformed frames, SIGTERM drain.
# Usage: bash Tests/live/h2.sh [path/to/hkt-serve]
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-.build/release/hkt-serve}
[ -x "$BIN" ] || { echo "h2 live tests: $BIN not found (swift build -c release)"; exit 1; }
command -v curl >/dev/null || { echo "h2 live tests: curl missing"; exit 1; }
command -v python3 >/dev/null || { echo "h2 live tests: python3 missing (raw-frame checks)"; exit 1; }
TMP=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
pass=0; fail=0
check() { local name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "  ok    $name"; else fail=$((fail + 1)); echo "  FAIL  $name"; fi; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
"$BIN" serve --host 127.0.0.1 --port "$PORT" --no-model >"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "$URL/healthz" && break; sleep 0.1; done

# frames HEX_AFTER_PREFACE -> frame type numbers the server sent until it closed, then "goaway=<code>"
frames() { python3 - "$PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex(sys.argv[2]))
data = b""
try:
    while True:
        d = s.recv(65536)
        if not d: break
        data += d
except socket.timeout:
    print("TIMEOUT")
i, out = 0, []
while i + 9 <= len(data):
    n = int.from_bytes(data[i:i+3], "big"); t = data[i+3]
    out.append(str(t))
    if t == 7: out.append("goaway=%d" % int.from_bytes(data[i+13:i+17], "big"))
    i += 9 + n
print(" ".join(out))
PY
}

export -f frames; export PORT
echo "== h2c ($URL)"
check "prior knowledge: GET /healthz is HTTP/2 200" test "$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_version} %{http_code}' "$URL/healthz")" = "2 200"
check "prior knowledge: x-request-id echoed" bash -c "curl -s --http2-prior-knowledge -D - -o /dev/null -H 'X-Request-Id: h2-live-7' $URL/healthz | grep -qi '^x-request-id: h2-live-7'"
check "prior knowledge: POST body read (not 400/411/000)" bash -c "s=\$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code}' --data-binary @README.md $URL/v1/predict); test \$s != 400 && test \$s != 411 && test \$s != 000"
check "prior knowledge: 404 JSON error shape" bash -c "curl -s --http2-prior-knowledge $URL/no/such | grep -q '{\"error\":{\"code\":\"not_found\"'"
check "Upgrade: h2c answers 101 then HTTP/2" bash -c "curl -s -v --http2 -o /dev/null -w '%{http_version}' $URL/healthz 2>$TMP/up.err | grep -qx 2 && grep -q '101 Switching Protocols' $TMP/up.err"
check "HTTP/1.1 still served on the same port" test "$(curl -s --http1.1 -o /dev/null -w '%{http_version} %{http_code}' "$URL/healthz")" = "1.1 200"
check "first frame not SETTINGS → GOAWAY(PROTOCOL_ERROR)" bash -c "frames 0000080600000000000101010101010101 | grep -q 'goaway=1'"
check "DATA on stream 0 → GOAWAY(PROTOCOL_ERROR)" bash -c "frames 000000040000000000000001000000000041 | grep -q 'goaway=1'"

# 300 connections of random frames after a valid preface + SETTINGS: the server must answer
# GOAWAY or reset, never crash, and keep serving.
python3 - "$PORT" <<'PY' >"$TMP/garbage.txt" 2>&1
import os, random, socket, sys
random.seed(44487)
for i in range(300):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    frames = b""
    for _ in range(random.randint(1, 8)):
        n = random.randint(0, 64)
        frames += n.to_bytes(3, "big") + bytes([random.randint(0, 10), random.randint(0, 255)]) + random.randint(0, 7).to_bytes(4, "big") + os.urandom(n)
    try:
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00" + frames)
        while s.recv(65536): pass
    except OSError:
        pass
    s.close()
print("sent")
PY
check "300 random frame sequences: server still serves h2 and HTTP/1.1" bash -c "grep -q sent $TMP/garbage.txt && test \"\$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code}' $URL/healthz)\" = 200 && test \"\$(curl -s -o /dev/null -w '%{http_code}' $URL/healthz)\" = 200"

if command -v h2load >/dev/null; then
  h2load -n 2000 -c 4 -m 25 "$URL/healthz" >"$TMP/h2load.txt" 2>&1
  grep -E '^requests:|^status codes:' "$TMP/h2load.txt" | sed 's/^/        /'
  check "h2load 2000 requests, 100 streams over 4 connections, all 2xx" grep -q '2000 succeeded, 0 failed, 0 errored' "$TMP/h2load.txt"
else
  echo "  SKIP  h2load not installed (apt nghttp2-client)"
fi

echo "== SIGTERM drain"
kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
check "exit 0 after SIGTERM ($rc)" test "$rc" = 0

echo "h2 live: $pass passed, $fail failed"
test "$fail" -eq 0
