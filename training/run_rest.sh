#!/usr/bin/env bash
# Continuation driver used on the shared 2-core machine (replaced run_all.sh's tail once the real
# CPU share was known): students + HKT+ with trimmed budgets. Waits for a running teacher first.
set -u
cd "$(dirname "$0")/.."
DATA=${DATA:-/work/shared/datasets/synthetic-industrial}
R=training/runs
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2
log() { echo "[$(date -u +%H:%M:%S)] $*"; }
WAIT_PID=${WAIT_PID:-}
if [[ -n "$WAIT_PID" ]]; then while kill -0 "$WAIT_PID" 2>/dev/null; do sleep 5; done; fi
log "teacher small: $(tail -1 $R/teacher_small.log)"

train_export() { # arch category minutes teacher extra-args...
  local arch=$1 cat=$2 min=$3 teacher=$4 name="$1-$2"; shift 4
  log "train $name ($min min) $*"
  python3 -m training.train --data "$DATA" --category "$cat" --arch "$arch" --iterations 50000 \
    --minutes "$min" --device cpu --teacher "$teacher" --out "$R/$name.pt" "$@" > "$R/$name.log" 2>&1 \
    && python3 -m training.export "$R/$name.pt" "weights/$name.safetensors" \
         --image "$DATA/$cat/test/good/000.png" >> "$R/$name.log" 2>&1 \
    && chmod 644 "weights/$name.safetensors" \
    && log "exported weights/$name.safetensors: $(grep '^metrics' $R/$name.log)" || log "FAILED $name (see $R/$name.log)"
}
for c in fabric metal washer; do train_export hkt "$c" 11 $R/teacher_small.pt; done
log "teacher medium"
python3 -m training.pretrain_teacher --arch hkt+ --minutes 5 --batch 4 --out $R/teacher_medium.pt > $R/teacher_medium.log 2>&1 || log "FAILED teacher medium"
train_export hkt+ fabric 8 $R/teacher_medium.pt --max-train 40 --eval-every 2
log "done"
