#!/usr/bin/env bash
# Full CPU training driver (wall-clock budgets). Run from the repo root:
#   nohup nice -n 10 bash training/run_all.sh > training/runs/run_all.log 2>&1 &
# Each model is exported to weights/ right after it finishes.
set -u
cd "$(dirname "$0")/.."
DATA=${DATA:-/work/shared/datasets/synthetic-industrial}
R=training/runs
LR=${LR:-1e-4}
T_SMALL=${T_SMALL:-10}; T_MED=${T_MED:-7}; S_HKT=${S_HKT:-12}; S_PLUS=${S_PLUS:-9}
PLUS_CUTOFF=${PLUS_CUTOFF:-21:25}   # start HKT+ metal only before this UTC time
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2
log() { echo "[$(date -u +%H:%M:%S)] $*"; }

train_export() { # arch category minutes teacher
  local arch=$1 cat=$2 min=$3 teacher=$4 name="$1-$2"
  log "train $name ($min min)"
  python3 -m training.train --data "$DATA" --category "$cat" --arch "$arch" --iterations 50000 \
    --minutes "$min" --device cpu --lr "$LR" --teacher "$teacher" --out "$R/$name.pt" > "$R/$name.log" 2>&1 \
    && python3 -m training.export "$R/$name.pt" "weights/$name.safetensors" >> "$R/$name.log" 2>&1 \
    && log "exported weights/$name.safetensors" || log "FAILED $name (see $R/$name.log)"
}

log "teacher small"
python3 -m training.pretrain_teacher --arch hkt --minutes "$T_SMALL" --out $R/teacher_small.pt > $R/teacher_small.log 2>&1 || log "FAILED teacher small"
for c in fabric metal washer; do train_export hkt "$c" "$S_HKT" $R/teacher_small.pt; done
log "teacher medium"
python3 -m training.pretrain_teacher --arch hkt+ --minutes "$T_MED" --out $R/teacher_medium.pt > $R/teacher_medium.log 2>&1 || log "FAILED teacher medium"
train_export hkt+ fabric "$S_PLUS" $R/teacher_medium.pt
if [[ "$(date -u +%H:%M)" < "$PLUS_CUTOFF" ]]; then train_export hkt+ metal "$S_PLUS" $R/teacher_medium.pt; else log "skip hkt+ metal (past $PLUS_CUTOFF)"; fi
log "done"
