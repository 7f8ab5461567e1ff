#!/usr/bin/env bash
# Last leg on the shared CPU (takes over from run_rest.sh once the real CPU share was known):
# wait for the running metal student, export it, train washer, then a short HKT+ fabric run with a
# random PDN-medium teacher (10 min of CPU distillation of PDN-small learned nothing, so the medium
# distillation was dropped), then goldens for the final fabric weights.
set -u
cd "$(dirname "$0")/.."
DATA=${DATA:-/work/shared/datasets/synthetic-industrial}
R=training/runs
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2
log() { echo "[$(date -u +%H:%M:%S)] $*"; }
export_one() { # name category
  python3 -m training.export "$R/$1.pt" "weights/$1.safetensors" --image "$DATA/$2/test/good/000.png" >> "$R/$1.log" 2>&1 \
    && chmod 644 "weights/$1.safetensors" && log "exported weights/$1.safetensors: $(grep '^metrics' $R/$1.log)" \
    || log "FAILED export $1"
}
if [[ -n "${WAIT_PID:-}" ]]; then while kill -0 "$WAIT_PID" 2>/dev/null; do sleep 5; done; fi
export_one hkt-metal metal
log "train hkt-washer (11 min)"
python3 -m training.train --data "$DATA" --category washer --arch hkt --iterations 50000 --minutes 11 \
  --device cpu --teacher $R/teacher_small.pt --out $R/hkt-washer.pt > $R/hkt-washer.log 2>&1 && export_one hkt-washer washer
log "train hkt+-fabric (5 min, random teacher, 40 train images, every 4th test image)"
python3 -m training.train --data "$DATA" --category fabric --arch hkt+ --iterations 50000 --minutes 5 \
  --device cpu --max-train 40 --stats-images 20 --eval-every 4 --out $R/hkt+-fabric.pt > $R/hkt+-fabric.log 2>&1 \
  && export_one hkt+-fabric fabric
python3 -m training.make_goldens --no-preprocess weights/hkt-fabric.safetensors weights/hkt+-fabric.safetensors >> $R/goldens.log 2>&1 \
  && chmod 644 Tests/Fixtures/model/* && log "goldens written" || log "FAILED goldens"
log "done"
