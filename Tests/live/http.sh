#!/usr/bin/env bash
# Live HTTP/1.1 protocol tests of the release binary over loopback (no model needed):
# framing, keep-alive, HTTP/1.0, pipelining, chunked upload, 100-continue, smuggling vectors,
# limits, request ids, SIGTERM drain. Usage: bash Tests/live/http.sh [path/to/hkt-serve]
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-.build/release/hkt-serve}
[ -x "$BIN" ] || { echo "http live tests: $BIN not found (swift build -c release)"; exit 1; }
command -v curl >/dev/null || { echo "http live tests: curl missing"; exit 1; }
command -v python3 >/dev/null || { echo "http live tests: python3 missing (raw-socket checks)"; exit 1; }
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

# raw REQUEST_PYTHON_BYTES_LITERAL -> first status line(s) of what the server answers, until close
raw() { python3 - "$PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(eval("b'" + sys.argv[2] + "'"))
data = b""
try:
    while True:
        d = s.recv(65536)
        if not d: break
        data += d
except socket.timeout:
    data += b"\nTIMEOUT"
import re
print("\n".join(m.decode("latin-1") for m in re.findall(rb"HTTP/1\.1 [0-9]{3} [^\r\n]*", data)))
if b"\nTIMEOUT" in data: print("TIMEOUT")
PY
}

echo "== framing and connection handling ($URL)"
check "GET /healthz 200 with Content-Length, Date, Server" bash -c "curl -s -D - -o /dev/null $URL/healthz | tr -d '\r' | grep -qi '^content-length: ' && curl -s -D - -o /dev/null $URL/healthz | grep -qi '^date: ' && curl -s -D - -o /dev/null $URL/healthz | grep -qi '^server: '"
check "keep-alive: three requests, one connection" bash -c "test \"\$(curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}' $URL/healthz $URL/healthz $URL/healthz)\" = 100"
check "HTTP/1.0 gets Connection: close" bash -c "curl -s --http1.0 -D - -o /dev/null $URL/healthz | grep -qi '^connection: close'"
check "HTTP/1.0 keep-alive honoured" test "$(raw 'GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n' | wc -l)" = 2
check "HEAD has no body" test "$(curl -s -I "$URL/healthz" -o /dev/null -w '%{size_download}')" = 0
check "pipelined requests answered in order" test "$(raw 'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' | tr '\n' ' ')" = "HTTP/1.1 200 OK HTTP/1.1 404 Not Found HTTP/1.1 200 OK "
check "404 JSON error shape" bash -c "curl -s $URL/no/such | grep -q '{\"error\":{\"code\":\"not_found\"'"
check "405 with Allow" bash -c "curl -s -X DELETE -D - -o /dev/null $URL/healthz | grep -qi '^allow: '"
check "X-Request-Id echoed" bash -c "curl -s -D - -o /dev/null -H 'X-Request-Id: live-42' $URL/healthz | grep -qi '^x-request-id: live-42'"
check "X-Request-Id generated when absent" bash -c "curl -s -D - -o /dev/null $URL/healthz | grep -qi '^x-request-id: .'"
check "chunked upload is read (not 400/411)" bash -c "s=\$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @README.md $URL/v1/predict); test \$s != 400 && test \$s != 411 && test \$s != 000"
check "Expect: 100-continue gets 100" bash -c "curl -s -v -H 'Expect: 100-continue' --data-binary @README.md $URL/v1/predict -o /dev/null 2>&1 | grep -q '100 Continue'"

echo "== strictness (400 and close)"
check "TE + CL rejected" test "$(raw 'POST /v1/predict HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "duplicate Content-Length rejected" test "$(raw 'POST /v1/predict HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx')" = "HTTP/1.1 400 Bad Request"
check "space before colon rejected" test "$(raw 'GET /healthz HTTP/1.1\r\nHost : a\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "obs-fold rejected" test "$(raw 'GET /healthz HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "bare LF rejected" test "$(raw 'GET /healthz HTTP/1.1\nHost: a\n\n')" = "HTTP/1.1 400 Bad Request"
check "bad chunk size rejected" test "$(raw 'POST /v1/predict HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')" = "HTTP/1.1 400 Bad Request"
check "smuggled second request is not served" test "$(raw 'POST /v1/predict HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n' | wc -l)" = 1
check "POST without length 411" test "$(raw 'POST /v1/predict HTTP/1.1\r\nHost: a\r\n\r\n')" = "HTTP/1.1 411 Length Required"

echo "== limits"
LONG=$(head -c 9000 /dev/zero | tr '\0' a)
check "URI over 8 KiB → 414" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/$LONG")" = 414
check "header over 16 KiB → 431" test "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 17000 /dev/zero | tr '\0' b)" "$URL/healthz")" = 431
check "body over the limit → 413 from Content-Length" test "$(raw 'POST /v1/predict HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n')" = "HTTP/1.1 413 Content Too Large"

echo "== SIGTERM drain"
kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
check "exit 0 after SIGTERM ($rc)" test "$rc" = 0
check "refuses connections after shutdown" bash -c "! curl -s -m 2 $URL/healthz >/dev/null"

echo "http live: $pass passed, $fail failed"
test "$fail" -eq 0
