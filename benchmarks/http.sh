#!/usr/bin/env bash
# benchmarks/http.sh — GET /healthz throughput of our server vs nginx, measured in one run.
#
# usage: bash benchmarks/http.sh [--url URL] [--bin CMD...]
#   --url URL   measure an already-running server at URL (e.g. http://127.0.0.1:18080/healthz)
#   default     start `$BIN serve --port 18080 --no-model` (BIN=.build/release/hkt-serve, must exist)
# env: DURATION=10s  CONNS="1 64 512"  NGX_PORT=18083  BIG_CONNS=1000
# Prints, per connection count, req/s and p99 for both servers and the ratio ours/nginx, plus
# requests per server-CPU-second (robust when other load shares the cores), then a
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
  BIN=${BIN:-.build/release/hkt-serve}
  [ -x "$BIN" ] || { log "$BIN not built (swift build -c release) and no --url given"; exit 1; }
  # Access log off, as for nginx (access_log off); HKT_LOG_LEVEL=info measures with it.
  HKT_LOG_LEVEL=${HKT_LOG_LEVEL:-warning} "$BIN" serve --host 127.0.0.1 --port 18080 --no-model >"$WORK/ours.log" 2>&1 &
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

# pid listening on the URL's port (for CPU accounting)
port_of() { local p=${1#*://}; p=${p%%/*}; echo "${p##*:}"; }
pid_of_port() { ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
cpu_ticks() { # pid -> utime+stime of pid and its children (nginx workers)
  local total=0 p
  for p in $1 $(pgrep -P "$1" 2>/dev/null); do
    [ -r /proc/$p/stat ] && total=$(( total + $(sed 's/^.*) //' /proc/$p/stat | awk '{print $12 + $13}') ))
  done
  echo "$total"
}
HZ=$(getconf CLK_TCK)

# wrk -> "req/s p99 sockerr non2xx req-per-cpu-second"
measure() { # url conns pid
  local t=2; [ "$2" -lt 2 ] && t=1
  local c0=0 c1=0; [ -n "$3" ] && c0=$(cpu_ticks "$3")
  local out; out=$(wrk -t$t -c"$2" -d"$DURATION" --latency "$1" 2>&1)
  [ -n "$3" ] && c1=$(cpu_ticks "$3")
  local rps p99 se n2 total rpc
  rps=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  se=$(awk '/Socket errors:/{gsub(",","");print $4+$6+$8+$10}' <<<"$out")
  n2=$(awk '/Non-2xx/{print $NF}' <<<"$out")
  total=$(awk '/requests in/{print $1}' <<<"$out")
  rpc=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" -v n="${total:-0}" 'BEGIN{ s=(b-a)/hz; if (s>0) printf "%.0f", n/s; else print "-" }')
  echo "${rps:-0} ${p99:--} ${se:-0} ${n2:-0} $rpc"
}

OURS_PID=$(pid_of_port "$(port_of "$URL")")
NGX_PID=$(cat "$WORK/nginx/nginx.pid" 2>/dev/null)
echo "# bench-http $(date -u +%FT%TZ) cores=$(nproc) load1=$(cut -d' ' -f1 /proc/loadavg) duration=$DURATION"
echo "# ours=$URL (pid ${OURS_PID:-?})  nginx=$("$NGINX" -v 2>&1 | sed 's/.*: //') (pid ${NGX_PID:-?})"
printf '%-6s %12s %9s %12s %9s %7s %12s %12s %7s\n' conns ours_req/s ours_p99 nginx_req/s ngx_p99 ratio ours_req/cpus ngx_req/cpus ratio
for c in $CONNS; do
  read -r o_rps o_p99 o_se o_n2 o_rpc <<<"$(measure "$URL" "$c" "$OURS_PID")"
  read -r n_rps n_p99 n_se n_n2 n_rpc <<<"$(measure "$NGX_URL" "$c" "$NGX_PID")"
  ratio=$(awk -v a="$o_rps" -v b="$n_rps" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "-" }')
  cratio=$(awk -v a="$o_rpc" -v b="$n_rpc" 'BEGIN{ if (b+0>0 && a+0>0) printf "%.2f", a/b; else print "-" }')
  printf '%-6s %12s %9s %12s %9s %7s %12s %12s %7s\n' "$c" "$o_rps" "$o_p99" "$n_rps" "$n_p99" "$ratio" "$o_rpc" "$n_rpc" "$cratio"
  if [ "$o_se" != 0 ] || [ "$o_n2" != 0 ]; then echo "  ours: socket errors $o_se, non-2xx $o_n2"; fi
done

echo "# $BIG_CONNS keep-alive connections, $DURATION"
read -r b_rps b_p99 b_se b_n2 b_rpc <<<"$(measure "$URL" "$BIG_CONNS" "$OURS_PID")"
echo "ours c=$BIG_CONNS: $b_rps req/s, p99 $b_p99, socket errors $b_se, non-2xx $b_n2"
if [ "$b_se" = 0 ] && [ "$b_n2" = 0 ] && [ "$b_rps" != 0 ]; then echo "PASS: zero errors at $BIG_CONNS connections"; else echo "FAIL: errors at $BIG_CONNS connections"; exit 1; fi
