#!/usr/bin/env bash
# The GPU variant of train.sh, for a leased machine that has PyTorch but no Rust: the
# dataset program is built here (`cargo build --release -p hawiya-pipeline --example
# card_dataset`, stripped) and carried with the synth fonts in .cardcarry/. Rendering is
# time-bounded (the dataset keeps the contiguous prefix of scenes finished in time, so a
# set of the reported length is reproducible anywhere), then training is time-bounded.
#
#   OUT=/some/dir RENDER_S=180 TRAIN_MIN=5 training/card_locator/device_run.sh
set -uo pipefail
OUT=${OUT:-/tmp/card_out}
PY=${PYTHON:-python3}
BIN=${CARD_DATASET_BIN:-.cardcarry/card_dataset}
export HAWIYA_FONT_DIR=${HAWIYA_FONT_DIR:-$PWD/.cardcarry/fonts}
export OMP_WAIT_POLICY=PASSIVE
RENDER_S=${RENDER_S:-180}
TRAIN_MIN=${TRAIN_MIN:-5}
SEED=${SEED:-1001}
DATA=${DATA:-/tmp/card_data}
mkdir -p "$OUT"
{ nproc; nvidia-smi -L 2>/dev/null; } | tee "$OUT/machine.txt"
CARD_DATASET_SECONDS=$RENDER_S "$BIN" "$DATA" "$SEED" 1000000 256 "$(nproc)" 2>&1 | tail -2 | tee "$OUT/render.txt"
$PY training/card_locator/train.py "$DATA" --out "$OUT" --minutes "$TRAIN_MIN" \
    --batch "${BATCH:-256}" --lr "${LR:-3e-3}" --val 500 2>&1 | grep -v Warning | tee "$OUT/train.txt"
(cd training/card_locator && $PY check.py "$OUT" "$DATA" 16) 2>&1 | tee "$OUT/check.txt"
