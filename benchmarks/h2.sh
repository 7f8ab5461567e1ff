#!/usr/bin/env bash
# benchmarks/h2.sh — GET /healthz over h2c (h2load) vs HTTP/1.1 (wrk) at the same concurrency,
# against one `hkt-serve serve --no-model`, plus nghttpd serving a small static file as an h2c
# peer when it is installed (apt nghttp2-server).
#
# usage: bash benchmarks/h2.sh [BIN]      (BIN defaults to .build/release/hkt-serve)
# env: DURATION=10  CONNS=4  STREAMS=25 (h2 streams per connection; wrk gets CONNS×STREAMS connections)
set -u
BIN=${1:-.build/release/hkt-serve}
DURATION=${DURATION:-10}
CONNS=${CONNS:-4}
STREAMS=${STREAMS:-25}
CONC=$((CONNS * STREAMS))
log() { echo "[bench-h2] $*" >&2; }
[ -x "$BIN" ] || { log "$BIN not found (swift build -c release)"; exit 1; }
for t in h2load wrk curl python3; do command -v $t >/dev/null || { log "missing $t (apt nghttp2-client wrk curl python3)"; exit 1; }; done
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

P=$(port)
"$BIN" serve --host 127.0.0.1 --port "$P" --no-model --log-level warning >"$TMP/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$P/healthz" && break; sleep 0.1; done
URL="http://127.0.0.1:$P/healthz"

h2run() {  # URL -> "req/s errors"
  h2load -D "$DURATION" -c "$CONNS" -m "$STREAMS" "$1" >"$TMP/h2.txt" 2>&1
  local rps; rps=$(awk '/^finished in/ {gsub(",",""); for (i=1;i<=NF;i++) if ($i ~ /req\/s/) print $(i-1)}' "$TMP/h2.txt")
  local bad; bad=$(awk '/^requests:/ {gsub(",",""); for (i=1;i<=NF;i++) if ($i=="failed" || $i=="errored") s+=$(i-1)} END {print s+0}' "$TMP/h2.txt")
  echo "${rps:-?} $bad"
}

log "h2c  h2load -c $CONNS -m $STREAMS ($CONC streams) ${DURATION}s  $URL"
read -r H2RPS H2BAD < <(h2run "$URL")
log "http/1.1  wrk -c $CONC -t 2 ${DURATION}s  $URL"
wrk -t 2 -c "$CONC" -d "${DURATION}s" --latency "$URL" >"$TMP/wrk.txt" 2>&1
H1RPS=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/wrk.txt")
H1ERR=$(awk '/Socket errors|Non-2xx/ {print}' "$TMP/wrk.txt" | tr '\n' ' ')

printf '%-34s %12s %s\n' "server / protocol" "req/s" "errors"
printf '%-34s %12s %s\n' "hkt-serve h2c ($CONC streams)" "$H2RPS" "$H2BAD"
printf '%-34s %12s %s\n' "hkt-serve HTTP/1.1 ($CONC conns)" "$H1RPS" "${H1ERR:-0}"

if command -v nghttpd >/dev/null; then
  NP=$(port)
  mkdir -p "$TMP/www"; printf '{"status":"ok"}' >"$TMP/www/healthz"
  nghttpd --no-tls -d "$TMP/www" "$NP" >"$TMP/nghttpd.log" 2>&1 &
  PIDS+=($!)
  sleep 0.5
  read -r NRPS NBAD < <(h2run "http://127.0.0.1:$NP/healthz")
  printf '%-34s %12s %s\n' "nghttpd static file h2c" "$NRPS" "$NBAD"
else
  log "nghttpd not installed (apt nghttp2-server): peer comparison skipped"
fi
