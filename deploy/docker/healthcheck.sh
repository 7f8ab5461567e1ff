#!/bin/bash
# Container HEALTHCHECK for hkt-serve without curl in the image: one HTTP/1.1 GET /healthz over
# bash's /dev/tcp, healthy only on a "200" status line. Port from HKT_PORT (default 8080).
# Exit 0 healthy, 1 unhealthy (Docker's contract).
set -u
port=${HKT_PORT:-8080}
path=${1:-/healthz}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: hkt-healthcheck\r\nConnection: close\r\n\r\n' "$path" >&3 || exit 1
IFS= read -r -t 2 status <&3 || exit 1
exec 3>&-
case $status in
  "HTTP/1.1 200 "*|"HTTP/1.0 200 "*) exit 0 ;;
  *) echo "unhealthy: ${status%$'\r'}" >&2; exit 1 ;;
esac
