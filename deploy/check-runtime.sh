#!/usr/bin/env bash
# Proves that the runtime stage of deploy/Dockerfile holds every shared library hkt-serve needs,
# without a Docker engine:
#   1. builds the binary exactly as the Dockerfile does (release, --static-swift-stdlib), or takes
#      --bin PATH;
#   2. maps each library `ldd` names to its Debian package (dpkg -S) and compares that set with the
#      runtime stage's `apt-get install` list (plus the packages those pull in as dependencies);
#   3. assembles a root file system holding only the binary, the weights, glibc/libgcc (what
#      debian:bookworm-slim always has) and the libraries ldd named, and runs the server in it:
#      chroot + new PID and mount namespaces, so hkt-serve is PID 1 as in a container, as an
#      unprivileged user, with procfs mounted subset=pid (systemd's ProcSubset=pid);
#   4. sends /healthz, the image's HEALTHCHECK script, /readyz, /metrics, a 404, and PNG and JPEG
#      predicts (when weights exist), measures RSS and CPU, then SIGTERMs PID 1 with a request in
#      flight and expects that request to finish and the process to exit 0.
# Usage: deploy/check-runtime.sh [--bin PATH] [--weights DIR] [--predicts N] [--no-build] [--libs-only]
#   --libs-only stops after step 2 (seconds); HKT_DOCKERFILE names another Dockerfile to compare.
# Exit status: 0 when every check passed. Needs root for chroot/unshare; without it, falls back
# to the dynamic loader's --library-path (a weaker proof: said so in the output).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

BIN=""
WEIGHTS=${HKT_CHECK_WEIGHTS:-weights}
PREDICTS=${HKT_CHECK_PREDICTS:-8}
SCRATCH=${HKT_DEPLOY_SCRATCH:-.build-deploy}
DOCKERFILE=${HKT_DOCKERFILE:-deploy/Dockerfile}
LIBS_ONLY=no
while [ $# -gt 0 ]; do
  case $1 in
    --bin) BIN=$2; shift 2 ;;
    --weights) WEIGHTS=$2; shift 2 ;;
    --predicts) PREDICTS=$2; shift 2 ;;
    --no-build) BIN=${BIN:-$SCRATCH/release/hkt-serve}; shift ;;
    --libs-only) LIBS_ONLY=yes; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "check-runtime: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

pass=0; fail=0
ok() { pass=$((pass + 1)); echo "  ok    $1"; }
bad() { fail=$((fail + 1)); echo "  FAIL  $1"; }
note() { echo "  info  $1"; }

