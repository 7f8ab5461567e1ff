#!/usr/bin/env bash
# benchmarks/http.sh — GET /healthz throughput of our server vs nginx, measured in one run.
#
# usage: bash benchmarks/http.sh [--url URL] [--bin CMD...]
#   --url URL   measure an already-running server at URL (e.g. http://127.0.0.1:18080/healthz)
#   default     start `.build/release/hkt-serve serve --port 18080 --no-model` (must exist)
# env: DURATION=10s  CONNS="1 64 512"  NGX_PORT=18083  BIG_CONNS=1000
# Prints, per connection count, req/s and p99 for both servers and the ratio ours/nginx, then a
# 1,000-connection keep-alive run that must show zero socket errors and zero non-2xx answers.
set -u
DURATION=${DURATION:-10s}
CONNS=${CONNS:-"1 64 512"}
NGX_PORT=${NGX_PORT:-18083}
BIG_CONNS=${BIG_CONNS:-1000}
WORK=${WORK:-/tmp/hkt-bench-http}
URL=""
while [ $# -gt 0 ]; do
  case $1 in
    --url) URL=$2; shift 2 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT INT TERM
log() { echo "[bench-http] $*" >&2; }

# ---- tools
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then log "missing: ${need[*]} (run as root or: sudo apt-get install ${need[*]})"; exit 1; fi
  log "apt-get install ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >"$WORK/apt.log" 2>&1 || { log "apt failed: $WORK/apt.log"; exit 1; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
log "ulimit -n $(ulimit -n)"

wait_ready() { for _ in $(seq 1 100); do [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1")" = 200 ] && return 0; sleep 0.1; done; return 1; }

# ---- our server
if [ -z "$URL" ]; then
  BIN=.build/release/hkt-serve
  [ -x "$BIN" ] || { log "$BIN not built (swift build -c release) and no --url given"; exit 1; }
  "$BIN" serve --port 18080 --no-model >"$WORK/ours.log" 2>&1 &
  PIDS+=($!)
  URL=http://127.0.0.1:18080/healthz
fi
wait_ready "$URL" || { log "our server at $URL is not answering 200"; exit 1; }

# ---- nginx peer: the same tiny JSON answer
cat >"$WORK/nginx/nginx.conf" <<NGX
worker_processes auto;
worker_rlimit_nofile 65536;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 65;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$NGX_PORT;
    location = /healthz { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
NGX
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)
NGX_URL=http://127.0.0.1:$NGX_PORT/healthz
wait_ready "$NGX_URL" || { log "nginx did not start (see $WORK/nginx.log)"; exit 1; }

# wrk -> "req/s p99 sockerr non2xx"
measure() { # url conns
  local t=2; [ "$2" -lt 2 ] && t=1
  local out; out=$(wrk -t$t -c"$2" -d"$DURATION" --latency "$1" 2>&1)
  local rps p99 se n2
  rps=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  se=$(awk '/Socket errors:/{gsub(",","");print $4+$6+$8+$10}' <<<"$out")
  n2=$(awk '/Non-2xx/{print $NF}' <<<"$out")
  echo "${rps:-0} ${p99:--} ${se:-0} ${n2:-0}"
}

echo "# bench-http $(date -u +%FT%TZ) cores=$(nproc) load1=$(cut -d' ' -f1 /proc/loadavg) duration=$DURATION"
echo "# ours=$URL  nginx=$("$NGINX" -v 2>&1 | sed 's/.*: //')"
printf '%-6s %12s %9s %12s %9s %8s\n' conns ours_req/s ours_p99 nginx_req/s ngx_p99 ratio
for c in $CONNS; do
  read -r o_rps o_p99 o_se o_n2 <<<"$(measure "$URL" "$c")"
  read -r n_rps n_p99 n_se n_n2 <<<"$(measure "$NGX_URL" "$c")"
  ratio=$(awk -v a="$o_rps" -v b="$n_rps" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "-" }')
  printf '%-6s %12s %9s %12s %9s %8s\n' "$c" "$o_rps" "$o_p99" "$n_rps" "$n_p99" "$ratio"
  [ "$o_se" != 0 ] || [ "$o_n2" != 0 ] && echo "  ours: socket errors $o_se, non-2xx $o_n2"
done

echo "# $BIG_CONNS keep-alive connections, $DURATION"
read -r b_rps b_p99 b_se b_n2 <<<"$(measure "$URL" "$BIG_CONNS")"
echo "ours c=$BIG_CONNS: $b_rps req/s, p99 $b_p99, socket errors $b_se, non-2xx $b_n2"
if [ "$b_se" = 0 ] && [ "$b_n2" = 0 ] && [ "$b_rps" != 0 ]; then echo "PASS: zero errors at $BIG_CONNS connections"; else echo "FAIL: errors at $BIG_CONNS connections"; exit 1; fi