TMP=$(mktemp -d /tmp/hkt-check-runtime.XXXXXX)
NS_PID=""
cleanup() {
  if [ -n "$NS_PID" ] && kill -0 "$NS_PID" 2>/dev/null; then kill -KILL "$NS_PID" 2>/dev/null; fi
  umount "$TMP/root/proc" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

# ---- 1. the binary --------------------------------------------------------------------------
if [ -z "$BIN" ]; then
  echo "== building as deploy/Dockerfile does: swift build -c release --static-swift-stdlib (scratch $SCRATCH)"
  if ! swift build -c release --static-swift-stdlib --product hkt-serve --scratch-path "$SCRATCH" >"$TMP/build.log" 2>&1; then
    tail -30 "$TMP/build.log"; bad "release build"; echo "deploy-runtime: $pass passed, $fail failed"; exit 1
  fi
  BIN=$SCRATCH/release/hkt-serve
fi
[ -x "$BIN" ] || { echo "check-runtime: no executable at '$BIN'"; exit 2; }
echo "== binary: $BIN ($(($(stat -c %s "$BIN") / 1048576)) MiB)"

# ---- 2. libraries → Debian packages, against the Dockerfile ----------------------------------
# glibc and libgcc are in every Debian image (libc6 is required, libgcc-s1 is its dependency);
# the dynamic loader comes with libc6.
BASE_PKGS="libc6 libgcc-s1"
# owner PATH → the Debian package owning it ('' if none). One dpkg -S call for every candidate
# spelling (merged /usr, alternatives symlinks), since dpkg is slow to start.
: >"$TMP/ldd"
while read -r line; do
  # "libfoo.so.1 => /path/libfoo.so.1 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
  case $line in
    *"=> not found"*) bad "ldd: ${line%% *} not found on this machine"; continue ;;
    *"=>"*) soname=${line%% *}; path=$(echo "$line" | awk '{print $3}') ;;
    /*) path=${line%% *}; soname=$(basename "$path") ;;
    *) continue ;;  # linux-vdso
  esac
  [ -n "$path" ] && echo "$soname $path" >>"$TMP/ldd"
done < <(ldd "$BIN")
candidates() { local p=$1 real; real=$(readlink -f "$p"); printf '%s\n' "$real" "${real#/usr}" "$p" "/usr$p" "${p#/usr}"; }
while read -r _ path; do candidates "$path"; done <"$TMP/ldd" | sort -u >"$TMP/cands"
# shellcheck disable=SC2046
dpkg -S $(cat "$TMP/cands") 2>/dev/null | sed 's/^\([^:]*\):[^:]*: /\1 /; s/^\([^:]*\): /\1 /' >"$TMP/owners"
owner() { local c; for c in $(candidates "$1"); do awk -v f="$c" '$2 == f {print $1; exit}' "$TMP/owners" | grep . && return; done; }
: >"$TMP/libs"
while read -r soname path; do echo "$soname $path $(owner "$path")" >>"$TMP/libs"; done <"$TMP/ldd"

if grep -q 'libswift\|libFoundation\|libdispatch\|libBlocksRuntime' "$TMP/libs"; then
  note "this binary links the Swift runtime dynamically; the Dockerfile uses --static-swift-stdlib, so only the Debian libraries below are compared"
  grep 'libswift\|libFoundation\|libdispatch\|libBlocksRuntime\|lib_Foundation\|libicu' "$TMP/libs" | awk '{print "        swift runtime: " $1}'
fi
# Dockerfile runtime stage: the packages after "apt-get install" in the stage FROM ${RUNTIME_IMAGE}.
APT=$(awk '/^FROM \$\{RUNTIME_IMAGE\}/{s=1} s&&/^FROM /&&!/RUNTIME_IMAGE/{s=0} s' "$DOCKERFILE" \
  | tr '\\' ' ' | tr '\n' ' ' | sed 's/.*apt-get install//; s/&&.*//' | tr ' ' '\n' | grep -v '^-' | grep -v '^$' | sort -u)
[ -n "$APT" ] || bad "no apt-get install list found in the runtime stage of $DOCKERFILE"
echo "== Dockerfile runtime apt list: $(echo "$APT" | tr '\n' ' ')"
# Closure of the apt list over installed Depends/Pre-Depends (what apt would pull in), offline.
closure() {
  local todo="$*" seen=" " p deps
  while [ -n "$todo" ]; do
    set -- $todo; p=$1; shift; todo="$*"
    case "$seen" in *" $p "*) continue ;; esac
    seen="$seen$p "
    deps=$(dpkg-query -W -f='${Depends}, ${Pre-Depends}' "$p" 2>/dev/null \
      | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/ //g' | grep -v '^$')
    todo="$todo $deps"
  done
  echo "$seen" | tr ' ' '\n' | grep -v '^$' | sort -u
}
CLOSURE=$(closure $APT $BASE_PKGS)
missing=""; needed=""
while read -r soname path pkg; do
  if [ -z "$pkg" ]; then
    case $path in
      */swift/*|*/swift-*) continue ;;  # toolchain library of a dynamic build (see above)
      *) bad "$soname ($path) belongs to no Debian package"; continue ;;
    esac
  fi
  base=no; for b in $BASE_PKGS; do [ "$pkg" = "$b" ] && base=yes; done
  if [ $base = yes ]; then echo "        $soname ← $pkg (base image)"; continue; fi
  needed="$needed $pkg"
  if echo "$APT" | grep -qx "$pkg"; then echo "        $soname ← $pkg (apt list)"
  elif echo "$CLOSURE" | grep -qx "$pkg"; then echo "        $soname ← $pkg (dependency of the apt list)"
  else missing="$missing $pkg"; echo "        $soname ← $pkg MISSING"
  fi
done <"$TMP/libs"
if [ -z "$missing" ]; then ok "every library ldd names is in the runtime image (apt list, its dependencies, or base)"
else bad "packages missing from the Dockerfile's runtime apt list:$missing"; fi
# And nothing extra: each apt-list package provides a library the binary loads.
extra=""
for p in $APT; do echo "$needed" | tr ' ' '\n' | grep -qx "$p" || extra="$extra $p"; done
if [ -z "$extra" ]; then ok "no package in the runtime apt list is unused"
else bad "runtime apt list has packages no library needs:$extra"; fi

if [ $LIBS_ONLY = yes ]; then echo "deploy-runtime: $pass passed, $fail failed"; [ $fail = 0 ]; exit; fi

# ---- 3. assemble a minimal root and run the server in it -------------------------------------
R=$TMP/root
mkdir -p "$R/usr/local/bin" "$R/lib64" "$R/lib/x86_64-linux-gnu" "$R/opt/hkt-serve/weights" "$R/proc" "$R/tmp" "$R/dev" "$R/etc"
cp "$BIN" "$R/usr/local/bin/hkt-serve"
while read -r soname path pkg; do
  case $path in
    /lib64/*) cp -L "$path" "$R/lib64/$soname" ;;
    *) cp -L "$path" "$R/lib/x86_64-linux-gnu/$soname" ;;
  esac
done <"$TMP/libs"
have_weights=no
if ls "$WEIGHTS"/*.safetensors >/dev/null 2>&1; then
  cp "$WEIGHTS"/*.safetensors "$R/opt/hkt-serve/weights/"
  [ -f "$WEIGHTS/DEFAULT" ] && cp "$WEIGHTS/DEFAULT" "$R/opt/hkt-serve/weights/"
  have_weights=yes
fi
chmod -R a+rX "$R"
echo "== assembled root: $(find "$R/lib" "$R/lib64" -type f | wc -l) libraries, weights: $have_weights ($(du -sh "$R" | cut -f1) in all)"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
URL=http://127.0.0.1:$PORT
SERVE_ARGS=(serve --host 127.0.0.1 --port "$PORT" --drain-seconds 10 --log-format json)
if [ $have_weights = yes ]; then SERVE_ARGS+=(--weights /opt/hkt-serve/weights); else SERVE_ARGS+=(--no-model); fi

MODE=chroot
if [ "$(id -u)" -ne 0 ] || ! unshare --mount --pid --fork true 2>/dev/null; then MODE=loader; fi
if [ $MODE = chroot ]; then
  echo "== running as PID 1 in a chroot of that root (uid 65534, procfs subset=pid)"
  # sh mounts /proc, then execs chroot, which execs hkt-serve: hkt-serve ends up as PID 1.
  unshare --mount --pid --fork --kill-child sh -c '
    mount -t proc -o subset=pid,hidepid=invisible proc "$1/proc" 2>/dev/null || mount -t proc proc "$1/proc" || exit 97
    root=$1; shift
    exec chroot --userspec=65534:65534 "$root" /usr/local/bin/hkt-serve "$@"' sh "$R" "${SERVE_ARGS[@]}" \
    >"$TMP/server.log" 2>&1 &
  NS_PID=$!
else
  echo "== not root or no namespaces: running through the dynamic loader with --library-path (weaker: default paths stay visible)"
  /lib64/ld-linux-x86-64.so.2 --inhibit-cache --library-path "$R/lib/x86_64-linux-gnu" "$R/usr/local/bin/hkt-serve" \
    "${SERVE_ARGS[@]/\/opt\/hkt-serve\/weights/$R/opt/hkt-serve/weights}" >"$TMP/server.log" 2>&1 &
  NS_PID=$!
fi
# The server's host PID: the namespace's PID 1 is the child of unshare.
SERVER_PID=$NS_PID
up=no
for _ in $(seq 1 600); do
  if [ $MODE = chroot ] && [ "$SERVER_PID" = "$NS_PID" ]; then
    c=$(ps -o pid= --ppid "$NS_PID" 2>/dev/null | tr -d ' ' | head -1); [ -n "$c" ] && SERVER_PID=$c
  fi
  curl -sf -o /dev/null "$URL/healthz" 2>/dev/null && { up=yes; break; }
  kill -0 "$NS_PID" 2>/dev/null || break
  sleep 0.1
done
if [ $up = no ]; then
  bad "server did not start from the assembled root"; cat "$TMP/server.log"
  echo "deploy-runtime: $pass passed, $fail failed"; exit 1
fi
ok "server starts from the assembled root and answers GET /healthz"
if [ $MODE = chroot ]; then
  nspid=$(awk '/^NSpid:/ {print $NF}' "/proc/$SERVER_PID/status" 2>/dev/null)
  if [ "$nspid" = 1 ]; then ok "hkt-serve is PID 1 in its PID namespace (as in a container)"; else bad "hkt-serve is PID '$nspid' in its namespace, not 1"; fi
  # Every mapped shared object must come from the assembled root, none from the host.
  # (the host sees the chrooted process's mappings under the root's host path)
  mapped=$(awk '$6 ~ /\.so/ {print $6}' "/proc/$SERVER_PID/maps" | sort -u)
  host_libs=$(echo "$mapped" | grep -v "^$R/" || true)
  if [ -z "$host_libs" ]; then ok "all $(echo "$mapped" | wc -l) mapped shared objects come from the assembled root"
  else bad "libraries mapped from outside the root: $host_libs"; fi
fi

code() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
if HKT_PORT=$PORT bash deploy/docker/healthcheck.sh /healthz; then ok "HEALTHCHECK script (deploy/docker/healthcheck.sh) reports healthy"
else bad "HEALTHCHECK script reports unhealthy"; fi
if ! HKT_PORT=$PORT bash deploy/docker/healthcheck.sh /no-such-route 2>/dev/null; then ok "HEALTHCHECK script fails on a non-200 answer"
else bad "HEALTHCHECK script accepted a 404"; fi
[ "$(code "$URL/nope")" = 404 ] && ok "GET /nope → 404" || bad "GET /nope did not answer 404"

if [ $have_weights = yes ]; then
  for _ in $(seq 1 300); do [ "$(code "$URL/readyz")" = 200 ] && break; sleep 0.1; done
  [ "$(code "$URL/readyz")" = 200 ] && ok "GET /readyz → 200 with the weights loaded" || bad "GET /readyz not 200: $(cat "$TMP/body")"
  python3 - "$TMP" <<'PY'
import sys, zlib, struct, random
d = sys.argv[1]; w = h = 320; random.seed(7)
rows = b"".join(b"\x00" + bytes((x * 3 + y + random.randrange(16)) & 255 for x in range(w) for _ in range(3)) for y in range(h))
chunk = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
open(f"{d}/frame.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                                   + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
try:
    from PIL import Image
    Image.open(f"{d}/frame.png").save(f"{d}/frame.jpg", quality=90)
except Exception:
    pass
PY
  s=$(code -X POST --data-binary @"$TMP/frame.png" -H 'Content-Type: image/png' "$URL/v1/predict")
  if [ "$s" = 200 ] && grep -q '"score"' "$TMP/body"; then ok "PNG predict → 200 with a score (libpng, OpenBLAS, zlib loaded)"
  else bad "PNG predict → $s: $(head -c 300 "$TMP/body")"; fi
  if [ -f "$TMP/frame.jpg" ]; then
    s=$(code -X POST --data-binary @"$TMP/frame.jpg" -H 'Content-Type: image/jpeg' "$URL/v1/predict")
    if [ "$s" = 200 ] && grep -q '"score"' "$TMP/body"; then ok "JPEG predict → 200 with a score (libjpeg-turbo loaded)"
    else bad "JPEG predict → $s: $(head -c 300 "$TMP/body")"; fi
  else note "no PIL to make a JPEG; JPEG predict skipped (libjpeg is still loaded at start-up)"; fi
  # Sizing figures: RSS after start, peak RSS and CPU per predict over a few requests.
  rss_start=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
  cpu0=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat")
  t0=$(date +%s%N)
  okc=0
  for _ in $(seq 1 "$PREDICTS"); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: image/png' --data-binary @"$TMP/frame.png" "$URL/v1/predict")" = 200 ] && okc=$((okc + 1))
  done
  t1=$(date +%s%N)
  cpu1=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat")
  # Four at once: the queue and concurrent inference share the cores (ComputeBudget).
  pids=()
  for _ in 1 2 3 4; do curl -s -o /dev/null -H 'Content-Type: image/png' --data-binary @"$TMP/frame.png" "$URL/v1/predict" & pids+=($!); done
  wait "${pids[@]}"
  [ "$okc" = "$PREDICTS" ] && ok "$PREDICTS sequential predicts → 200" || bad "only $okc of $PREDICTS sequential predicts → 200"
  rss_end=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
  tck=$(getconf CLK_TCK)
  echo "  measure RSS after start+2 predicts $((rss_start / 1024)) MiB, after $((PREDICTS + 4)) more $((rss_end / 1024)) MiB, peak (VmHWM) $((hwm / 1024)) MiB;" \
       "wall $(( (t1 - t0) / 1000000 / PREDICTS )) ms and CPU $(( (cpu1 - cpu0) * 1000 / tck / PREDICTS )) ms per sequential 320×320 PNG predict on $(nproc) cores"
  echo "$((hwm / 1024)) $(( (t1 - t0) / 1000000 / PREDICTS )) $(( (cpu1 - cpu0) * 1000 / tck / PREDICTS ))" >"${HKT_CHECK_MEASURE_OUT:-/dev/null}"
fi
s=$(code "$URL/metrics")
if [ "$s" = 200 ] && grep -q '^process_resident_memory_bytes [1-9]' "$TMP/body"; then
  ok "GET /metrics → 200, process_resident_memory_bytes read from /proc inside the sandbox"
else bad "GET /metrics → $s or process_resident_memory_bytes is 0/missing"; fi

# ---- 4. SIGTERM to PID 1 with a request in flight ---------------------------------------------
if [ $have_weights = yes ]; then
  curl -s -o "$TMP/inflight" -w '%{http_code}' -H 'Content-Type: image/png' --data-binary @"$TMP/frame.png" "$URL/v1/predict" >"$TMP/inflight.code" &
  CURL=$!
  # SIGTERM only once the server holds the request (an inference takes ~0.3–2 s here).
  for _ in $(seq 1 100); do
    curl -s "$URL/metrics" | grep -Eq '^hkt_(inflight_requests|queue_depth) [1-9]' && break
    sleep 0.02
  done
fi
t0=$(date +%s%N)
kill -TERM "$SERVER_PID"
wait "$NS_PID"; rc=$?
t1=$(date +%s%N)
NS_PID=""
if [ $rc = 0 ]; then ok "SIGTERM to PID 1 → exit 0 after $(( (t1 - t0) / 1000000 )) ms (drain deadline 10 s)"
else bad "SIGTERM → exit status $rc"; tail -5 "$TMP/server.log"; fi
if [ $have_weights = yes ]; then
  wait "$CURL"
  if [ "$(cat "$TMP/inflight.code")" = 200 ]; then ok "the request in flight at SIGTERM finished with 200"
  else bad "the request in flight at SIGTERM got '$(cat "$TMP/inflight.code")'"; fi
fi
grep -q draining "$TMP/server.log" && ok "the server logged its drain" || bad "no 'draining' line in the server log"

echo "deploy-runtime: $pass passed, $fail failed"
[ $fail = 0 ]
